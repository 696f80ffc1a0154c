"""Fuzzing the preprocessing: whatever bytes come in, only a valid input row or an ImageError comes out."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

from justnumpy.errors import ImageError, NoDigitError
from justnumpy.files import images
from tests.digit.digit_helpers import check_input, encode

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FORMATS = ["PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP"]
MODES = ["L", "RGB", "RGBA", "LA", "P", "1", "I;16"]


def preprocess_or_image_error(content: bytes) -> np.ndarray | None:
    """Run preprocessing; a valid row or an ImageError are the only acceptable outcomes."""
    try:
        x = images.preprocess(content, name="fuzz")
    except ImageError as e:
        assert str(e).startswith("fuzz") or "no digit" in str(e)  # every message names the input
        return None
    check_input(x)
    return x


@st.composite
def valid_images(draw) -> bytes:
    """A small random picture in a random mode, saved in a random format."""
    h, w = draw(st.integers(1, 48)), draw(st.integers(1, 48))
    pixels = draw(arrays(np.uint8, (h, w), elements=st.integers(0, 255)))
    mode, fmt = draw(st.sampled_from(MODES)), draw(st.sampled_from(FORMATS))
    img = Image.fromarray(pixels)
    if mode == "I;16":
        img = Image.fromarray(pixels.astype(np.uint16) * 257)
        fmt = "PNG"  # the formats that store 16-bit gray
    elif mode != "L":
        img = img.convert(mode)
    try:
        return encode(img, fmt)
    except (OSError, ValueError):  # this format cannot store this mode (e.g. RGBA as JPEG)
        return encode(img, "PNG")


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes(content):
    preprocess_or_image_error(content)


@FUZZ
@given(valid_images())
def test_valid_random_images_give_an_input_or_no_digit(content):
    try:
        x = images.preprocess(content, name="fuzz")
    except NoDigitError:
        return  # a uniform or nearly uniform picture: blank is the right answer
    check_input(x)


@FUZZ
@given(valid_images(), st.data())
def test_mutated_images(content, data):
    """Truncate, overwrite and insert bytes of real image files: the decoders' edge cases."""
    b = bytearray(content)
    for _ in range(data.draw(st.integers(1, 4))):
        action = data.draw(st.sampled_from(["truncate", "flip", "insert"]))
        at = data.draw(st.integers(0, max(len(b) - 1, 0)))
        if action == "truncate":
            del b[at:]
        elif action == "flip" and b:
            b[at] = data.draw(st.integers(0, 255))
        else:
            b[at:at] = data.draw(st.binary(min_size=1, max_size=16))
    preprocess_or_image_error(bytes(b))
