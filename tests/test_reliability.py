"""Reliability: same seed → same bits, resume → same bits, Ctrl-C, kills, divergence, downloads.

Everything trains on the tiny synthetic dataset from conftest (600 images), so each run takes a
fraction of a second; the processes killed here are real `python` subprocesses.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from justnumpy import data, network, train
from justnumpy.errors import DataError
from justnumpy.files import modelfile
from justnumpy.training import checkpoint
from tests.helpers import REPO, make_dataset


def quiet_train(config: train.Config, folder: Path, out: Path | None, **kwargs) -> train.State:
    return train.train(
        config, data.load("mnist", folder), out=str(out) if out else None, callbacks=[], **kwargs
    )


def assert_same_bits(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert a[k].dtype == b[k].dtype and a[k].tobytes() == b[k].tobytes(), k


# --- determinism and resume -------------------------------------------------------------------


def test_same_seed_same_bits_different_seed_different_bits(tiny_data):
    config = train.Config(epochs=2, hidden=16, batch_size=50, optimizer="adam", lr=0.01)
    a, b = quiet_train(config, tiny_data, None), quiet_train(config, tiny_data, None)
    assert_same_bits(a.params, b.params)
    assert a.history["loss"] == b.history["loss"] and a.params["W1"].dtype == np.float32
    c = quiet_train(train.Config(**{**vars(config), "seed": 1}), tiny_data, None)
    assert not np.array_equal(a.params["W1"], c.params["W1"])


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_interrupted_mid_epoch_then_resumed_gives_the_same_bits(optimizer, tiny_data, tmp_path, monkeypatch):
    """A 4-epoch run stopped by Ctrl-C in epoch 3, resumed to 4 epochs = the uninterrupted run."""
    lr = 0.01 if optimizer == "adam" else 0.1
    config = train.Config(epochs=4, hidden=16, batch_size=50, optimizer=optimizer, lr=lr)
    full = quiet_train(config, tiny_data, tmp_path / "full.npz")

    calls = {"n": 0}
    backward = network.backward

    def ctrl_c_at_step_30(*args, **options):  # 12 steps per epoch: step 30 is batch 7 of epoch 3
        calls["n"] += 1
        if calls["n"] == 30:
            raise KeyboardInterrupt
        return backward(*args, **options)

    monkeypatch.setattr(network, "backward", ctrl_c_at_step_30)
    part = tmp_path / "part.npz"
    with pytest.raises(train.TrainingInterrupted) as stop:
        quiet_train(config, tiny_data, part)
    assert str(stop.value) == (
        f"interrupted in epoch 3 of 4, after batch 5 of 12; {part} holds epoch 2, the last one completed"
    )
    monkeypatch.setattr(network, "backward", backward)
    resumed_config, state = checkpoint.load(str(part))
    assert state.epoch == 2 and resumed_config == config
    resumed = quiet_train(resumed_config, tiny_data, part, state=state)
    assert_same_bits(full.params, resumed.params)
    assert_same_bits(full.optimizer.state, resumed.optimizer.state)
    assert full.history["test_acc"] == resumed.history["test_acc"]
    saved_full, saved_resumed = modelfile.load(tmp_path / "full.npz"), modelfile.load(part)
    assert_same_bits(saved_full[0], saved_resumed[0])
    assert saved_full[1]["rng_state"] == saved_resumed[1]["rng_state"]


def test_ctrl_c_while_an_epoch_is_scored_names_that_epoch_and_the_saved_one(tiny_data, tmp_path, monkeypatch):
    """After the last batch the epoch is scored and saved: a Ctrl-C there leaves the file one epoch behind."""
    accuracy, calls = train.accuracy, []

    def ctrl_c_in_the_second_scoring(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:  # validation and test of epoch 1, then validation of epoch 2
            raise KeyboardInterrupt
        return accuracy(*args, **kwargs)

    monkeypatch.setattr(train, "accuracy", ctrl_c_in_the_second_scoring)
    out = tmp_path / "m.npz"
    with pytest.raises(train.TrainingInterrupted) as stop:
        quiet_train(train.Config(epochs=4, hidden=16, batch_size=50), tiny_data, out)
    assert str(stop.value) == (
        f"interrupted in epoch 2 of 4, after batch 12 of 12; {out} holds epoch 1, the last one completed"
    )
    assert modelfile.load(out)[1]["epoch"] == 1


def test_resume_to_a_different_total_follows_the_new_schedule(tiny_data, tmp_path):
    """Documented: the cosine curve depends on the total, so 2→4 epochs differs from a 4-epoch run."""
    quiet_train(train.Config(epochs=2, hidden=16, batch_size=50), tiny_data, tmp_path / "two.npz")
    config, state = checkpoint.load(str(tmp_path / "two.npz"), epochs=4)
    stretched = quiet_train(config, tiny_data, None, state=state)
    straight = quiet_train(train.Config(epochs=4, hidden=16, batch_size=50), tiny_data, None)
    # Epoch 2 ended near lr 0 on the 2-epoch curve; epoch 3 jumps back up onto the 4-epoch curve.
    assert stretched.history["lr"][1] < 0.01 < straight.history["lr"][1]
    assert stretched.history["lr"][2] == straight.history["lr"][2]
    assert not np.array_equal(stretched.params["W1"], straight.params["W1"])


def test_cli_resume_of_a_finished_run_changes_nothing(cli, tiny_data, tmp_path):
    out = tmp_path / "m.npz"
    cli("train", "--data-dir", str(tiny_data), "--epochs", "1", "--hidden", "8", "--quiet", "--out", str(out))
    before = out.read_bytes()
    r = cli("train", "--resume", str(out), "--data-dir", str(tiny_data), "--epochs", "1")
    assert r.returncode == 0 and "already holds 1 epochs" in r.stdout and out.read_bytes() == before


# --- Ctrl-C and kills -------------------------------------------------------------------------


# `python -m justnumpy`, with Ctrl-C raising KeyboardInterrupt as in a terminal: a shell's background
# job starts with Ctrl-C ignored, and Python keeps it ignored, wherever the tests themselves run.
INTERRUPTIBLE = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('justnumpy', run_name='__main__', alter_sys=True)"
)


@pytest.mark.parametrize("augment", ["none", "affine"])
def test_ctrl_c_stops_cleanly_and_keeps_the_last_epoch(augment, tiny_data, tmp_path):
    out = tmp_path / "m.npz"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    args = [
        "train",
        "--data-dir",
        str(tiny_data),
        "--epochs",
        "100000",
        "--hidden",
        "16",
        "--batch-size",
        "10",
        # At the default lr 0.2, batches of 10 of this synthetic data push the logits into the
        # thousands, at the edge of the divergence guard: momentum's new rounding (u = lr·v) tipped
        # it over in epoch 3. The test is about Ctrl-C, not that edge.
        "--lr",
        "0.05",
        "--augment",
        augment,
    ]
    proc = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTIBLE, *args, "--out", str(out)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not out.exists() and time.monotonic() < deadline:  # the first epoch is saved
            time.sleep(0.05)
        assert out.exists(), "no epoch saved in 60 s"
        time.sleep(random.Random(augment).uniform(0, 0.3))  # in a later epoch: mid-batch, or mid-save
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()  # a no-op once it has ended
        proc.wait()
    assert proc.returncode == 130, stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    where = r"(in epoch (\d+) of 100000, after batch \d+ of 57|after epoch (\d+) of 100000)"
    kept = rf"{re.escape(str(out))} holds epoch (\d+), the last one completed"
    m = re.fullmatch(rf"justnumpy: interrupted {where}; {kept}\n", stderr)
    assert m, stderr
    stopped_in = int(m[2]) - 1 if m[2] else int(m[3])
    assert modelfile.load(out)[1]["epoch"] == int(m[4]) == stopped_in
    assert [line.split()[:2] for line in stdout.splitlines() if not line.startswith("hint:")] == [
        ["epoch", f"{k}/100000"] for k in range(1, stopped_in + 1)
    ]  # one line per finished epoch (and the doctor's hints)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz", "tiny"]  # no temporary file left


SAVE_LOOP = """
import sys
from justnumpy import network
from justnumpy.files import modelfile
path, pid_file = sys.argv[1], sys.argv[2]
versions = [network.init_params(seed=s) for s in (1, 2)]
for i in range(10**9):
    modelfile.save(path, versions[i % 2], {"dataset": "mnist", "version": i % 2})
    if i == 0:
        open(pid_file, "w").close()  # tell the parent the first save is done
