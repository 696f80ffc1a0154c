"""The command line end to end, on a tiny synthetic dataset: train, evaluate, resume, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from justnumpy.files import modelfile


def test_train_evaluate_round_trip(cli, tiny_data, tmp_path):
    out = tmp_path / "m.npz"
    r = cli(
        "train",
        "--data-dir",
        str(tiny_data),
        "--epochs",
        "3",
        "--batch-size",
        "32",
        "--hidden",
        "32",
        "--out",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    epochs = [line for line in r.stdout.splitlines() if line.startswith("epoch ")]
    assert len(epochs) == 3 and all(
        " val " in line and "test" not in line for line in epochs
    )  # val per epoch
    assert r.stdout.count("test accuracy") == 1  # and test once, at the end
    assert r.stdout.strip().splitlines()[-1].startswith("test accuracy ")
    params, meta, extra = modelfile.load(out)
    assert params["W1"].shape == (784, 32) and meta["epoch"] == 3
    assert len(meta["history"]["test_acc"]) == 3 and meta["config"]["batch_size"] == 32
    assert meta["history"]["test_acc"][-1] > 0.9  # the synthetic digits are easy
    assert "opt_v_W1" in extra and "rng_state" in meta
    r = cli("evaluate", str(out), "--data-dir", str(tiny_data))
    assert r.returncode == 0, r.stderr
    reported = float(r.stdout.split("test accuracy ")[1].split("%")[0]) / 100
    assert abs(reported - meta["history"]["test_acc"][-1]) < 1e-4
    assert len(r.stdout.strip().splitlines()) == 11  # overall + one line per class


def test_resume_matches_uninterrupted_run(cli, tiny_data, tmp_path):
    from justnumpy import data, train

    common = ["--data-dir", str(tiny_data), "--batch-size", "50", "--hidden", "16", "--quiet"]
    full, part = tmp_path / "full.npz", tmp_path / "part.npz"
    assert cli("train", *common, "--epochs", "4", "--out", str(full)).returncode == 0

    def stop_after_two(event: dict) -> None:  # Ctrl-C right after epoch 2 was saved
        if event["kind"] == "epoch" and event["epoch"] == 2:
            raise KeyboardInterrupt

    config = train.Config(epochs=4, batch_size=50, hidden=16)
    with pytest.raises(KeyboardInterrupt):
        train.train(config, data.load("mnist", tiny_data), out=str(part), callbacks=[stop_after_two])
    assert modelfile.load(part)[1]["epoch"] == 2
    r = cli("train", "--resume", str(part), "--data-dir", str(tiny_data), "--quiet")
    assert r.returncode == 0, r.stderr
    a, b = modelfile.load(full)[0], modelfile.load(part)[0]
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_gradcheck_command(cli):
    r = cli("gradcheck", "--hidden", "8", "--batch", "4")
    assert r.returncode == 0 and "PASS" in r.stdout


def test_usage_errors_are_one_line_exit_2(cli):
    for args in (
        ["train", "--lr", "-1"],
        ["train", "--epochs", "0"],
        ["train", "--dataset", "cifar"],
        ["train", "--batch-size", "x"],
        ["nonsense"],
        [],
    ):
        r = cli(*args)
        assert r.returncode == 2, (args, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("justnumpy: error: "), (args, r.stderr)


def test_runtime_errors_are_one_line_exit_1(cli, tmp_path):
    (tmp_path / "junk.npz").write_text("hello")
    cases = [
        ["evaluate", str(tmp_path / "missing.npz")],
        ["evaluate", str(tmp_path / "junk.npz")],
        ["train", "--data-dir", str(tmp_path), "--epochs", "1"],
    ]
    for args in cases:
        r = cli(*args)
        assert r.returncode == 1, (args, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("justnumpy: error: "), (args, r.stderr)
        assert "Traceback" not in r.stderr


def test_batch_larger_than_data(cli, tiny_data, tmp_path):
    r = cli("train", "--data-dir", str(tiny_data), "--batch-size", "5000", "--out", str(tmp_path / "m.npz"))
    assert r.returncode == 1 and "batch size 5000 is larger than" in r.stderr


def test_meta_is_plain_json(tiny_data, tmp_path, cli):
    out = tmp_path / "m.npz"
    r = cli("train", "--data-dir", str(tiny_data), "--epochs", "1", "--hidden", "8", "--out", str(out))
    assert " after 1 epoch; saved " in r.stdout  # one epoch, not "1 epochs"
    with np.load(out, allow_pickle=False) as npz:
        meta = json.loads(str(npz["meta"]))
    assert meta["format_version"] == 2 and meta["dataset"] == "mnist" and meta["sizes"] == [784, 8, 10]
