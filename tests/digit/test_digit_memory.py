"""Memory held: the server's over ten page-started runs, and the peak of decoding images that are
small files but large pictures (float, 16-bit, RGBA, animated; formats whose decoders keep buffers
of their own), in the page's reader and `predict`."""

from __future__ import annotations

import json
import math
import os
import re
import select
import subprocess
import sys
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, PngImagePlugin

from justnumpy.files import images
from tests.digit.digit_helpers import drawn_seven, encode
from tests.helpers import REPO, stop, write_idx

MB = 2**20
RUN_SLACK = 60 * MB  # the server after ten runs, against after the first
DECODE_LIMIT = 100 * MB  # the extra memory one image may take to read
LINUX = Path("/proc/self/status").exists()


def vm_rss(pid: int) -> int:
    """A process's resident memory in bytes, from /proc."""
    return int(re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())[1]) * 1024


@pytest.fixture(scope="module")
def many_images(tmp_path_factory) -> Path:
    """31,000 training and 1,000 test images, digit k a bright bar at row 2k: quick to train on."""
    folder = tmp_path_factory.mktemp("many")
    rng = np.random.default_rng(0)
    for split, n in (("train", 31_000), ("t10k", 1_000)):
        y = rng.integers(0, 10, size=n).astype(np.uint8)
        X = np.zeros((n, 28, 28), np.uint8)
        for k in range(10):
            X[y == k, 2 * k + 3 : 2 * k + 6, 4:24] = 255
        write_idx(folder / f"{split}-images-idx3-ubyte.gz", X)
        write_idx(folder / f"{split}-labels-idx1-ubyte.gz", y)
    return folder


@pytest.mark.skipif(not LINUX, reason="reads the server's memory from /proc")
def test_the_server_gives_back_what_each_run_took(random_model, many_images):
    """Ten runs on 30,000 images each: what the server holds after the tenth is what it held after
    the first, within RUN_SLACK (a run that kept its images would add 24 MB each)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "justnumpy",
            "serve",
            str(random_model),
            "--port",
            "0",
            "--data-dir",
            str(many_images),
        ],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        url = re.search(r"http://127\.0\.0\.1:\d+/", proc.stdout.readline() if ready else "")
        assert url, "the server did not start"
        settings = json.dumps({"hidden": 8, "epochs": 1, "train_images": 30_000}).encode()
        after = []
        for _ in range(10):
            start = urllib.request.Request(
                url[0] + "api/train", data=settings, headers={"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(start, timeout=60) as r:
                assert r.status == 202
            with urllib.request.urlopen(url[0] + "api/train/events", timeout=120) as stream:
                end = next(
                    json.loads(line[5:])
                    for line in stream
                    if line.startswith(b"data:") and b'"done": true' in line
                )
            assert end["reason"] == "done" and end["served"], end
            after.append(vm_rss(proc.pid))
        figures = [round(v / MB) for v in after]
        assert max(after[1:]) - after[0] < RUN_SLACK, f"server RSS after each run, MB: {figures}"
    finally:
        stop(proc)


# ---- images ------------------------------------------------------------------------------------------


def seven(mode: str, bytes_per_pixel: int, paper, ink, cap: int = images.MAX_DECODE_BYTES) -> Image.Image:
    """A 7 on a square page as large as the decoding cap allows, for this many bytes a pixel."""
    side = math.isqrt(cap // bytes_per_pixel) - 8
    img = Image.new(mode, (side, side), paper)
    ImageDraw.Draw(img).line(
        [(0.3 * side, 0.2 * side), (0.7 * side, 0.2 * side), (0.45 * side, 0.8 * side)],
        fill=ink,
        width=side // 25,
    )
    return img


WHITE, BLACK = (255, 255, 255), (0, 0, 0)


def much_text(chunks: int) -> PngImagePlugin.PngInfo:
    """PNG text chunks of 1 MB each that compress to 1 kB."""
    info = PngImagePlugin.PngInfo()
    for k in range(chunks):
        info.add_text(f"note{k}", "x" * 2**20, zip=True)
    return info


@pytest.fixture(scope="module")
def large_pictures(tmp_path_factory) -> dict[str, Path]:
    """Files of a few kB that decode to tens of MB, each at the cap as images.decode_bytes counts it;
    and the same float TIFF larger than the cap."""
    folder = tmp_path_factory.mktemp("large")
    made = {
        "float.tif": (seven("F", 4, 1000.0, -3.5), {"compression": "tiff_deflate"}),
        "sixteen.png": (seven("I;16", 2, 60000, 2000), {}),
        "rgba.png": (seven("RGBA", 8, (255, 255, 255, 255), (0, 0, 0, 255)), {}),
        "animated.png": (
            seven("RGBA", 8, (255, 255, 255, 0), (0, 0, 0, 255)),
            {"save_all": True, "append_images": [seven("RGBA", 8, (0, 0, 0, 0), (90, 90, 90, 255))]},
        ),
        # Decoders with buffers of their own, beside Pillow's frame (images.decoder_bytes):
        # a progressive JPEG's coefficients at full size, 6 bytes a pixel in 4:4:4 color (and its
        # RGB frame, 4, which draft then makes a half-size gray one); OpenJPEG's 32-bit components;
        # libwebp's frames; libtiff's strip, here the whole image.
        "progressive.jpg": (seven("RGB", 10, WHITE, BLACK), {"progressive": True, "subsampling": 0}),
        "jpeg2000.jp2": (seven("RGB", 22, WHITE, BLACK), {}),
        "lossless.webp": (seven("RGB", 16, WHITE, BLACK), {"lossless": True}),
        "one-strip.tif": (seven("F", 8, 1000.0, -3.5), {"compression": "tiff_deflate", "strip_size": 2**31}),
        "over-the-cap.tif": (seven("F", 2, 1000.0, -3.5), {"compression": "tiff_deflate"}),  # twice the cap
        "over-the-cap.jpg": (seven("RGB", 3, WHITE, BLACK), {"progressive": True, "subsampling": 0}),
        # At the cap for Pillow's frame alone: their decoders' buffers take them far over it.
        "over-the-cap.jp2": (seven("RGB", 4, WHITE, BLACK), {}),
        "over-the-cap.webp": (seven("RGB", 4, WHITE, BLACK), {"lossless": True}),
        "over-the-cap-strip.tif": (
            seven("F", 4, 1000.0, -3.5),
            {"compression": "tiff_deflate", "strip_size": 2**31},
        ),
        # A PNG may also carry text: 60 compressed chunks of 1 MB each, beside a frame at the cap.
        "text.png": (seven("L", 1, 255, 0), {"pnginfo": much_text(60)}),
    }
    for name, (img, options) in made.items():
        img.save(folder / name, **options)
    return {name: folder / name for name in made}


# The peak is VmHWM, the process's own high-water mark: ru_maxrss would start at the peak of the
# pytest process that forked it.
READ = """
import re, sys
from pathlib import Path
from justnumpy.files import images
from tests.digit.digit_helpers import drawn_seven, encode
def peak():
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text())[1]) * 1024
images.preprocess(encode(drawn_seven()))  # every module and decoder loaded first
before = peak()
try:
    images.preprocess(sys.argv[1])
    outcome = "read"