"""


def test_sigkill_during_saves_leaves_the_old_or_the_new_file(tmp_path):
    path = tmp_path / "m.npz"
    versions = [network.init_params(seed=s) for s in (1, 2)]
    rng = random.Random(0)
    for _ in range(8):
        ready = tmp_path / "ready"
        ready.unlink(missing_ok=True)
        proc = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(SAVE_LOOP), str(path), str(ready)],
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        deadline = time.monotonic() + 60
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert ready.exists(), "no save in 60 s"
        time.sleep(rng.uniform(0, 0.2))  # the loop saves continuously: a kill lands mid-save
        proc.kill()
        proc.wait()
        params, meta, _ = modelfile.load(path)  # loadable, and exactly one of the two versions
        assert_same_bits(params, versions[meta["version"]])
    leftovers = [p for p in tmp_path.iterdir() if p.name not in ("m.npz", "ready")]
    assert all(re.fullmatch(r"\.m\.npz\.[a-z0-9_]{8}\.tmp", p.name) for p in leftovers), leftovers
    # The next save removes leftovers older than a minute, and nothing else.
    recent = tmp_path / ".m.npz.abcdefgh.tmp"  # as if another process were saving right now
    recent.write_bytes(b"in progress")
    lookalike = tmp_path / ".m.npz.not-ours.tmp"
    lookalike.write_bytes(b"user file")
    for p in [*leftovers, lookalike]:
        os.utime(p, (time.time() - 3600, time.time() - 3600))
    modelfile.save(path, versions[0], {})
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [".m.npz.abcdefgh.tmp", ".m.npz.not-ours.tmp", "m.npz", "ready"]
    )


@pytest.fixture
def ctrl_c_raises():
    """Ctrl-C raises KeyboardInterrupt here, as in a terminal, even when the tests run in the background."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def test_ctrl_c_during_a_save_is_delivered_after_it(ctrl_c_raises):
    finished = []
    with pytest.raises(KeyboardInterrupt):
        with checkpoint.ctrl_c_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # the handler has run by now: it only took note
            finished.append(True)
    assert finished == [True] and signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_stale_temporaries_of_odd_file_names_are_found(tmp_path):
    path = tmp_path / "run [1]*.npz"  # glob's special characters, taken literally
    leftover = tmp_path / ".run [1]*.npz.k2j4_x9a.tmp"
    leftover.write_bytes(b"killed save")
    os.utime(leftover, (time.time() - 120, time.time() - 120))
    modelfile.save(path, network.init_params(n_hidden=2), {})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run [1]*.npz"]


