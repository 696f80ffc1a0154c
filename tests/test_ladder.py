"""Recipes, `justnumpy train --recipe`, `justnumpy ladder`, and what the ladder promises on MNIST."""

from __future__ import annotations

import csv
import dataclasses

import numpy as np
import pytest
from PIL import Image

from justnumpy import data, train
from justnumpy.files import modelfile
from justnumpy.measure import ladder
from justnumpy.training import checkpoint, recipes
from tests.test_accuracy import independent_accuracy


def test_every_recipe_is_a_valid_complete_config():
    assert recipes.LADDER[0] == "seed" and recipes.LADDER[-2:] == ["best-plain", "best"]
    for name in recipes.LADDER:
        recipes.config(name).validate()
    assert recipes.config("cosine") == train.Config()  # the default recipe is a rung
    seed = recipes.config("seed")
    assert (seed.batch_size, seed.init_scale, seed.optimizer, seed.schedule) == (
        60_000,
        0.01,
        "sgd",
        "constant",
    )
    assert 100 <= seed.epochs <= 500  # a few hundred full-batch steps
    assert recipes.config("best-plain").augment == "none" and recipes.config("best").augment != "none"
    assert recipes.config("best", seed=3, epochs=1).seed == 3
    with pytest.raises(Exception, match="unknown recipe"):
        recipes.config("fastest")


def test_each_rung_trains_a_tiny_epoch(tiny_data):
    raw = data.load("mnist", tiny_data)
    results = ladder.run(raw, quick=True, log=lambda line: None)
    assert [r.rung for r in results] == recipes.LADDER
    for r in results:
        assert len(r.curve) == (150 if r.rung == "seed" else 2) and 0 <= r.test_acc <= 1
        assert r.config.hidden == 256
    assert max(r.test_acc for r in results) > 0.9  # the synthetic digits are easy


def test_training_with_dropout_and_augmentation_is_deterministic_and_resumable(tiny_data, tmp_path):
    raw = data.load("mnist", tiny_data)
    config = recipes.config("best", epochs=3, dropout=0.2, weight_decay=1e-3, batch_size=64, hidden=16)
    full = train.train(config, raw, out=str(tmp_path / "full.npz"), callbacks=[])
    again = train.train(dataclasses.replace(config), raw, callbacks=[])
    part = tmp_path / "part.npz"

    def stop_after_two(event: dict) -> None:  # Ctrl-C right after epoch 2 was saved
        if event["kind"] == "epoch" and event["epoch"] == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train.train(dataclasses.replace(config), raw, out=str(part), callbacks=[stop_after_two])
    resumed_config, state = checkpoint.load(str(part))
    assert state.epoch == 2
    resumed = train.train(resumed_config, raw, state=state, callbacks=[])
    for k in full.params:
        np.testing.assert_array_equal(full.params[k], again.params[k])  # same seed → same bits
        np.testing.assert_array_equal(full.params[k], resumed.params[k])  # resume continues exactly
    assert modelfile.load(tmp_path / "full.npz")[1]["config"]["augment"] == config.augment


def test_early_stopping_rule():
    assert not train.stalled([0.9, 0.91, 0.92], 1)
    assert train.stalled([0.9, 0.95, 0.94], 1)
    assert not train.stalled([0.9, 0.95, 0.94], 2)
    assert train.stalled([0.9, 0.95, 0.94, 0.95], 2)  # equal is not better
    with pytest.raises(Exception, match="needs a validation split"):
        train.Config(n_iter_no_change=3, validation_fraction=0.0).validate()


def test_early_stopping_stops_training(tiny_data, monkeypatch):
    scores = iter([0.5, 0.6, 0.55, 0.58, 0.59, 0.7])
    monkeypatch.setattr(train, "accuracy", lambda net, params, X, y: next(scores) if len(X) < 200 else 0.0)
    state = train.train(
        train.Config(epochs=6, n_iter_no_change=3, hidden=8, batch_size=64),
        data.load("mnist", tiny_data),
        callbacks=[],
    )
    assert state.epoch == 5  # the best validation score (epoch 2) is 3 epochs old after epoch 5


def test_train_recipe_flags_override_single_values(cli, tiny_data, tmp_path):
    out = tmp_path / "m.npz"
    r = cli(
        "train",
        "--recipe",
        "best-plain",
        "--epochs",
        "1",
        "--hidden",
        "16",
        "--dropout",
        "0.1",
        "--data-dir",
        str(tiny_data),
        "--out",
        str(out),
        "--quiet",
    )
    assert r.returncode == 0, r.stderr
    saved = modelfile.load(out)[1]["config"]
    assert saved == {
        **dataclasses.asdict(recipes.config("best-plain")),
        "epochs": 1,
        "hidden": 16,
        "dropout": 0.1,
    }
    r = cli("train", "--recipe", "best", "--resume", str(out), "--data-dir", str(tiny_data))
    assert r.returncode == 2 and r.stderr.startswith("justnumpy: error:") and len(r.stderr.splitlines()) == 1
    r = cli("train", "--recipe", "tallest", "--data-dir", str(tiny_data))
    assert r.returncode == 2 and "invalid choice" in r.stderr
    r = cli("train", "--weight-decay", "-1", "--data-dir", str(tiny_data))
    assert r.returncode == 2 and "≥ 0" in r.stderr


def test_ladder_command_writes_table_csv_and_plot(cli, tiny_data, tmp_path):
    out = tmp_path / "ladder"
    r = cli(
        "ladder",
        "--quick",
        "--rungs",
        "seed,momentum,best",
        "--data-dir",
        str(tiny_data),
        "--out",
        str(out),
        "--quiet",
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("| rung | what changed | epochs | test accuracy | seconds | seed |")
    with (out / "ladder.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [row["rung"] for row in rows] == ["seed", "momentum", "best"]
    assert all(0 <= float(row["test accuracy"]) <= 1 for row in rows)
    assert (out / "ladder.md").read_text().count("\n") == 5
    with Image.open(out / "ladder.png") as png:
        assert png.format == "PNG" and png.size[0] > 800
    r = cli("ladder", "--rungs", "seed,tallest", "--data-dir", str(tiny_data))
    assert r.returncode == 2 and "tallest" in r.stderr


@pytest.mark.slow
def test_quick_ladder_on_mnist_climbs_from_the_seed_band(cli, mnist_raw, tmp_path):
    r = cli("ladder", "--quick", "--out", str(tmp_path), "--quiet")  # every rung, on the real MNIST
    assert r.returncode == 0, r.stderr
    with (tmp_path / "ladder.csv").open() as f:
        acc = {row["rung"]: float(row["test accuracy"]) for row in csv.DictReader(f)}
    assert list(acc) == recipes.LADDER
    assert 0.80 <= acc["seed"] <= 0.92, acc["seed"]
    assert acc["best-plain"] >= acc["seed"] + 0.05 and acc["best"] >= acc["seed"] + 0.05


@pytest.mark.slow
def test_saved_recipe_model_scores_the_same_independently(cli, mnist_raw, tmp_path):
    out = tmp_path / "best.npz"
    r = cli("train", "--recipe", "best", "--epochs", "1", "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    reported = modelfile.load(out)[1]["history"]["test_acc"][-1]
    assert reported > 0.95
    _, _, X_test, y_test = mnist_raw
    assert independent_accuracy(out, X_test, y_test) == pytest.approx(reported, abs=2e-4)
