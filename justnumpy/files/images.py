"""Turn any picture of a digit into the 784 numbers the network was trained on, the way MNIST was made.

MNIST digits are white ink on black, scaled so the longer side of the ink is 20 pixels, and placed
in a 28×28 field so that their centre of mass sits at the centre (LeCun et al., 1998). A photo or a
drawing is none of that, and a network that never saw anything else reads it badly. So:

    read         any image Pillow reads, first frame only, shrunk to 1024 px and made 8-bit gray as it
                 is decoded (memory stays bounded, decoders' own buffers counted); transparency
                 becomes background
    grayscale    (h, w) floats in [0, 1]
    invert       when the background (the median tone) is light: ink must be bright on dark
    normalise    subtract the background, stretch the ink to 1; blank → NoDigitError
    crop         to the ink's bounding box
    scale        longer side → 20 px, aspect ratio kept, anti-aliased (Lanczos)
    centre       paste into 28×28 with the centre of mass at pixel (14, 14), as in MNIST
    flatten      (784,) float32 in [0, 1], the same scale as data.to_inputs

    from justnumpy.files import images
    x = images.preprocess("my-digit.jpg")          # (784,) float32; x.reshape(28, 28) to look at it
    images.stages("my-digit.jpg")                  # the picture after each step: ink, crop, scaled, field

Every way an image can be unusable (not an image, empty, truncated, too many pixels, blank) raises
ImageError (NoDigitError for blank ones) with a message that names the file.
"""

from __future__ import annotations

import io
import math
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, PngImagePlugin, UnidentifiedImageError

from justnumpy.errors import ImageError, NoDigitError

SIDE = 28  # MNIST's field
FIT = 20  # MNIST's box for the ink's longer side
CENTRE = 14.0  # where MNIST's centres of mass sit (measured on the test set: 13.99, 14.01)
MAX_DECODE_BYTES = 64_000_000  # what one image may take to decode: 16 MP in color, 8 with alpha, 64 in gray
WORK_SIZE = 1024  # bigger images are shrunk to this longer side first; 20 px is the goal anyway
MIN_CONTRAST = 0.15  # ink must differ from the background by 15% of full scale, or it is blank
NOISE_FLOOR = 0.1  # after stretching, fainter than 10% of the ink is paper grain or JPEG ringing
INK_LEVEL = 0.25  # pixels this bright count for the bounding box
MIN_INK_PIXELS = 4  # fewer ink pixels than this is a speck, not a digit
# Encapsulated PostScript is decoded by running Ghostscript on the file; a digit is never an EPS.
Image.init()  # registers every format plugin, so Image.OPEN lists what Pillow can read
FORMATS = tuple(sorted(set(Image.OPEN) - {"EPS"}))
# A PNG's text chunks may hold 64 MB on top of its pixels; a digit's file has no use for text, so
# Pillow's own limit, a setting of its PNG reader, is lowered for this process (more fails to read).
MAX_TEXT_BYTES = 2**20
PngImagePlugin.MAX_TEXT_MEMORY = min(PngImagePlugin.MAX_TEXT_MEMORY, MAX_TEXT_BYTES)


def preprocess(
    source: str | os.PathLike | bytes, name: str | None = None, formats: tuple[str, ...] = FORMATS
) -> np.ndarray:
    """Any image file (a path, or its bytes) → the network's input row (784,) float32 in [0, 1]."""
    return stages(source, name, formats)["field"].reshape(SIDE * SIDE)


def stages(
    source: str | os.PathLike | bytes, name: str | None = None, formats: tuple[str, ...] = FORMATS
) -> dict[str, np.ndarray]:
    """`preprocess`, keeping the picture after each step (the draw-a-digit page shows them side by side).

    `formats` are the Pillow formats the file may be in (the page sends PNG only, so it reads PNG only).

    ink     (h, w)      the image in the network's gray levels: bright ink on a background of 0
    crop    (h', w')    cut to the ink's bounding box
    scaled  (≤20, ≤20)  the longer side scaled to 20 px
    field   (28, 28)    pasted with its centre of mass at the centre: the input, as a square
    """
    name = name or ("image" if isinstance(source, bytes) else str(source))
    gray = read_gray(source, name, formats)  # (h, w) in [0, 1], any polarity
    ink = ink_on_dark(gray, name)  # (h, w) in [0, 1], bright ink, background exactly 0
    crop = crop_to_ink(ink)
    scaled = scale_to_fit(crop)
    return {"ink": ink, "crop": crop, "scaled": scaled, "field": centre_by_mass(scaled)}