def test_evaluate_of_an_exploding_model_prints_no_raw_warnings(cli, tiny_data, tmp_path):
    params = {k: v * np.float32(1e30) for k, v in network.init_params(n_hidden=8).items()}
    modelfile.save(tmp_path / "huge.npz", params, {"dataset": "mnist"})  # finite, so it loads
    r = cli("evaluate", str(tmp_path / "huge.npz"), "--data-dir", str(tiny_data))
    assert r.returncode == 0 and r.stderr == "" and "test accuracy" in r.stdout


# --- divergence -------------------------------------------------------------------------------


def test_huge_learning_rate_stops_at_once_and_keeps_the_old_model(cli, tiny_data, tmp_path):
    out = tmp_path / "m.npz"
    cli(
        "train", "--data-dir", str(tiny_data), "--epochs", "1", "--hidden", "16", "--quiet", "--out", str(out)
    )
    before = out.read_bytes()
    r = cli("train", "--data-dir", str(tiny_data), "--lr", "50", "--hidden", "16", "--out", str(out))
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "Warning" not in r.stderr, r.stderr
    where = r"training diverged at epoch 1, batch [1-4] of 5: a logit reached \S+"
    why = "so the learning rate 50 is too high"
    assert re.fullmatch(
        rf"justnumpy: error: {where}, {why}; {re.escape(str(out))} was not changed; try --lr 5\n", r.stderr
    )
    assert out.read_bytes() == before


