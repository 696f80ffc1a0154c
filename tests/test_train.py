"""The training loop against a textbook loop written only with the public API, and its events."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from justnumpy import augment, data, network, train
from justnumpy.training import batches as batches_module
from justnumpy.training.batches import Split, batches, split
from justnumpy.training.callbacks import Printer
from justnumpy.training.threads import CONTROLLER


def random_split(n: int, seed: int = 0) -> Split:
    rng = np.random.default_rng(seed)
    X, y = rng.integers(0, 256, (n, 784), dtype=np.uint8), rng.integers(0, 10, n).astype(np.intp)
    no_rows = np.zeros((0, 784), np.float32)
    return Split(X, y, no_rows, y[:0], no_rows, y[:0])


def test_run_epoch_is_the_textbook_loop():
    """run_epoch = shuffle, then per batch: forward, backward, v ← μ·v + g, θ ← θ − lr·v; bit for bit."""
    split_ = random_split(300, seed=1)
    config = train.Config(batch_size=64, hidden=8, epochs=1)  # 300 = 4·64 + 44: a short last batch
    state = train.new_state(config)
    steps = math.ceil(300 / 64)
    record = train.run_epoch(config, state, split_, total_steps=steps)

    params = network.init_params(784, 8, 10, seed=0)
    velocity = {k: np.zeros_like(p) for k, p in params.items()}
    order = np.random.default_rng([0, 2]).permutation(300)  # train's generator for seed 0
    X, y = data.to_inputs(split_.X_train[order]), split_.y_train[order]
    losses = []
    for b in range(steps):
        Xb, yb = X[b * 64 : (b + 1) * 64], y[b * 64 : (b + 1) * 64]
        cache = network.forward(params, Xb)
        losses.append(network.loss(cache["A2"], yb) * len(yb))
        grads = network.backward(params, cache, Xb, yb)
        lr = 0.2 * 0.5 * (1 + math.cos(math.pi * b / steps))  # the cosine schedule, written out
        for k in params:
            velocity[k] = 0.9 * velocity[k] + grads["d" + k]
            params[k] -= lr * velocity[k]
    for k in params:
        np.testing.assert_array_equal(state.params[k], params[k], err_msg=k)
    assert record["epoch"] == 1 and state.step == steps
    assert record["loss"] == pytest.approx(sum(losses) / 300, rel=1e-6)


def test_batches_visit_every_row_once_in_the_generators_order():
    X = np.arange(10 * 784, dtype=np.uint8).reshape(10, 784)  # distinct rows (mod 256 per pixel)
    y = np.arange(10)
    seen = [yb for _, yb in batches(X, y, 4, np.random.default_rng(5))]
    assert [len(b) for b in seen] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate(seen), np.random.default_rng(5).permutation(10))


@pytest.mark.parametrize("kind", ["affine", "affine+elastic"])
@pytest.mark.parametrize(("batch_size", "prefetch"), [(32, 1), (96, 1), (128, 256), (7, 500), (64, 10_000)])
def test_distorted_batches_are_the_shuffled_rows_augmented_whatever_the_chunks(
    kind, batch_size, prefetch, monkeypatch
):
    # Oracle: shuffle with the generator, then augment.augment the whole epoch with what is left of it.
    monkeypatch.setattr(batches_module, "PREFETCH", prefetch)
    X, y = random_split(1000, seed=2)[:2]
    rng = np.random.default_rng(7)
    got = list(batches(X, y, batch_size, rng, kind))
    expected_rng = np.random.default_rng(7)
    order = expected_rng.permutation(1000)
    expected = augment.augment(X[order], expected_rng, kind)
    assert {len(yb) for _, yb in got[:-1]} == {batch_size}
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in got]), y[order])  # labels stay with images
    np.testing.assert_array_equal(np.concatenate([Xb for Xb, _ in got]), expected)
    assert rng.bit_generator.state == expected_rng.bit_generator.state  # the same draws, nothing more


def test_float_images_are_distorted_as_their_pixels_are():
    X, y = random_split(1500, seed=3)[:2]
    from_pixels = [Xb for Xb, _ in batches(X, y, 100, np.random.default_rng(4), "affine+elastic")]
    from_floats = [
        Xb for Xb, _ in batches(data.to_inputs(X), y, 100, np.random.default_rng(4), "affine+elastic")
    ]
    np.testing.assert_array_equal(np.concatenate(from_floats), np.concatenate(from_pixels))


def test_stopping_mid_epoch_ends_the_distorting_thread_and_restores_the_blas():
    def distorting() -> list[threading.Thread]:  # other tests' pools may come and go meanwhile
        return [t for t in threading.enumerate() if t.name.startswith("justnumpy-distort")]

    X, y = random_split(3000)[:2]
    blas_before = [pool["num_threads"] for pool in threadpool_info()]
    epoch = batches(X, y, 128, np.random.default_rng(0), "affine")
    next(epoch)
    assert len(distorting()) == 1  # the next chunk is being distorted
    assert {pool["num_threads"] for pool in CONTROLLER.select(user_api="blas").info()} == {1}  # NumPy's
    epoch.close()  # what happens when the loop is left early (StopTraining, Ctrl-C)
    assert distorting() == []
    assert [pool["num_threads"] for pool in threadpool_info()] == blas_before


def test_two_epochs_at_once_each_get_their_own_images():
    # Two runs in two threads (the web page's and another) interleave like these two generators.
    X, y = random_split(3000)[:2]
    a = batches(X, y, 128, np.random.default_rng(6), "affine")
    b = batches(X, y, 128, np.random.default_rng(7), "affine")
    got = [(Xa, Xb) for (Xa, _), (Xb, _) in zip(a, b, strict=True)]
    for seed, images in ((6, [Xa for Xa, _ in got]), (7, [Xb for _, Xb in got])):
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(X))
        np.testing.assert_array_equal(np.concatenate(images), augment.augment(X[order], rng, "affine"))


def test_split_holds_out_the_same_rows_for_the_same_seed_and_scales_them():
    rng = np.random.default_rng(0)
    raw = (
        rng.integers(0, 256, (100, 28, 28), dtype=np.uint8),
        rng.integers(0, 10, 100),
        rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        rng.integers(0, 10, 20),
    )
    a, b = split(raw, 0.2, seed=3), split(raw, 0.2, seed=3)
    assert len(a.y_train) == 80 and len(a.y_val) == 20 and len(a.y_test) == 20
    np.testing.assert_array_equal(a.y_val, b.y_val)
    assert a.X_train.dtype == np.uint8 and a.X_val.dtype == np.float32 and a.X_val.max() <= 1.0
    assert not np.array_equal(split(raw, 0.2, seed=4).y_val, a.y_val)


def test_events_reach_every_callback_in_order(tiny_data):
    events = []
    state = train.train(
        train.Config(epochs=2, hidden=8, batch_size=100),
        data.load("mnist", tiny_data),
        callbacks=[events.append],
    )
    kinds = [e["kind"] for e in events]
    batches_per_epoch = math.ceil(570 / 100)  # 600 images, 5% held out
    assert kinds == ["start"] + (["batch"] * batches_per_epoch + ["epoch"]) * 2 + ["end"]
    epochs = [e for e in events if e["kind"] == "epoch"]
    assert [e["test_acc"] for e in epochs] == state.history["test_acc"]
    assert all(0 <= e["dead_units"] <= 8 for e in epochs)
    assert events[-1]["reason"] == "done"


def test_a_callback_can_stop_training(tiny_data, tmp_path):
    def stop_at_third_batch(event):
        if event["kind"] == "batch" and event["batch"] == 3:
            raise train.StopTraining

    events = []
    state = train.train(
        train.Config(epochs=3, hidden=8, batch_size=50),
        data.load("mnist", tiny_data),
        out=str(tmp_path / "m.npz"),
        callbacks=[stop_at_third_batch, events.append],
    )
    assert state.epoch == 0 and state.step == 3
    assert events[-1] == {"kind": "end", "epoch": 0, "epochs": 3, "reason": "stopped", "note": ""}
    assert not (tmp_path / "m.npz").exists()  # no epoch was completed, so nothing was saved


def test_printer_prints_epoch_lines_and_hints():
    lines = []
    printer = Printer(lines.append)
    printer({"kind": "batch", "hints": ["the loss rose"]})
    printer(
        {
            "kind": "epoch",
            "epoch": 1,
            "epochs": 2,
            "loss": 0.5,
            "train_acc": 0.9,
            "val_acc": 0.88,
            "test_acc": 0.91,
            "seconds": 1.0,
            "hints": [],
        }
    )
    assert lines[0] == "hint: the loss rose"
    assert lines[1].startswith("epoch   1/2  loss 0.5000  train 90.00%  val 88.00%  (1.0 s)")
    assert "91.00" not in lines[1]  # the test accuracy is the outcome, printed once at the end
