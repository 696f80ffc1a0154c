"""The benchmark's code path on tiny epochs (so it cannot rot), and the speed changes' promises.

No timing assertions: the machine is shared, so only shapes, keys and exact results are checked.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from justnumpy import commands, data, train
from justnumpy.measure import bench, sweep
from justnumpy.training import recipes, threads


def test_epoch_flops_counts_the_five_products():
    n, H = 60000, 256
    shapes = [(n, 784, H), (n, H, 10), (H, n, 10), (n, 10, H), (784, n, H)]  # (rows, inner, cols)
    assert bench.epoch_flops(n, H) == sum(2 * a * k * b for a, k, b in shapes)
    assert round(bench.epoch_flops(n, H) / 1e9, 1) == 49.1  # the figure docs/speed.md and bench.py state


def test_step_bytes_counts_one_read_of_each_gradient_and_a_read_and_write_of_each_weight_and_velocity():
    n_params = 784 * 256 + 256 + 256 * 10 + 10  # W1, b1, W2, b2
    assert bench.step_bytes(256) == (1 + 2 + 2) * 4 * n_params  # g; θ in and out; v in and out
    assert round(bench.step_bytes(256) / 1e6, 1) == 4.1  # the figure docs/speed.md and bench.py state


def test_stream_step_moves_the_update_arrays():
    run = bench.stream_step(hidden=16, reps=3)
    assert run() > 0


def test_measure_tiny_run_has_every_field():
    result = bench.measure(n=300, batches=(32, 128), repeats=1, hidden=16, baselines=True)
    for key in ("justnumpy_s_per_epoch", "floor_s_per_epoch", "fraction_of_floor", "peak_memory_mb"):
        assert result[key] > 0, key
    assert [row["batch"] for row in result["rows"]] == [32, 128]
    for row in result["rows"]:
        gemm, update, measured = (
            row["gemm_floor_s_per_epoch"],
            row["update_floor_s_per_epoch"],
            row["justnumpy_s_per_epoch"],
        )
        assert gemm > 0 and update > 0 and row["floor_s_per_epoch"] == gemm + update
        assert row["fraction_of_floor"] == pytest.approx((gemm + update) / measured)
        steps = -(-300 // row["batch"])
        assert row["stream_gb_per_s"] == pytest.approx(bench.step_bytes(16) * steps / update / 1e9)
        spread = row["justnumpy_spread"]
        assert spread["min"] <= spread["median"] <= spread["max"]
    small, large = result["rows"]  # one measured step's bytes: 10 steps of 32 rows, 3 of 128
    assert small["update_floor_s_per_epoch"] / large["update_floor_s_per_epoch"] == pytest.approx(10 / 3)
    for name in ("torch", "sklearn"):  # present → a time; absent → None, which the table calls skipped
        try:
            __import__(name)
            assert result[f"{name}_s_per_epoch"] > 0
        except ImportError:
            assert result[f"{name}_s_per_epoch"] is None
    if result["torch_s_per_epoch"]:  # justnumpy's epoch over PyTorch's, of the batch-128 row
        assert result["ratio_vs_torch"] == large["justnumpy_s_per_epoch"] / large["torch_s_per_epoch"]
    assert result["machine"]["blas_kernel"]  # which OpenBLAS kernel ran
    # The augmented epoch ran beside the plain one at batch 128, and the ratio is of their medians.
    plain = result["rows"][1]["justnumpy_s_per_epoch"]
    assert result["augmented_to_plain"] == pytest.approx(result["augmented_s_per_epoch"] / plain)
    # So did the same network computed by mlp.py.
    assert result["mlp_to_network"] == pytest.approx(result["mlp_s_per_epoch"] / plain)


def test_cli_json_without_baselines_says_skipped(cli):
    args = ["bench", "--examples", "200", "--repeats", "1", "--batch-sizes", "64", "--no-baselines"]
    r = cli(*args, "--json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["torch_s_per_epoch"] is None and result["ratio_vs_torch"] is None
    assert result["augmented_to_plain"] is None and result["mlp_to_network"] is None  # no batch-128 row
    assert result["rows"][0]["batch"] == 64 and result["n_examples"] == 200
    r = cli(*args)
    assert r.returncode == 0, r.stderr
    assert "skipped" in r.stdout and "GFLOP and 4.1 MB a step" in r.stdout


def test_time_to_trains_the_recipe_with_every_seed_and_says_whether_the_mean_reaches(tiny_data):
    raw = data.load("mnist", tiny_data)
    easy = bench.time_to(raw, "cosine", 0.5, seeds=2)
    assert [r["seed"] for r in easy["runs"]] == [0, 1] and easy["epochs"] == recipes.config("cosine").epochs
    test = [r["test_acc"] for r in easy["runs"]]
    assert easy["test_mean"] == pytest.approx(np.mean(test)) and easy["reached"] is True
    assert all(0 < r["seconds_to_target"] <= r["seconds"] for r in easy["runs"])
    assert easy["seconds"] == np.median([r["seconds"] for r in easy["runs"]])
    impossible = bench.time_to(raw, "cosine", 1.01, seeds=1)
    assert impossible["reached"] is False and impossible["seconds_to_target"] is None
    assert impossible["test_std"] is None
    assert impossible["runs"][0]["test_acc"] == easy["runs"][0]["test_acc"]  # seed 0 is seed 0


def test_time_to_99_times_the_recipe_recipes_py_names():
    assert bench.TIME_TO["99"] == (recipes.TIME_TO_99, 0.99) and recipes.TIME_TO_99 in recipes.RECIPES
    assert recipes.config(bench.TIME_TO["98"][0]) == train.Config()  # 98%: the default recipe


def test_cli_time_to_98_and_99_on_tiny_data(tiny_data, capsys, monkeypatch):
    # The recipe for 99% trains 40 epochs with augmentation; here the default one stands in for it.
    monkeypatch.setitem(bench.TIME_TO, "99", ("cosine", 0.99))
    args = ["bench", "--examples", "200", "--repeats", "1", "--batch-sizes", "64", "--no-baselines"]
    assert commands.main([*args, "--time-to-98", "--time-to-99", "--data-dir", str(tiny_data), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for t in ("98", "99"):
        timed = result[f"time_to_{t}"]
        assert timed["recipe"] == "cosine" and timed["target"] == int(t) / 100 and len(timed["runs"]) == 3
    assert commands.main([*args, "--time-to-98", "--data-dir", str(tiny_data)]) == 0
    out = capsys.readouterr().out
    assert "time to 98%: recipe cosine (5 epochs), seeds 0-2: test " in out and "time to 99%" not in out


def test_cli_rejects_bad_batch_size(cli):
    r = cli("bench", "--batch-sizes", "0")
    assert r.returncode == 2 and r.stderr.startswith("justnumpy: error:")


def test_limit_blas_sets_and_restores_the_thread_count():
    def blas_threads_now() -> int:
        return bench.numpy_blas()["num_threads"]

    cores = blas_threads_now()
    assert threads.blas_threads() == cores
    with threads.limit_blas(1):
        assert blas_threads_now() == threads.blas_threads() == 1
        with threads.limit_blas(None):  # None leaves the count as it is
            assert blas_threads_now() == 1
    assert blas_threads_now() == cores


def test_same_seed_same_bits_through_train():
    """Two runs of a config on the same BLAS threads agree bit for bit."""
    raw = (
        np.random.default_rng(3).integers(0, 256, (200, 28, 28), dtype=np.uint8),
        np.arange(200) % 10,
        np.zeros((10, 28, 28), np.uint8),
        np.arange(10),
    )
    config = train.Config(batch_size=32, hidden=8, epochs=2, validation_fraction=0.0)
    a, b = (train.train(config, raw, callbacks=[]) for _ in range(2))
    for k in a.params:
        assert np.array_equal(a.params[k], b.params[k]), k


def test_sweep_writes_tables_and_plot(tmp_path):
    paths = sweep.run(str(tmp_path / "speed"), n=256, repeats=1, widths=(16, 32), batches=(32, 64))
    assert sorted(p.name for p in paths) == ["batch.csv", "sweep.md", "sweep.png", "width.csv"]
    width_rows = (tmp_path / "speed" / "width.csv").read_text().splitlines()
    assert width_rows[0].startswith("hidden,batch,threads,s_per_epoch") and len(width_rows) == 3
    assert len((tmp_path / "speed" / "batch.csv").read_text().splitlines()) == 1 + 2 * 2  # 1 and all threads
    assert (tmp_path / "speed" / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_round_order_changes_every_contenders_neighbour():
    """A fixed order (or a rotation of it) keeps each contender behind the same one; a shuffle does not."""
    names = [f"{kind}/{b}" for b in (32, 128, 512) for kind in ("justnumpy", "gemm1", "gemm", "torch")]
    orders = [bench.round_order(names, r) for r in range(6)]
    assert all(sorted(order) == sorted(names) for order in orders)
    assert orders == [bench.round_order(names, r) for r in range(6)]  # seeded: every run alike
    neighbours = [set(itertools.pairwise(order)) for order in orders]
    assert not set.intersection(*neighbours)  # no pair runs back to back in every round
