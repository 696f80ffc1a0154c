"""Many runs at once: joblib's worker processes and a Dask scheduler give the sequential numbers."""

from __future__ import annotations

import os

import numpy as np
import pytest

from justnumpy import commands
from justnumpy.errors import JustNumpyError
from justnumpy.files import modelfile
from justnumpy.measure import ladder, parallel
from justnumpy.training.threads import blas_threads

RUNGS = ["cosine", "best"]  # a plain rung and an augmented one
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1"}  # every run on one BLAS thread, however many run at once


def where_and_how(x: int, X: np.ndarray) -> tuple[int, float, int, int]:
    """What a call saw: its argument, the array's sum, its BLAS threads, its process."""
    return x, float(X.sum()), blas_threads(), os.getpid()


def test_calls_come_back_in_order_each_on_its_share_of_the_threads():
    X = np.ones((1000, 784), np.float32)  # big enough for joblib to memory-map it to the workers
    calls = [(k, X) for k in range(5)]
    sequential = list(parallel.run(where_and_how, calls))
    assert sequential == [(k, 784_000.0, blas_threads(), os.getpid()) for k in range(5)]  # here, as is
    side_by_side = list(parallel.run(where_and_how, calls, jobs=2))
    assert [r[:3] for r in side_by_side] == [(k, 784_000.0, max(1, blas_threads() // 2)) for k in range(5)]
    assert os.getpid() not in {r[3] for r in side_by_side}  # in worker processes
    assert [r[2] for r in parallel.run(where_and_how, calls[:2], jobs=2, threads=1)] == [1, 1]
    with pytest.raises(ValueError, match="jobs must be at least 1"):
        list(parallel.run(where_and_how, calls, jobs=0))


def ladder_json(cli, tiny_data, out, *args: str, env: dict | None = None) -> list[dict]:
    rungs = ",".join(RUNGS)
    common = ["--quick", "--seeds", "2", "--rungs", rungs, "--data-dir", str(tiny_data), "--quiet"]
    r = cli("ladder", *common, "--out", str(out), "--save-models", *args, env=env)
    assert r.returncode == 0, r.stderr
    return ladder.load(out / "ladder.json")


def same_numbers(a: list[dict], b: list[dict]) -> None:
    """Every accuracy of two ladders is the same, bit for bit (the times are not)."""
    for key in ("name", "seeds", "val_acc", "test_acc", "val_curves", "blas_threads"):
        assert [r[key] for r in a] == [r[key] for r in b], key


def test_ladder_with_two_jobs_gives_the_numbers_and_models_of_one_job(cli, tiny_data, tmp_path):
    one = ladder_json(cli, tiny_data, tmp_path / "one", "--jobs", "1", env=ONE_THREAD)
    two = ladder_json(cli, tiny_data, tmp_path / "two", "--jobs", "2", env=ONE_THREAD)
    same_numbers(one, two)
    assert [r["blas_threads"] for r in two] == [[1, 1], [1, 1]] and [r["jobs"] for r in two] == [2, 2]
    for name in RUNGS:  # the models the workers trained, saved here, are the same files' worth
        for seed in (0, 1):
            a, b = (modelfile.load(tmp_path / run / f"{name}-seed{seed}.npz") for run in ("one", "two"))
            for k in a[0]:
                assert a[0][k].tobytes() == b[0][k].tobytes(), (name, seed, k)
            assert a[1]["history"]["test_acc"] == b[1]["history"]["test_acc"]


def local_cluster(**options):
    """A Dask scheduler on a local TCP port with the given workers (distributed.LocalCluster)."""
    distributed = pytest.importorskip("distributed")
    return distributed.LocalCluster(protocol="tcp", host="127.0.0.1", dashboard_address=None, **options)


def test_ladder_on_a_dask_scheduler_gives_the_numbers_of_one_job(cli, tiny_data, tmp_path):
    # Two worker processes of one thread each, as docs/ladder.md says to start them. A worker's
    # BLAS has one thread (Dask's nanny sets OPENBLAS_NUM_THREADS=1), so the reference has one too.
    one = ladder_json(cli, tiny_data, tmp_path / "one", "--jobs", "1", env=ONE_THREAD)
    with local_cluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
        on_dask = ladder_json(cli, tiny_data, tmp_path / "dask", "--scheduler", cluster.scheduler_address)
    same_numbers(one, on_dask)
    assert [r["jobs"] for r in on_dask] == [None, None]
    for name in RUNGS:  # the models come back to this machine
        for seed in (0, 1):
            a, b = (modelfile.load(tmp_path / run / f"{name}-seed{seed}.npz") for run in ("one", "dask"))
            assert all(a[0][k].tobytes() == b[0][k].tobytes() for k in a[0]), (name, seed)


def test_a_cluster_of_one_thread_runs_the_calls_here_and_one_without_workers_says_so(monkeypatch):
    X = np.ones(1000)
    with local_cluster(n_workers=1, threads_per_worker=1, processes=False) as cluster:
        got = list(parallel.run(where_and_how, [(1, X), (2, X)], scheduler=cluster.scheduler_address))
    assert got == [
        (k, 1000.0, blas_threads(), os.getpid()) for k in (1, 2)
    ]  # joblib's choice, on all threads
    monkeypatch.setattr(parallel, "WAIT_SECONDS", 1)
    with local_cluster(n_workers=0, processes=False) as cluster:
        address = cluster.scheduler_address
        with pytest.raises(JustNumpyError, match=rf"^the Dask scheduler at {address} has no workers"):
            list(parallel.run(where_and_how, [(1, X)], scheduler=address))


def test_an_unreachable_scheduler_is_one_clear_error(monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr(parallel, "CONNECT_SECONDS", 1)
    with pytest.raises(JustNumpyError, match=r"^cannot reach the Dask scheduler at 'tcp://127.0.0.1:1'"):
        list(parallel.run(where_and_how, [(1, np.ones(1))], scheduler="tcp://127.0.0.1:1"))
    with pytest.raises(JustNumpyError, match=r"^a Dask scheduler's address is HOST:PORT"):
        list(parallel.run(where_and_how, [(1, np.ones(1))], scheduler="no-port"))


def test_cli_rejects_jobs_with_a_scheduler_and_a_bad_address(cli, tiny_data):
    r = cli("ladder", "--jobs", "2", "--scheduler", "tcp://127.0.0.1:8786", "--data-dir", str(tiny_data))
    assert r.returncode == 2 and r.stderr.startswith("justnumpy: error:") and "not allowed with" in r.stderr
    r = cli("ladder", "--scheduler", "127.0.0.1", "--data-dir", str(tiny_data))
    assert r.returncode == 2 and "HOST:PORT" in r.stderr and len(r.stderr.splitlines()) == 1


def test_ctrl_c_during_the_runs_is_one_line_and_status_130(tiny_data, capsys, monkeypatch):
    def interrupted(*args, **kwargs):  # what joblib raises here when Ctrl-C stops its workers
        raise KeyboardInterrupt

    monkeypatch.setattr(ladder, "run", interrupted)
    assert commands.main(["ladder", "--quick", "--jobs", "2", "--data-dir", str(tiny_data)]) == 130
    assert capsys.readouterr().err == "justnumpy: interrupted\n"