def read_gray(source: str | os.PathLike | bytes, name: str, formats: tuple[str, ...] = FORMATS) -> np.ndarray:
    """Decode the first frame of an image (in one of `formats`) into (h, w) float32 gray levels in [0, 1].

    Transparent pixels become background: white when the visible pixels are dark on average
    (dark ink on a transparent sheet), black when they are light. Memory stays bounded whatever
    the file claims: a JPEG is decoded at 1/2, 1/4 or 1/8 of its size while that still gives
    WORK_SIZE pixels (Pillow's draft); a frame that would take more than MAX_DECODE_BYTES to
    decode, its decoder's own buffers included, is refused before it is; the decoded frame is
    shrunk to WORK_SIZE in its own mode and made 8-bit gray before any NumPy array of it exists.
    """
    if isinstance(source, bytes):
        fp: io.BufferedIOBase = io.BytesIO(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise ImageError(f"{name}: no such file" if not path.exists() else f"{name}: not a file")
        fp = None  # Pillow opens (and closes) the path itself
    if (len(source) if fp is not None else path.stat().st_size) == 0:
        raise ImageError(f"{name}: empty file, not an image")
    try:
        # Pillow warns about images over Image.MAX_IMAGE_PIXELS and raises over twice that; our own
        # cap below is lower, and the warning becomes an error so nothing huge is ever decoded.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a damaged file's other warnings: it decodes or it fails
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(fp if fp is not None else path, formats=formats) as img:
                (w, h), mode = img.size, img.mode
                if w * h == 0:
                    raise ImageError(f"{name}: the image is {w}×{h} pixels, it has no pixels")
                img.draft("L", (WORK_SIZE, WORK_SIZE))  # JPEG only: decode at 1/2, 1/4, 1/8 size
                needed = decode_bytes(img, full_size=(w, h))
                if needed > MAX_DECODE_BYTES:
                    raise ImageError(
                        f"{name}: the image is {w}×{h} pixels ({mode}), {needed / 1e6:.0f} MB to decode; "
                        f"justnumpy decodes up to {MAX_DECODE_BYTES / 1e6:.0f} MB an image: shrink it first "
                        f"(a digit needs no more than {WORK_SIZE} pixels a side)"
                    )
                img.load()  # the first frame of an animation; truncated data fails here
                return _to_array(small_gray(img))
    except ImageError:
        raise
    except PermissionError:
        raise ImageError(f"{name}: cannot read the file (permission denied)") from None
    except UnidentifiedImageError:
        if formats != FORMATS:
            raise ImageError(f"{name}: not a {' or '.join(formats)} image") from None
        raise ImageError(f"{name}: not an image file Pillow can read") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, MemoryError) as e:
        raise ImageError(f"{name}: the image is too large to decode safely ({e})") from None
    except Exception as e:  # a damaged file can fail deep inside a decoder in many ways
        what = f"{type(e).__name__}: {e}"
        if "text chunks" in str(e):  # Pillow's PNG reader, past MAX_TEXT_MEMORY
            what = f"the PNG carries more than {MAX_TEXT_BYTES // 2**20} MB of text"
        raise ImageError(f"{name}: damaged or unsupported image ({what})") from None


def decode_bytes(img: Image.Image, full_size: tuple[int, int] | None = None) -> int:
    """The memory an opened (not yet loaded) frame takes to decode and to shrink, beyond a fixed part.

    Pillow keeps 1 byte per pixel for bilevel, gray and palette images, 2 for 16-bit gray and 4
    for everything else (color, alpha, 32-bit integers, floats). A palette or bilevel image, or
    one with a transparent color, is made gray before shrinking: one more byte a pixel, or four
    with alpha; and an image with alpha is shrunk through a premultiplied copy: four more. What
    shrinking makes after that is at most (2·WORK_SIZE)² pixels, a fixed 16 MB at most. Some
    decoders hold buffers of their own besides (decoder_bytes), at the file's `full_size` (the
    size before draft, which is img.size when no draft was asked for).
    """
    w, h = img.size
    alpha = img.mode in ("LA", "La", "PA", "RGBA", "RGBa") or "transparency" in img.info
    stored = 1 if img.mode in ("1", "L", "P") else 2 if img.mode.startswith("I;16") else 4
    gray = (4 if alpha else 1) if _gray_first(img) else 0
    return w * h * (stored + gray + (4 if alpha else 0)) + decoder_bytes(img, full_size or img.size)


