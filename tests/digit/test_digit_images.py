"""MNIST-style preprocessing: what comes out, for every kind of image that goes in, and every error."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from justnumpy import network
from justnumpy.errors import ImageError, JustNumpyError, NoDigitError
from justnumpy.files import images, modelfile
from tests.digit.digit_helpers import check_input, drawn_seven, encode


def best_shift_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Largest correlation of two 28×28 images when one may move by up to 1 pixel each way.

    MNIST centred its digits by an integer shift, and a rounding of the centre of mass can land
    one pixel away; a thin "1" then correlates badly with itself although nothing went wrong.
    """
    a, b = a.reshape(28, 28), b.reshape(28, 28)
    return max(
        float(np.corrcoef(np.roll(a, (dy, dx), axis=(0, 1)).ravel(), b.ravel())[0, 1])
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
    )


def test_mnist_photo_comes_back_close_and_classified_the_same(mnist_raw, default_model):
    """×10, black on white, off-centre on a large canvas, RGB JPEG → close to the original 28×28."""
    _, _, X_test, _ = mnist_raw
    params, _, _ = modelfile.load(default_model)
    rng = np.random.default_rng(0)
    n = 100
    seen = np.stack([images.preprocess(images.mnist_as_photo(X_test[i], rng, "JPEG")) for i in range(n)])
    original = X_test[:n].reshape(n, 784) / 255
    plain = [float(np.corrcoef(s, o)[0, 1]) for s, o in zip(seen, original, strict=True)]
    shifted = [best_shift_correlation(s, o) for s, o in zip(seen, original, strict=True)]
    # "Close": the median correlation with the original is ≥ 0.95, and every image reaches ≥ 0.9 once
    # a 1-pixel rounding difference of the centring is allowed.
    assert np.median(plain) >= 0.95, np.median(plain)
    assert min(shifted) >= 0.9, (int(np.argmin(shifted)), min(shifted))
    assert np.abs(seen - original).mean() < 0.05
    same = network.predict(params, seen) == network.predict(params, original.astype(np.float32))
    assert same.mean() >= 0.97, same.mean()
    # and the first one in particular (a 7): close and read the same way
    assert shifted[0] >= 0.95 and same[0]


def test_output_is_mnist_shaped():
    x = images.preprocess(encode(drawn_seven()), name="seven.png")
    check_input(x)
    field = x.reshape(28, 28)
    rows, cols = np.flatnonzero(field.any(axis=1)), np.flatnonzero(field.any(axis=0))
    height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    assert 19 <= max(height, width) <= 21  # the longer side is 20 px (±1 for anti-aliased edges)
    assert width < height  # a 7 drawn taller than wide keeps its aspect ratio
    ys, xs = np.indices(field.shape)
    cy, cx = (field * ys).sum() / field.sum(), (field * xs).sum() / field.sum()
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1  # centre of mass at the centre, as in MNIST
    assert field.max() == pytest.approx(1, abs=0.02)  # full-strength ink, like MNIST's 255
    assert (field[0] == 0).all() and (field[:, 0] == 0).all()  # background is exactly 0


def test_polarity_and_contrast_do_not_matter():
    dark_on_light = images.preprocess(encode(drawn_seven(ink=20, paper=235)))
    light_on_dark = images.preprocess(encode(drawn_seven(ink=235, paper=20)))
    pencil_on_grey = images.preprocess(encode(drawn_seven(ink=90, paper=170)))
    np.testing.assert_allclose(light_on_dark, dark_on_light, atol=1e-5)
    np.testing.assert_allclose(pencil_on_grey, dark_on_light, atol=0.03)


def _variants(img: Image.Image) -> dict[str, bytes]:
    """The same drawing in the modes and formats people's files come in."""
    a = np.asarray(img)
    rgba = np.zeros((*a.shape, 4), np.uint8)
    rgba[..., 3] = 255 - a  # black ink whose alpha is its darkness, on a fully transparent sheet
    white_ink = rgba.copy()
    white_ink[..., :3] = 255
    return {
        "L png": encode(img),
        "RGB jpeg": encode(img.convert("RGB"), "JPEG", quality=90),
        "RGBA transparent, black ink": encode(Image.fromarray(rgba)),
        "RGBA transparent, white ink": encode(Image.fromarray(white_ink)),
        "LA png": encode(img.convert("LA")),
        "P png": encode(img.convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE, colors=16)),
        "I;16 png": encode(Image.fromarray(a.astype(np.uint16) * 257)),
        "1-bit png": encode(img.point(lambda v: 255 if v > 128 else 0).convert("1")),
        "gif": encode(img, "GIF"),
        "bmp": encode(img, "BMP"),
        "tiff": encode(img, "TIFF"),
        "webp": encode(img, "WEBP", lossless=True),
        "CMYK jpeg": encode(img.convert("CMYK"), "JPEG"),
        "I (32-bit) tiff": encode(img.convert("I"), "TIFF"),
        "F (float) tiff": encode(img.convert("F"), "TIFF"),
        "LAB tiff": encode(img.convert("RGB").convert("LAB"), "TIFF"),
    }


@pytest.mark.parametrize("kind", list(_variants(drawn_seven())))
def test_every_mode_and_format_gives_the_same_input(kind):
    reference = images.preprocess(encode(drawn_seven()))
    x = images.preprocess(_variants(drawn_seven())[kind], name=kind)
    check_input(x)
    assert np.corrcoef(x, reference)[0, 1] >= 0.97, kind


