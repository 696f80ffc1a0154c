"""`justnumpy predict`: the done-criterion accuracy on photo-like files, the output formats, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from justnumpy import network
from justnumpy.files import images, modelfile
from tests.digit.digit_helpers import LETTER_W, SCRIBBLE, SEVEN, draw_strokes, drawn_seven, encode


@pytest.mark.slow
def test_default_model_reads_photo_like_mnist_files(mnist_raw, default_model, tmp_path, cli):
    """≥95% of MNIST test digits, as black-on-white, upscaled, off-centre RGB PNG/JPEG files, are
    read right, and ≤2% of them are called "not a digit"."""
    _, _, X_test, y_test = mnist_raw
    rng = np.random.default_rng(6)
    chosen = rng.choice(len(X_test), size=600, replace=False)
    paths = []
    for n, i in enumerate(chosen):
        fmt = "PNG" if n % 2 else "JPEG"
        path = tmp_path / f"{n:04d}-label{y_test[i]}.{fmt.lower()}"
        path.write_bytes(images.mnist_as_photo(X_test[i], rng, fmt, scale=int(rng.integers(3, 11))))
        paths.append(str(path))
    r = cli("predict", str(default_model), *paths, "--json")
    assert r.returncode == 0, r.stderr
    answers = json.loads(r.stdout)
    assert [a["path"] for a in answers] == paths
    predicted = np.array([a["digit"] for a in answers])
    accuracy = float((predicted == y_test[chosen]).mean())
    flagged = float(np.mean([a["not_a_digit"] for a in answers]))
    print(f"accuracy on {len(paths)} photo-like files: {accuracy:.2%}; not a digit: {flagged:.2%}")
    assert accuracy >= 0.95, accuracy
    assert flagged <= 0.02, flagged
    # the JSON probabilities are the network's on the preprocessed file (one source of truth)
    params, _, _ = modelfile.load(default_model)
    expected = network.forward(params, images.preprocess(paths[0])[None, :])["A2"][0]
    np.testing.assert_allclose(answers[0]["probabilities"], expected, rtol=1e-5, atol=1e-7)


def test_text_output_and_per_image_errors(random_model, tmp_path, cli):
    seven, blank, notes = tmp_path / "seven.png", tmp_path / "blank.png", tmp_path / "notes.txt"
    seven.write_bytes(encode(drawn_seven()))
    blank.write_bytes(encode(Image.new("L", (64, 64), 255)))
    notes.write_text("not an image")
    r = cli("predict", str(random_model), str(seven), str(blank), str(notes))
    assert r.returncode == 1  # some images could not be read: the status says so
    out = r.stdout.strip().splitlines()
    assert len(out) == 1 and out[0].startswith(f"{seven}: ") and "top 3: " in out[0]
    digit, percent = out[0].split(": ")[1].split(" (")
    top = out[0].split("top 3: ")[1].split(", ")
    assert len(top) == 3 and top[0].startswith(f"{digit} ") and percent.startswith(top[0].split()[1])
    err = r.stderr.strip().splitlines()
    assert err == [
        f"justnumpy: error: {blank}: no digit found, the image is blank (contrast 0%)",
        f"justnumpy: error: {notes}: not an image file Pillow can read",
    ]


def test_json_output(random_model, tmp_path, cli):
    seven, blank = tmp_path / "seven.jpg", tmp_path / "blank.png"
    seven.write_bytes(encode(drawn_seven(), "JPEG"))
    blank.write_bytes(encode(Image.new("L", (64, 64), 255)))
    r = cli("predict", str(random_model), str(seven), str(blank), "--json")
    assert r.returncode == 1
    good, bad = json.loads(r.stdout)
    assert set(good) == {"path", "digit", "probabilities", "not_a_digit", "novelty_score"}
    assert good["path"] == str(seven)
    assert good["not_a_digit"] is None and good["novelty_score"] is None  # a model without a detector
    assert len(good["probabilities"]) == 10 and sum(good["probabilities"]) == pytest.approx(1, abs=1e-5)
    assert good["digit"] == int(np.argmax(good["probabilities"]))
    assert bad["digit"] is None and bad["probabilities"] is None and "no digit found" in bad["error"]
    assert bad["not_a_digit"] is None and bad["novelty_score"] is None
    r = cli("predict", str(random_model), str(seven), "--json")
    assert r.returncode == 0 and r.stderr == ""


def test_a_letter_and_a_scribble_are_not_digits(default_detector, default_model, tmp_path, cli):
    from justnumpy import novelty

    params, detector = default_detector
    paths = []
    for name, strokes in (("seven", SEVEN), ("letter-w", LETTER_W), ("scribble", SCRIBBLE)):
        paths.append(tmp_path / f"{name}.png")
        paths[-1].write_bytes(encode(draw_strokes(strokes)))
    r = cli("predict", str(default_model), *map(str, paths), "--json")
    assert r.returncode == 0, r.stderr
    answers = json.loads(r.stdout)
    assert [a["not_a_digit"] for a in answers] == [False, True, True]
    assert answers[0]["digit"] == 7
    threshold = float(detector["threshold"])
    for path, answer in zip(paths, answers, strict=True):
        expected = novelty.score(detector, params, images.preprocess(path)[None, :])[0]
        assert answer["novelty_score"] == pytest.approx(float(expected), rel=1e-6)
        assert (answer["novelty_score"] > threshold) == answer["not_a_digit"]
    lines = cli("predict", str(default_model), *map(str, paths)).stdout.splitlines()
    assert "does not look like a digit" not in lines[0]
    for line, answer in zip(lines[1:], answers[1:], strict=True):  # the guess stays, and says so
        assert line.startswith(f"{answer['path']}: {answer['digit']} (")
        assert (
            f", but it does not look like a digit (novelty {answer['novelty_score']:.2f} > {threshold:.2f})"
            in line
        )


def test_show_input_writes_what_the_network_saw_and_never_overwrites(random_model, tmp_path, cli):
    seven = tmp_path / "seven.png"
    seven.write_bytes(encode(drawn_seven()))
    seen = tmp_path / "seen"
    seen.mkdir()
    (seen / "seven.input.png").write_bytes(b"the user's own file")
    r = cli("predict", str(random_model), str(seven), "--show-input", str(seen))
    assert r.returncode == 0, r.stderr
    assert (seen / "seven.input.png").read_bytes() == b"the user's own file"
    written = seen / "seven.input-2.png"
    assert f"seen: {written}" in r.stdout
    shown = np.asarray(Image.open(written))
    x = images.preprocess(seven)
    np.testing.assert_array_equal(shown[::10, ::10], (x.reshape(28, 28) * 255).round().astype(np.uint8))


def test_model_and_usage_errors(random_model, tmp_path, cli):
    seven = tmp_path / "seven.png"
    seven.write_bytes(encode(drawn_seven()))
    r = cli("predict", str(tmp_path / "missing.npz"), str(seven))
    assert r.returncode == 1 and r.stderr.strip().splitlines() == [
        f"justnumpy: error: {tmp_path / 'missing.npz'}: no such model file"
    ]
    r = cli("predict", str(random_model))
    assert r.returncode == 2 and r.stderr.startswith("justnumpy: error: ")
    (tmp_path / "afile").write_text("x")
    r = cli("predict", str(random_model), str(seven), "--show-input", str(tmp_path / "afile"))
    assert r.returncode == 1 and "cannot create the --show-input folder" in r.stderr
    assert "Traceback" not in r.stderr