def decoder_bytes(img: Image.Image, full_size: tuple[int, int]) -> int:
    """What the format's own decoder holds while it decodes a frame of `full_size`, beside Pillow's copy.

    Per pixel, measured with Pillow 13 (its bundled libraries) and rounded up.
    """
    w, h = full_size
    if img.format == "JPEG" and img.info.get("progressive"):
        # libjpeg keeps every DCT coefficient of a progressive file until its last scan, at full size
        # whatever draft asked for: 2 bytes a coefficient, one per pixel of each color component at
        # its sampling (4:2:0 color keeps 1 + ¼ + ¼ of a pixel's worth).
        sampling = [(hs, vs) for _, hs, vs, _ in img.layer]  # type: ignore[attr-defined]
        most = max(hs for hs, _ in sampling) * max(vs for _, vs in sampling)
        return math.ceil(2 * w * h * sum(hs * vs for hs, vs in sampling) / most)
    if img.format == "JPEG2000":  # OpenJPEG decodes each component as 32-bit integers, plus work space
        return 6 * w * h * len(img.getbands())
    if img.format == "WEBP":  # libwebp's own decoded frame and the copy it hands over (RGBA, 4 + 4 + 4)
        return 12 * w * h
    if img.format == "AVIF":  # the decoded YUV planes and their RGBA conversion
        return 8 * w * h
    if img.format == "TIFF":  # libtiff decodes a strip, or a tile, at a time into a buffer of its own
        tags = img.tag_v2  # type: ignore[attr-defined]
        bits = tags.get(258, (8,))
        pixel = math.ceil(sum(bits if isinstance(bits, tuple) else (bits,)) / 8)  # bytes a pixel in the file
        if 322 in tags and 323 in tags:  # TileWidth, TileLength
            return int(tags[322]) * int(tags[323]) * pixel
        return w * min(int(tags.get(278, h)), h) * pixel  # RowsPerStrip: the whole image when absent
    return 0


def _gray_first(img: Image.Image) -> bool:
    """Whether a frame must be made gray before shrinking: palettes, bilevel, a transparent color."""
    return img.mode in ("1", "P", "PA") or "transparency" in img.info


def small_gray(img: Image.Image) -> Image.Image:
    """A decoded frame in any mode → at most WORK_SIZE on its longer side, in 8-bit gray: L, or LA."""
    if _gray_first(img):  # palettes resample only by nearest neighbour, and a transparent color
        img = img.convert("LA" if img.has_transparency_data else "L")  # must match exactly: gray first
    # Shrinking reduces by a whole factor (box filter) to twice the size, then resamples with Lanczos;
    # Pillow's reduce has no 16-bit mode, where Lanczos does it all.
    gap = None if img.mode.startswith("I;16") else 2.0
    img.thumbnail((WORK_SIZE, WORK_SIZE), Image.Resampling.LANCZOS, reducing_gap=gap)  # a no-op if small
    if img.mode.startswith("I;16"):  # 16-bit gray: 65535 is white
        return _stretch(img.convert("F"), 0.0, 65535.0)
    if img.mode in ("I", "F"):  # 32-bit integers or floats have no fixed white: their range is stretched
        lo, hi = img.convert("F").getextrema()  # NaN anywhere makes both NaN
        span_ok = math.isfinite(lo) and math.isfinite(hi) and hi > lo
        return _stretch(img.convert("F"), lo, hi) if span_ok else Image.new("L", img.size, 0)
    if img.mode in ("LAB", "HSV"):  # Pillow cannot convert these to L: take their lightness band
        return img.getchannel("L" if img.mode == "LAB" else "V")
    if img.mode in ("L", "LA"):
        return img
    if img.has_transparency_data:  # an alpha band
        return img.convert("RGBA").convert("LA")
    return img.convert("L")  # RGB, CMYK, YCbCr, ...: luminance (ITU-R 601-2)


def _stretch(img: Image.Image, lo: float, hi: float) -> Image.Image:
    """A float image (F) → 8-bit gray, lo → 0 and hi → 255, rounded (the +0.5: L truncates)."""
    k = 255 / (hi - lo)
    return img.point(lambda v: v * k + (0.5 - lo * k)).convert("L")


def _to_array(img: Image.Image) -> np.ndarray:
    """An 8-bit gray frame (L, or LA) → (h, w) float32 in [0, 1], alpha composited away."""
    if img.mode == "L":
        return np.asarray(img, dtype=np.float32) / 255
    la = np.asarray(img, dtype=np.float32) / 255  # (h, w, 2): gray, alpha
    gray, alpha = la[..., 0], la[..., 1]
    seen = float(alpha.sum())
    if seen == 0:
        return np.zeros_like(gray)  # fully transparent: blank, which ink_on_dark reports
    visible_tone = float((gray * alpha).sum()) / seen  # mean gray of what is actually visible
    background = 1.0 if visible_tone < 0.5 else 0.0
    return gray * alpha + background * (1 - alpha)  # "over" compositing onto the background


