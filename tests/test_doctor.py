"""The training doctor: every hint is provoked by a real run, and the default recipe raises none.

Each provoking run trains on the first 14,000 MNIST training images (enough for the doctor's
first EARLY steps) with the default recipe and one setting broken on purpose, as a learner
would break it; the overfitting run trains many epochs on 2,000 images.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest
from PIL import Image

from justnumpy import data, network, train
from justnumpy.files import modelfile
from justnumpy.see import plots
from justnumpy.see.mosaic import mosaic, tile_corner, weight_tiles
from justnumpy.training import checkpoint, doctor
from justnumpy.training.doctor import Doctor
from tests.helpers import make_dataset

pytestmark = pytest.mark.slow  # real MNIST


@pytest.fixture(scope="module")
def run(mnist_raw):
    """run(n_train, **settings) → (every hint in the order said, the final state); each run made once."""

    @functools.cache
    def run_once(n_train: int = 14_000, scale: float | None = None, **settings):
        X_train, y_train, X_test, y_test = mnist_raw
        X = X_train[:n_train]
        if scale is not None:  # what a caller who scales the pixels themselves hands over
            X = X.astype(np.float32) * scale
        said = []
        state = None
        try:
            state = train.train(
                train.Config(**settings),
                (X, y_train[:n_train], X_test[:2000], y_test[:2000]),
                callbacks=[lambda event: said.extend(event.get("hints", []))],
            )
        except train.TrainingDiverged:
            pass  # the guard may stop a run the doctor has already diagnosed
        return said, state

    return run_once


def only(hints: list[str], words: str) -> str:
    """The one hint that holds `words`."""
    found = [h for h in hints if words in h]
    assert len(found) == 1, hints
    return found[0]


def test_the_default_recipe_raises_no_hint(default_model):
    history = modelfile.load(str(default_model))[1]["history"]
    assert len(history["hints"]) == 5 and history["hints"] == [[]] * 5
    assert max(history["dead_units"]) <= doctor.DEAD_SHARE * 256 / 2  # far below the hint's threshold


def test_pixels_0_to_255_are_named_before_the_first_batch(run):
    hints, state = run(scale=1.0, epochs=1)  # float pixels never divided by 255
    assert state is None  # the divergence guard stopped the run; the doctor had spoken first
    assert hints[0].startswith("the inputs go up to 255, not 1: the pixels (0 to 255) were not divided")
    assert "far above ln 10" in hints[1] and "(see the hint on the inputs)" in hints[1]


def test_pixels_divided_by_255_twice(run):
    hints, state = run(scale=1 / 255 / 255, epochs=1)
    assert hints[0].startswith("the inputs are at most 0.00392 where full ink should be 1")
    assert "divided by 255 twice" in hints[0]
    assert state.history["val_acc"][0] < 2 * doctor.CHANCE  # it really learned nothing ...
    assert "(see the hint on the inputs)" in only(hints, "validation accuracy is")  # ... and why


def test_weights_too_large_give_a_first_loss_far_above_ln_10(run):
    hints, _ = run(init_scale=1.0, epochs=1)
    hint = only(hints, "the first batch's loss is")
    first_loss = float(hint.split()[5].rstrip(","))
    assert first_loss > 10 * np.log(10)  # an init scale of 1 makes the first scores Z2 enormous
    assert "initial weights are too large" in hint and "init scale" in hint


def test_a_learning_rate_far_too_high_makes_the_loss_rise(run):
    hints, state = run(lr=2.0, optimizer="sgd", epochs=1)  # ten times the default's rate
    hint = only(hints, "the loss rose instead of falling")
    assert "learning rate is too high" in hint
    assert state is not None  # a symptom, not a divergence: the run went on, the guard stayed quiet


def test_a_learning_rate_far_too_low_makes_the_loss_crawl(run):
    hints, state = run(lr=0.001, optimizer="sgd", epochs=1)  # 200 times below the default's rate
    assert "raise the learning rate" in only(hints, "the loss fell only from")
    assert not any(h.startswith("the loss rose") for h in hints)
    # After one epoch it still guesses, and the doctor says why.
    assert state.history["val_acc"][0] < 2 * doctor.CHANCE
    assert "raise the learning rate" in only(hints, "validation accuracy is")


def test_tiny_initial_weights_make_plain_sgd_crawl(run):
    hints, _ = run(init_scale=1e-4, optimizer="sgd", epochs=1)
    assert "He initialisation" in only(hints, "the loss fell only from")


def test_a_high_learning_rate_kills_hidden_units(run, mnist_raw):
    hints, state = run(lr=1.0, epochs=2)  # momentum 0.9: steps far too large, yet no divergence
    hint = only(hints, "of 256 hidden units")
    dead = int(hint.split()[0])
    assert dead > doctor.DEAD_SHARE * 256 and dead in state.history["dead_units"]
    assert "lower the learning rate" in hint
    # Counted independently: a unit dead for every training image of the last epoch still outputs
    # 0 for all of these training images with the final weights.
    X = data.to_inputs(mnist_raw[0][:14_000])
    assert len(train.dead_units(network, state.params, X)[0]) >= state.history["dead_units"][-1]


def test_many_epochs_on_few_images_overfit(run):
    hints, state = run(n_train=2000, validation_fraction=0.2, epochs=15)
    hint = only(hints, "the network is memorising its training images")
    assert "dropout, augmentation or fewer epochs" in hint
    said = next(e for e, h in enumerate(state.history["hints"]) if hint in h)
    train_acc, val_acc = state.history["train_acc"], state.history["val_acc"]
    assert train_acc[said] - val_acc[said] > 0.05  # it fits its 1,600 images far better than new ones
    assert val_acc[-1] - val_acc[said] < 0.01  # and the epochs after the hint bought nothing: "fewer epochs"


# ---------------------------------------------------------------- the rules, on numbers made up


def said_by(losses: list[float]) -> list[str]:
    """Every hint a fresh doctor gives for these batch losses, one per optimizer step."""
    d = Doctor()
    return [h for step, loss in enumerate(losses, 1) for h in d.after_batch(step, loss)]


def test_one_unlucky_batch_is_not_a_rising_loss():
    assert said_by([2.4, 1.9, 1.5, 9.0, 1.2, 1.1, 8.0, 1.0, 0.9] + [0.5] * 91) == []  # two lone spikes
    rising = said_by([2.4, 3.0, 9.0, 8.0, 7.0])
    assert len(rising) == 1 and rising[0].startswith("the loss rose instead of falling: 2.4 at the first")


def test_a_bouncing_plateau_is_not_a_slow_start():
    rng = np.random.default_rng(0)
    slow = np.linspace(2.4, 1.5, 100) * (1 + 0.01 * rng.standard_normal(100))  # smooth and slow
    bouncing = np.r_[np.linspace(2.4, 1.0, 10), 1.0 * np.exp(0.3 * rng.standard_normal(90))]  # high, noisy
    assert len(said_by(list(slow))) == 1 and "raise the learning rate" in said_by(list(slow))[0]
    assert said_by(list(bouncing)) == []  # a step too large: raising the rate would be wrong advice


def test_a_resumed_run_is_not_judged_on_its_first_batches():
    d = Doctor()  # a resumed run starts at step 447: the doctor never saw the run begin
    assert [h for step in range(447, 600) for h in d.after_batch(step, 2.3)] == []


def test_each_symptom_is_said_once():
    d = Doctor()
    record = {"epoch": 2, "loss": 0.3, "train_acc": 0.9, "val_acc": None, "dead_units": 100}
    assert len(d.after_epoch(record, {}, 256)) == 1
    assert d.after_epoch({**record, "epoch": 3}, {}, 256) == []


# ---------------------------------------------------------------- the command line


def test_hints_are_printed_kept_in_the_model_file_and_silenced_by_quiet(cli, tmp_path):
    tiny = make_dataset(tmp_path / "tiny")
    args = ["train", "--data-dir", str(tiny), "--epochs", "1", "--init-scale", "1", "--hidden", "32"]
    loud = cli(*args, "--out", str(tmp_path / "loud.npz"))
    assert loud.returncode == 0, loud.stderr
    lines = [line for line in loud.stdout.splitlines() if line.startswith("hint: ")]
    assert len(lines) == 1 and lines[0].startswith("hint: the first batch's loss is")
    assert lines[0].endswith("(options: --init-scale)")  # the command line names the option
    quiet = cli(*args, "--out", str(tmp_path / "quiet.npz"), "--quiet")
    assert quiet.returncode == 0 and "hint:" not in quiet.stdout
    for name in ("loud.npz", "quiet.npz"):
        with np.load(tmp_path / name, allow_pickle=False) as npz:
            hints = json.loads(str(npz["meta"]))["history"]["hints"]
        assert hints == [[lines[0].removeprefix("hint: ").removesuffix(" (options: --init-scale)")]]


# ---------------------------------------------------------------- dead units: counted, plotted, explained


def test_dead_units_match_a_unit_by_unit_count():
    rng = np.random.default_rng(0)
    params = network.init_params(n_hidden=20, seed=3)
    params["b1"][[2, 7]] = -1e3  # no image in [0, 1] can lift these two above 0
    params["b1"][11] = -1.0  # this one fires for a few images only
    X = rng.random((300, 784), dtype=np.float32) * (rng.random((300, 784)) < 0.1)
    W1, b1 = params["W1"].astype(np.float64), params["b1"].astype(np.float64)
    by_hand = [j for j in range(20) if all(X[i] @ W1[:, j] + b1[j] <= 0 for i in range(300))]
    assert by_hand[:2] == [2, 7]
    assert train.dead_units(network, params, X, chunk=7)[0].tolist() == by_hand


def test_explain_names_the_dead_units(cli, tmp_path):
    tiny = make_dataset(tmp_path / "tiny")
    config = train.Config(epochs=1, hidden=16, batch_size=50)
    state = train.train(config, data.load("mnist", tiny), callbacks=[])
    state.params["b1"][[3, 5]] = -1e3  # silence two units for good
    checkpoint.save(str(tmp_path / "m.npz"), config, state)
    dead = train.dead_units(network, state.params, data.to_inputs(data.load("mnist", tiny)[2]))[0]
    assert {3, 5} <= set(dead.tolist())
    r = cli("explain", str(tmp_path / "m.npz"), "--data-dir", str(tiny))
    assert r.returncode == 0, r.stderr
    assert f"dead units: {len(dead)} of 16 output 0 for all 200 test images" in r.stdout
    assert ", ".join(map(str, dead)) in r.stdout


def black_pixels(path) -> int:
    """How many pixels of a PNG are (nearly) black."""
    with Image.open(path) as image:
        return int(np.count_nonzero((np.asarray(image.convert("RGB")) < 40).all(axis=2)))


def test_plots_show_the_dead_units(tmp_path):
    rng = np.random.default_rng(0)
    W1 = rng.standard_normal((784, 16)).astype(np.float32)
    tiles = weight_tiles(W1)
    grid = mosaic(tiles)
    for k in range(16):  # the frames go exactly around the tiles they mark
        top, left = tile_corner(k, 16)
        np.testing.assert_array_equal(grid[top : top + 28, left : left + 28], tiles[k])
    plain = plots.draw_hidden_units(W1, tmp_path / "plain.png", dead=np.array([], dtype=int))
    framed = plots.draw_hidden_units(W1, tmp_path / "framed.png", dead=np.array([0, 5, 9]), n_images=100)
    assert black_pixels(framed) > black_pixels(plain) + 3 * 4 * 20  # three black frames of four sides
    history = {"epoch": [1, 2], "loss": [0.5, 0.3], "train_acc": [0.8, 0.9], "val_acc": [None, None]}
    history["test_acc"] = [0.8, 0.9]
    without = Image.open(plots.draw_curves(history, tmp_path / "c2.png")).size
    dead = {**history, "dead_units": [0, 3]}  # a file from before the counts per layer
    with_dead = Image.open(plots.draw_curves(dead, tmp_path / "c3.png", (16,))).size
    assert with_dead[0] == round(without[0] * 3 / 2) and with_dead[1] == without[1]  # a third panel