def test_divergence_in_a_later_epoch_keeps_the_last_good_one(tiny_data, tmp_path, monkeypatch):
    rate = train.optim.learning_rate

    def explode_in_epoch_2(schedule, lr, step, total):  # 12 steps per epoch
        return 1e6 if step >= 12 else rate(schedule, lr, step, total)

    monkeypatch.setattr(train.optim, "learning_rate", explode_in_epoch_2)
    out = tmp_path / "m.npz"
    with pytest.raises(
        train.TrainingDiverged, match=rf"at epoch 2, batch 2 of 12: .*{out} holds epoch 1, the last"
    ):
        quiet_train(train.Config(epochs=3, hidden=16, batch_size=50), tiny_data, out)
    assert modelfile.load(out)[1]["epoch"] == 1


# --- downloads --------------------------------------------------------------------------------


@pytest.fixture
def mirrors(tmp_path, monkeypatch):
    """A loopback HTTP server with good/ (a tiny dataset), bad/ (other bytes) and empty/ (404s)."""
    root = tmp_path / "www"
    make_dataset(root / "good", n_train=20, n_test=10)
    make_dataset(root / "bad", n_train=20, n_test=10, seed=1)
    requests_seen: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # record instead of printing to stderr
            requests_seen.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=root))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    hashes = {k: hashlib.sha256((root / "good" / f).read_bytes()).hexdigest() for k, f in data.FILES.items()}
    spec = {**data.DATASETS["mnist"], "sha256": hashes}
    monkeypatch.setitem(data.DATASETS, "mnist", spec)
    monkeypatch.setattr(data, "cache_dir", lambda dataset: tmp_path / "cache" / dataset)
    monkeypatch.delenv("JUSTNUMPY_DATA", raising=False)
    yield spec, base, tmp_path / "cache" / "mnist", requests_seen
    server.shutdown()
    thread.join()
    server.server_close()


def test_wrong_file_at_first_mirror_falls_through_to_the_second(mirrors):
    spec, base, cache, seen = mirrors
    spec["mirrors"] = [base + "bad/", base + "good/"]
    assert data.download("mnist") == cache
    for key, name in data.FILES.items():
        assert hashlib.sha256((cache / name).read_bytes()).hexdigest() == spec["sha256"][key]
    assert seen[:2] == ["/bad/" + data.FILES["train_images"], "/good/" + data.FILES["train_images"]]
    assert sorted(p.name for p in cache.iterdir()) == sorted(data.FILES.values())  # no partial files
    X, y, _, _ = data.load("mnist")
    assert X.shape == (20, 28, 28) and y.shape == (20,)


def test_all_mirrors_wrong_is_one_clear_error_and_an_empty_cache(mirrors):
    spec, base, cache, _ = mirrors
    spec["mirrors"] = [base + "bad/", base + "empty/"]
    with pytest.raises(DataError) as error:
        data.download("mnist")
    message = str(error.value)
    assert message.startswith("could not download train-images-idx3-ubyte.gz of mnist")
    assert f"{base}bad/train-images-idx3-ubyte.gz: the file's SHA-256 is wrong (deleted)" in message
    assert f"{base}empty/train-images-idx3-ubyte.gz: HTTP 404" in message and "JUSTNUMPY_DATA" in message
    assert not cache.exists() or list(cache.iterdir()) == []


def test_download_failure_through_the_cli_is_one_line(mirrors, capsys, monkeypatch):
    from justnumpy import commands as cli

    spec, base, cache, _ = mirrors
    spec["mirrors"] = [base + "bad/"]
    monkeypatch.chdir(cache.parent.parent)
    assert cli.main(["train", "--epochs", "1"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("justnumpy: error: could not download"), err
    assert "--data-dir" in err  # the command line adds its own hint to the library's message
    assert not (cache.parent.parent / "model.npz").exists()
