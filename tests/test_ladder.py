"""Recipes, `justnumpy train --recipe`, `justnumpy ladder`, and what the ladder promises on MNIST."""

from __future__ import annotations

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
    assert recipes.LADDER[0] == "seed" and recipes.LADDER[-4:] == ["best-plain", "best", "deep", "elastic"]
    for name in recipes.LADDER:
        recipes.config(name).validate()
    assert recipes.config("cosine") == train.Config()  # the default recipe is a rung
    seed = recipes.config("seed")
    assert (seed.init_scale, seed.optimizer, seed.schedule) == (0.01, "sgd", "constant")
    # Full batch: every training image MNIST's 60,000 leave after the hold-out, in one step.
    assert seed.batch_size == 60_000 - round(seed.validation_fraction * 60_000)
    assert recipes.config("best-plain").augment == "none" and recipes.config("best").augment != "none"
    assert recipes.config("best", seed=3, epochs=1).seed == 3
    with pytest.raises(Exception, match="unknown recipe"):
        recipes.config("fastest")


def test_each_rung_changes_exactly_one_setting_and_all_keep_the_same_hold_out():
    for i, name in enumerate(recipes.LADDER):
        parent = recipes.RECIPES[name].parent
        if i == 0:
            assert parent is None
            continue
        assert parent in recipes.LADDER[:i]  # built on a rung below it
        above, below = recipes.RECIPES[name].settings, recipes.RECIPES[parent].settings
        changed = {k for k in above if above[k] != below[k]}
        # One setting; elastic's distortions come with the passes it takes to fit them.
        assert len(changed) == 1 or (name, changed) == ("elastic", {"augment", "epochs"}), (name, changed)
    first = recipes.config("seed")
    for name in recipes.LADDER:
        config = recipes.config(name)
        assert config.validation_fraction == train.Config().validation_fraction > 0
        assert config.lr == first.lr  # one learning rate
        # One network up to `best`; the rungs above it grow it.
        assert config.hidden == ((800, 800) if name in ("deep", "elastic") else (256,)), name


def check_layout(results: list[dict], names: list[str], seeds: int, quick_epochs: bool = True) -> None:
    """ladder.json's promises: one entry per rung, one value per seed, summaries that match them."""
    assert [r["name"] for r in results] == names
    for r in results:
        assert r["seeds"] == list(range(seeds))
        assert r["change"] == recipes.RECIPES[r["name"]].change
        assert len(r["val_acc"]) == len(r["test_acc"]) == len(r["val_curves"]) == seeds
        assert all(len(curve) == r["epochs"] for curve in r["val_curves"])
        assert [curve[-1] for curve in r["val_curves"]] == r["val_acc"]
        if quick_epochs:
            assert r["epochs"] == ladder.quick_epochs(recipes.config(r["name"]))
        for which in ("val", "test"):
            values = np.array(r[f"{which}_acc"])
            assert ((0 <= values) & (values <= 1)).all()
            assert r[f"{which}_mean"] == pytest.approx(values.mean())
            if seeds > 1:
                assert r[f"{which}_std"] == pytest.approx(values.std(ddof=1))  # sample std
            else:
                assert r[f"{which}_std"] is None
        assert len(r["run_seconds"]) == seeds and r["seconds"] == np.median(r["run_seconds"]) > 0
        assert r["settings"]["hidden"] == list(recipes.config(r["name"]).hidden)  # as JSON holds it
        assert "seed" not in r["settings"]


def test_each_rung_trains_quickly_with_two_seeds(tiny_data, tmp_path):
    raw = data.load("mnist", tiny_data)
    results = ladder.run(raw, seeds=2, quick=True, log=lambda line: None, models=tmp_path)
    check_layout(results, recipes.LADDER, seeds=2)
    assert max(r["test_mean"] for r in results) > 0.9  # the synthetic digits are easy
    assert len(list(tmp_path.glob("*.npz"))) == 2 * len(recipes.LADDER)
    # Different seeds are different runs: other weights, another hold-out, another order.
    seed0, seed1 = (modelfile.load(tmp_path / f"best-seed{s}.npz") for s in (0, 1))
    assert not np.array_equal(seed0[0]["W1"], seed1[0]["W1"])
    assert (seed0[1]["config"]["seed"], seed1[1]["config"]["seed"]) == (0, 1)