def ink_on_dark(gray: np.ndarray, name: str = "image") -> np.ndarray:
    """Gray levels (h, w) → ink in [0, 1] on a background of exactly 0, as in MNIST.

    The background is the median tone (a digit covers less than half of its picture); when it is
    light the image is inverted. Subtracting it and dividing by the brightest ink makes a grey
    pencil on grey paper look like MNIST's full-strength strokes. Raises NoDigitError when the
    brightest ink is barely different from the background, or when there are only a few ink pixels.
    """
    gray = np.nan_to_num(gray.astype(np.float32), nan=0.0, posinf=1.0, neginf=0.0)
    background = float(np.median(gray))
    if background > 0.5:
        gray, background = 1 - gray, 1 - background  # dark ink on light paper → bright on dark
    ink = gray - background  # (h, w): the background is now ~0; darker-than-background is negative
    peak = float(ink.max())
    if peak < MIN_CONTRAST:
        raise NoDigitError(f"{name}: no digit found, the image is blank (contrast {max(peak, 0):.0%})")
    ink = np.clip(ink / peak, 0, 1)  # the strongest ink becomes 1, like MNIST's 255
    ink[ink < NOISE_FLOOR] = 0  # paper grain and compression noise are not ink
    if int((ink >= INK_LEVEL).sum()) < MIN_INK_PIXELS:
        raise NoDigitError(f"{name}: no digit found, only a few specks of ink")
    return ink


def crop_to_ink(ink: np.ndarray) -> np.ndarray:
    """Ink (h, w) on 0 → the rows and columns between its first and last ink pixels, float32."""
    rows = np.flatnonzero((ink >= INK_LEVEL).any(axis=1))
    cols = np.flatnonzero((ink >= INK_LEVEL).any(axis=0))
    return np.ascontiguousarray(ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1], dtype=np.float32)


def scale_to_fit(crop: np.ndarray) -> np.ndarray:
    """A crop (h, w) → (h', w') with the longer side FIT = 20 px and the aspect ratio kept."""
    scale = FIT / max(crop.shape)  # the longer side becomes 20 px; the shorter keeps the aspect ratio
    h, w = (max(1, min(FIT, round(n * scale))) for n in crop.shape)
    small = Image.fromarray(crop).resize((w, h), Image.Resampling.LANCZOS)  # anti-aliased, also upscaling
    return np.clip(np.asarray(small, dtype=np.float32), 0, 1)  # Lanczos rings slightly past 0 and 1


def centre_by_mass(small: np.ndarray) -> np.ndarray:
    """The scaled ink (h, w) → the (28, 28) float32 field with its centre of mass at (14, 14).

    The digit is kept whole: if centring its mass would push it over an edge, it stops at the edge.
    """
    h, w = small.shape
    mass = float(small.sum())
    if not mass > 0:
        raise NoDigitError("no digit found after scaling")  # cannot happen for real ink; a guard
    ys, xs = np.indices(small.shape)
    cy, cx = float((small * ys).sum()) / mass, float((small * xs).sum()) / mass  # centre of mass
    top = int(np.clip(round(CENTRE - cy), 0, SIDE - h))  # integer shift, as MNIST did
    left = int(np.clip(round(CENTRE - cx), 0, SIDE - w))
    field = np.zeros((SIDE, SIDE), dtype=np.float32)
    field[top : top + h, left : left + w] = small
    return field


def to_png(x: np.ndarray, scale: int = 10) -> bytes:
    """A network input (784,) in [0, 1] → PNG bytes of the 28×28 it is, enlarged `scale`× (sharp pixels)."""
    pixels = (np.clip(x.reshape(SIDE, SIDE), 0, 1) * 255).round().astype(np.uint8)
    img = Image.fromarray(pixels).resize((SIDE * scale, SIDE * scale), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    return buffer.getvalue()


def mnist_as_photo(image: np.ndarray, rng: np.random.Generator, fmt: str = "JPEG", scale: int = 10) -> bytes:
    """An MNIST image (28, 28) uint8 → bytes of a black-on-white RGB file, upscaled, placed off-centre.

    The other direction, for measuring: this is what a user's scan or screenshot looks like, and
    everything `preprocess` must undo (the tests and `evaluate --not-a-digit` make such files).
    """
    side = SIDE * scale
    big = Image.fromarray(255 - image).resize((side, side), Image.Resampling.BILINEAR)
    width = side + int(rng.integers(side // 2, 2 * side))  # at least half a digit of margin
    height = side + int(rng.integers(side // 2, 2 * side))
    canvas = Image.new("RGB", (width, height), (255, 255, 255))
    corner = (int(rng.integers(0, width - side)), int(rng.integers(0, height - side)))
    canvas.paste(big.convert("RGB"), corner)
    buffer = io.BytesIO()
    canvas.save(buffer, format=fmt)
    return buffer.getvalue()
