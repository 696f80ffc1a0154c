"""The benchmark's code path on tiny epochs (so it cannot rot), and the speed changes' promises.

No timing assertions: the machine is shared, so only shapes, keys and exact results are checked.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from justnumpy import train
from justnumpy.measure import bench, sweep
from justnumpy.training import threads


def test_epoch_flops_counts_the_five_products():
    n, H = 60000, 256
    shapes = [(n, 784, H), (n, H, 10), (H, n, 10), (n, 10, H), (784, n, H)]  # (rows, inner, cols)
    assert bench.epoch_flops(n, H) == sum(2 * a * k * b for a, k, b in shapes)
    assert round(bench.epoch_flops(n, H) / 1e9, 1) == 49.1  # the figure docs/speed.md and bench.py state


def test_measure_tiny_run_has_every_field():
    result = bench.measure(n=300, batches=(32, 128), repeats=1, hidden=16, baselines=True)
    for key in ("justnumpy_s_per_epoch", "flop_bound_s_per_epoch", "fraction_of_bound", "peak_memory_mb"):
        assert result[key] > 0, key
    assert [row["batch"] for row in result["rows"]] == [32, 128]
    for row in result["rows"]:
        floor, measured = row["flop_bound_s_per_epoch"], row["justnumpy_s_per_epoch"]
        assert row["fraction_of_bound"] == pytest.approx(floor / measured)
        spread = row["justnumpy_spread"]
        assert spread["min"] <= spread["median"] <= spread["max"]
    for name in ("torch", "sklearn"):  # present → a time; absent → None, which the table calls skipped
        try:
            __import__(name)
            assert result[f"{name}_s_per_epoch"] > 0
        except ImportError:
            assert result[f"{name}_s_per_epoch"] is None
    assert result["machine"]["blas_kernel"]  # which OpenBLAS kernel ran
    # The augmented epoch ran beside the plain one at batch 128, and the ratio is of their medians.
    plain = result["rows"][1]["justnumpy_s_per_epoch"]
    assert result["augmented_to_plain"] == pytest.approx(result["augmented_s_per_epoch"] / plain)


def test_cli_json_without_baselines_says_skipped(cli):
    args = ["bench", "--examples", "200", "--repeats", "1", "--batch-sizes", "64", "--no-baselines"]
    r = cli(*args, "--json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["torch_s_per_epoch"] is None and result["ratio_vs_torch"] is None
    assert result["augmented_to_plain"] is None  # no batch-128 row to compare with
    assert result["rows"][0]["batch"] == 64 and result["n_examples"] == 200
    r = cli(*args)
    assert r.returncode == 0, r.stderr
    assert "skipped" in r.stdout and "GFLOP/epoch" in r.stdout


def test_cli_rejects_bad_batch_size(cli):
    r = cli("bench", "--batch-sizes", "0")
    assert r.returncode == 2 and r.stderr.startswith("justnumpy: error:")


def test_blas_threads_one_for_small_batches_all_cores_for_large():
    def blas_threads_now() -> int:
        return bench.numpy_blas()["num_threads"]

    cores = blas_threads_now()
    with threads.blas_threads(16):
        assert blas_threads_now() == 1
    with threads.blas_threads(32):
        assert blas_threads_now() == cores
    with threads.blas_threads(128):
        assert blas_threads_now() == cores
    assert blas_threads_now() == cores


def test_same_seed_same_bits_through_train():
    """The thread rule depends on the batch size only, so two runs of a config agree bit for bit."""
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