except Exception as e:
    outcome = f"{type(e).__name__}: {e}"
print(peak() - before, outcome)
"""
PREDICT = """
import re, sys
from pathlib import Path
from justnumpy import commands
try:
    commands.main(sys.argv[1:])
finally:
    print(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text())[1], file=sys.stderr)
"""


def extra_peak(path: Path) -> tuple[int, str]:
    """The peak memory images.preprocess(path) adds, in bytes, in a fresh process; and what it gave."""
    r = subprocess.run(
        [sys.executable, "-c", READ, str(path)],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    peak, outcome = r.stdout.strip().split(" ", 1)
    return int(peak), outcome


@pytest.mark.skipif(not LINUX, reason="reads the peak memory from /proc")
@pytest.mark.parametrize(
    "name",
    [
        "float.tif",
        "sixteen.png",
        "rgba.png",
        "animated.png",
        "progressive.jpg",
        "jpeg2000.jp2",
        "lossless.webp",
        "one-strip.tif",
    ],
)
def test_a_large_picture_is_read_within_bounds(large_pictures, name):
    with Image.open(large_pictures[name]) as img:
        assert images.decode_bytes(img) <= images.MAX_DECODE_BYTES < 2 * images.decode_bytes(img)
    peak, outcome = extra_peak(large_pictures[name])
    assert outcome == "read", outcome
    assert peak < DECODE_LIMIT, f"{name}: {peak / MB:.0f} MB"


@pytest.mark.skipif(not LINUX, reason="reads the peak memory from /proc")
@pytest.mark.parametrize(
    "name, mode",
    [
        ("over-the-cap.tif", "F"),
        ("over-the-cap.jpg", "RGB"),
        ("over-the-cap.jp2", "RGB"),
        ("over-the-cap.webp", "RGB"),
        ("over-the-cap-strip.tif", "F"),
    ],
)
def test_a_picture_over_the_cap_is_refused_before_decoding(large_pictures, name, mode):
    path = large_pictures[name]
    assert path.stat().st_size < 300_000  # a small file ...
    peak, outcome = extra_peak(path)
    assert re.fullmatch(
        rf"ImageError: .*{name}: the image is \d+×\d+ pixels \({mode}\), \d+ MB to decode; .*", outcome
    )
    assert peak < 10 * MB, f"{peak / MB:.0f} MB"  # ... refused before it is decoded


@pytest.mark.skipif(not LINUX, reason="reads the peak memory from /proc")
def test_a_png_full_of_text_is_refused_within_bounds(large_pictures):
    peak, outcome = extra_peak(large_pictures["text.png"])
    assert outcome.startswith("ImageError: ") and "more than 1 MB of text" in outcome, outcome
    assert peak < DECODE_LIMIT, f"{peak / MB:.0f} MB"


@pytest.mark.skipif(not LINUX, reason="reads the peak memory from /proc")
def test_predict_reads_a_large_picture_within_bounds(random_model, large_pictures, tmp_path):
    small = tmp_path / "seven.png"
    small.write_bytes(encode(drawn_seven()))

    def peak(image: Path) -> int:
        """The peak resident memory of `justnumpy predict MODEL IMAGE`, in bytes."""
        r = subprocess.run(
            [sys.executable, "-c", PREDICT, "predict", str(random_model), str(image), "--json"],
            env={**os.environ, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert r.returncode == 0 and json.loads(r.stdout)[0]["digit"] is not None, r.stderr
        return int(r.stderr.strip().splitlines()[-1]) * 1024

    extra = peak(large_pictures["float.tif"]) - peak(small)
    assert extra < DECODE_LIMIT, f"{extra / MB:.0f} MB"
