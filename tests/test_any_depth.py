"""A network of any depth through the whole command line: train, files, evaluate, predict, gradcheck."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from justnumpy import model, network
from justnumpy.files import images, modelfile

FIXTURES = Path(__file__).parent / "fixtures"
OLD = FIXTURES / "written-before-any-depth.npz"  # saved by justnumpy before hidden became a list


@pytest.fixture(scope="module")
def deep_model(tmp_path_factory):
    """`justnumpy train --hidden 32,16 --activation tanh` on the tiny dataset, saved once."""
    from tests.helpers import make_dataset, run_cli

    folder = tmp_path_factory.mktemp("deep")
    data_dir = make_dataset(folder / "tiny")
    out = folder / "deep.npz"
    r = run_cli(
        "train", "--hidden", "32,16", "--activation", "tanh", "--epochs", "2", "--batch-size", "50",
        "--lr", "0.1", "--data-dir", str(data_dir), "--out", str(out), "--quiet",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    return out, data_dir


def test_a_deep_model_file_records_its_sizes_activation_and_loss(deep_model):
    out, _ = deep_model
    params, meta, _ = modelfile.load(out)
    assert list(params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert meta["sizes"] == [784, 32, 16, 10]
    assert (meta["activation"], meta["loss"]) == ("tanh", "cross-entropy")
    with np.load(out, allow_pickle=False) as f:  # plain arrays for anyone, no justnumpy needed
        assert json.loads(str(f["meta"]))["config"]["hidden"] == [32, 16]


def test_a_deep_model_evaluates_and_predicts(deep_model, cli, tmp_path):
    out, data_dir = deep_model
    r = cli("evaluate", str(out), "--data-dir", str(data_dir))
    assert r.returncode == 0, r.stderr
    net, params, _, _ = model.load(out)
    assert net.activation == "tanh"
    X = np.zeros((1, 784), dtype=np.float32)
    X[0, 300:310] = 1
    image = tmp_path / "digit.png"
    image.write_bytes(images.to_png(X[0]))
    r = cli("predict", str(out), str(image), "--json")
    assert r.returncode == 0, r.stderr
    answer = json.loads(r.stdout)[0]
    expected = model.output(net.forward(params, images.preprocess(str(image))[None, :]))[0]
    np.testing.assert_allclose(answer["probabilities"], expected, rtol=1e-6)


def test_resume_keeps_the_depth_and_refuses_to_change_it(deep_model, cli, tmp_path):
    out, data_dir = deep_model
    copy = tmp_path / "copy.npz"
    shutil.copy(out, copy)
    r = cli("train", "--resume", str(copy), "--epochs", "3", "--data-dir", str(data_dir), "--quiet")
    assert r.returncode == 0, r.stderr
    assert modelfile.load(copy)[1]["epoch"] == 3
    r = cli("train", "--resume", str(copy), "--epochs", "4", "--hidden", "32", "--data-dir", str(data_dir))
    assert r.returncode == 1 and "cannot change hidden" in r.stderr


def test_a_model_file_from_before_any_depth_still_loads_and_evaluates(cli, tiny_data):
    net, params, meta, _ = model.load(OLD)
    assert net is network and model.sizes(params) == (784, 8, 10)
    assert "sizes" not in meta and "activation" not in meta  # as written then
    r = cli("evaluate", str(OLD), "--data-dir", str(tiny_data))
    assert r.returncode == 0 and "test accuracy" in r.stdout, r.stderr


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--hidden", "0"], "must be at least 1"),
        (["--hidden", "16,x"], "is not a whole number"),
        (["--hidden", ",".join(["4"] * 50)], "at most 10 hidden layers"),
        (["--hidden", "100000,100000"], "weights, more than"),
        (["--activation", "swish"], "invalid choice"),
        (["--loss", "hinge"], "invalid choice"),
        (["--init", "zeros"], "invalid choice"),
    ],
)
def test_settings_that_make_no_sense_exit_2(cli, tmp_path, options, message):
    r = cli("train", *options, "--out", str(tmp_path / "m.npz"))
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.startswith("justnumpy: error: ") and r.stderr.count("\n") == 1
    assert not (tmp_path / "m.npz").exists()


def test_a_file_naming_an_unknown_activation_is_refused(tmp_path):
    params = network.init_params(n_hidden=4)
    meta = json.dumps({"format_version": 2, "activation": "swish"})
    np.savez(tmp_path / "m.npz", **params, meta=np.array(meta))
    with pytest.raises(modelfile.ModelFileError, match="unknown activation"):
        modelfile.load(tmp_path / "m.npz")


@pytest.mark.parametrize(
    ("options", "ok"),
    [([], True), (["--hidden", "6,5", "--activation", "sigmoid", "--loss", "squared-error"], True)],
)
def test_gradcheck_at_any_depth(cli, options, ok):
    r = cli("gradcheck", *options, "--batch", "3")
    assert (r.returncode == 0) == ok and "PASS" in r.stdout, r.stdout + r.stderr
    assert r.stdout.count("relative error") == 2 * (len(options[1].split(",")) + 1 if options else 2) + 1