def test_table_shows_mean_and_spread_of_every_rung():
    rows = [
        {
            "name": "seed",
            "change": "a",
            "epochs": 100,
            "val_mean": 0.875,
            "val_std": 0.001,
            "test_mean": 0.8801,
            "test_std": 0.0023,
            "seconds": 99.6,
            "seeds": [0, 1, 2],
        },
        {
            "name": "best",
            "change": "b",
            "epochs": 40,
            "val_mean": 0.99,
            "val_std": None,
            "test_mean": 0.9912,
            "test_std": None,
            "seconds": 3.2,
            "seeds": [0],
        },
    ]
    lines = ladder.table(rows).splitlines()
    assert lines[0].startswith("| rung | what changed | epochs | validation")
    assert lines[2] == "| seed | a | 100 | 87.50 ± 0.10 | 88.01 ± 0.23 | 99.6 |"
    assert lines[3] == "| best | b | 40 | 99.00 | 99.12 | 3.2 |"


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
    assert train.Config(**saved) == recipes.config("best-plain", epochs=1, hidden=16, dropout=0.1)
    r = cli("train", "--recipe", "best", "--resume", str(out), "--data-dir", str(tiny_data))
    assert r.returncode == 2 and r.stderr.startswith("justnumpy: error:") and len(r.stderr.splitlines()) == 1
    r = cli("train", "--recipe", "tallest", "--data-dir", str(tiny_data))
    assert r.returncode == 2 and "invalid choice" in r.stderr
    r = cli("train", "--weight-decay", "-1", "--data-dir", str(tiny_data))
    assert r.returncode == 2 and "≥ 0" in r.stderr


def test_ladder_command_writes_json_table_and_figure(cli, tiny_data, tmp_path):
    out = tmp_path / "ladder"
    rungs = ["seed", "momentum", "best"]
    r = cli(
        "ladder",
        "--quick",
        "--seeds",
        "2",
        "--rungs",
        ",".join(rungs),
        "--data-dir",
        str(tiny_data),
        "--out",
        str(out),
        "--quiet",
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("| rung | what changed | epochs | validation % (mean ± std, 2 seeds)")
    results = ladder.load(out / "ladder.json")
    check_layout(results, rungs, seeds=2)
    assert (out / "ladder.md").read_text() == ladder.table(results)
    with Image.open(out / "ladder.png") as png:
        assert png.format == "PNG" and png.size[0] > 800
    r = cli("ladder", "--rungs", "seed,tallest", "--data-dir", str(tiny_data))
    assert r.returncode == 2 and "tallest" in r.stderr
    r = cli("ladder", "--seeds", "0", "--data-dir", str(tiny_data))
    assert r.returncode == 2 and r.stderr.startswith("justnumpy: error:") and "at least 1" in r.stderr


@pytest.mark.slow
def test_quick_ladder_on_mnist_has_three_seeds_and_climbs(cli, mnist_raw, tmp_path):
    r = cli("ladder", "--quick", "--out", str(tmp_path), "--quiet")  # every rung, on the real MNIST
    assert r.returncode == 0, r.stderr
    results = {r["name"]: r for r in ladder.load(tmp_path / "ladder.json")}
    check_layout(list(results.values()), recipes.LADDER, seeds=3)
    assert [r["epochs"] for r in results.values()] == [
        40,
        4,
        2,
        2,
        2,
        2,
        4,
        4,
        4,
        4,
        4,
        4,
    ]  # the real ladder's shape
    start = results["seed"]["val_acc"]  # far from chance after dozens of full-batch steps, far from the top
    assert 0.5 <= min(start) and max(start) <= 0.92
    # Seed s holds out the same images in every rung, so each seed's rungs are compared on one set.
    for name in ("minibatch", "best-plain", "best"):
        for s, (rung, first) in enumerate(zip(results[name]["val_acc"], start, strict=True)):
            assert rung >= first + 0.05, (name, s)


@pytest.mark.slow
def test_saved_recipe_model_scores_the_same_independently(cli, mnist_raw, tmp_path):
    out = tmp_path / "best.npz"
    r = cli("train", "--recipe", "best", "--epochs", "1", "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    reported = modelfile.load(out)[1]["history"]["test_acc"][-1]
    assert reported > 0.95
    _, _, X_test, y_test = mnist_raw
    assert independent_accuracy(out, X_test, y_test) == pytest.approx(reported, abs=2e-4)