def test_palette_transparency_is_background():
    img = drawn_seven().convert("P")
    img.info["transparency"] = img.getpixel((0, 0))  # the paper's palette entry is transparent
    x = images.preprocess(encode(img, transparency=img.getpixel((0, 0))))
    assert np.corrcoef(x, images.preprocess(encode(drawn_seven())))[0, 1] >= 0.97


def test_animation_uses_the_first_frame():
    first = drawn_seven()
    second = Image.new("L", first.size, 235)
    second.paste(20, (100, 150, 400, 170))  # a horizontal bar: nothing like a 7
    gif = encode(first, "GIF", save_all=True, append_images=[second], duration=100, loop=0)
    assert Image.open(io.BytesIO(gif)).n_frames == 2
    np.testing.assert_allclose(images.preprocess(gif), images.preprocess(encode(first, "GIF")), atol=1e-6)


def test_large_photo_is_shrunk_first():
    big = drawn_seven().resize((4000, 2880), Image.Resampling.BILINEAR)  # 11.5 megapixels
    x = images.preprocess(encode(big, "JPEG"))
    assert np.corrcoef(x, images.preprocess(encode(drawn_seven())))[0, 1] >= 0.97


def _speck() -> Image.Image:
    img = Image.new("L", (300, 200), 255)
    img.putpixel((150, 100), 0)  # one dark pixel: a speck of dust, not a digit
    return img


@pytest.mark.parametrize(
    ("what", "img"),
    [
        ("white page", Image.new("L", (300, 200), 255)),
        ("black page", Image.new("L", (300, 200), 0)),
        ("grey page", Image.new("RGB", (300, 200), (120, 130, 140))),
        ("faint smudge", drawn_seven(ink=225, paper=235)),
        ("one speck", _speck()),
        ("fully transparent", Image.new("RGBA", (300, 200), (0, 0, 0, 0))),
    ],
)
def test_blank_images_have_no_digit(what, img):
    with pytest.raises(NoDigitError, match=r"blank\.png: no digit found"):
        images.preprocess(encode(img), name="blank.png")


def test_noisy_blank_page_has_no_digit():
    rng = np.random.default_rng(0)
    paper = (230 + rng.normal(0, 4, size=(200, 300))).clip(0, 255).astype(np.uint8)  # grain, no ink
    with pytest.raises(NoDigitError):
        images.preprocess(encode(Image.fromarray(paper), "JPEG"))


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width×height pixels but holds a few bytes: a decompression-bomb probe."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_file_errors_name_the_file(tmp_path):
    good = encode(drawn_seven())
    cases = {
        "notes.txt": (b"just some text, not an image\n", "not an image file"),
        "empty.png": (b"", "empty file"),
        "truncated.png": (good[: len(good) // 2], "damaged"),
        "truncated.jpg": (encode(drawn_seven(), "JPEG")[:300], "damaged"),
        "big.png": (_png_header_only(9000, 9000), r"9000×9000 pixels \(L\), 81 MB to decode"),
        "huge.png": (_png_header_only(100_000, 100_000), "too large to decode safely"),
        "drawing.eps": (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "not an image file"),
    }
    for name, (content, message) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ImageError, match=message) as e:
            images.preprocess(tmp_path / name)
        assert str(tmp_path / name) in str(e.value)
        assert not isinstance(e.value, NoDigitError) and isinstance(e.value, JustNumpyError)
    with pytest.raises(ImageError, match="no such file"):
        images.preprocess(tmp_path / "missing.png")
    with pytest.raises(ImageError, match="not a file"):
        images.preprocess(tmp_path)


def test_pillow_bomb_protection_is_an_image_error(monkeypatch):
    """Pillow's own guard (MAX_IMAGE_PIXELS) fires before ours when it is lower: still a clean error."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    for size in ((150, 100), (300, 300)):  # 1.5× the limit: Pillow warns; 9×: Pillow raises
        with pytest.raises(ImageError, match="too large to decode safely"):
            images.preprocess(encode(Image.new("L", size, 255)))


def test_to_png_shows_exactly_the_input():
    x = images.preprocess(encode(drawn_seven()))
    shown = np.asarray(Image.open(io.BytesIO(images.to_png(x, scale=10))))
    assert shown.shape == (280, 280)
    np.testing.assert_array_equal(shown[::10, ::10], (x.reshape(28, 28) * 255).round().astype(np.uint8))


def test_stages_are_the_steps_of_preprocess():
    drawing = encode(drawn_seven())
    stages = images.stages(drawing)
    assert list(stages) == ["ink", "crop", "scaled", "field"]
    np.testing.assert_array_equal(stages["field"].reshape(784), images.preprocess(drawing))
    ink = stages["ink"]
    assert ink.shape == (360, 500) and ink.min() == 0 and ink.max() == 1  # bright ink on 0, full size
    rows = np.flatnonzero((ink >= images.INK_LEVEL).any(axis=1))
    cols = np.flatnonzero((ink >= images.INK_LEVEL).any(axis=0))
    np.testing.assert_array_equal(stages["crop"], ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1])
    h, w = stages["crop"].shape
    assert stages["scaled"].shape == (20, round(w * 20 / h))  # taller than wide: height 20, ratio kept
    field = stages["field"]
    assert field.sum() == pytest.approx(stages["scaled"].sum(), rel=1e-5)  # pasted whole
    ys, xs = np.indices(field.shape)
    centre = (float((field * ys).sum() / field.sum()), float((field * xs).sum() / field.sum()))
    assert centre == pytest.approx((14, 14), abs=0.5)  # an integer shift gets within half a pixel
