"""Grade a learner's file: run its exercise's steps in a worker process, each with a time limit.

    from justnumpy.exercise import checker
    report = checker.check_file("my_network.py")
    print(report.to_text())          # the checklist; report.passed is True when every step passes

Which exercise the file is (the network, the optimizers, ...) is read from the names it defines
(kinds.recognise).

The learner's code runs in a separate Python process (runner.py). If a step takes longer than
`timeout` seconds, or the process dies, the step is reported as failed with what happened, the
process is ended, and the steps after it are listed as not checked.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import justnumpy
from justnumpy.errors import JustNumpyError
from justnumpy.exercise import kinds
from justnumpy.exercise.report import FAIL, Report, StepResult

DEFAULT_TIMEOUT = 30.0  # seconds per step; a right network needs well under one
STARTUP_TIMEOUT = 120.0  # starting Python and importing NumPy, before any of the learner's code runs


class WorkerFailed(Exception):
    """The worker process did not get as far as the first step: a problem of justnumpy, not of the learner."""


def check_file(path: str | Path, timeout: float = DEFAULT_TIMEOUT, kind: kinds.Kind | None = None) -> Report:
    """Check the file at `path`, stopping at the first failed step; never raises for the learner's code.

    `kind` is the exercise to check it as; None recognises it from the file.

    Raises JustNumpyError only when there is no file to check or the worker cannot start.
    """
    path = Path(path)
    if not path.exists():
        raise JustNumpyError(f"{path}: no such file")
    if not path.is_file():
        raise JustNumpyError(f"{path} is not a file; give the .py file you wrote")
    kind = kind or kinds.recognise(path)
    checks = kind.module("checks")
    results = {s.id: StepResult(s.id, s.title) for s in checks.STEPS}
    with tempfile.TemporaryFile() as errors:
        worker = _start(path, kind, errors)
        try:
            _follow(worker, results, timeout)
        except WorkerFailed as e:
            errors.seek(0)
            last = errors.read().decode("utf-8", "replace").strip().splitlines()[-1:]
            raise JustNumpyError(f"{e}{': ' + last[0] if last else ''}") from None
        finally:
            _end(worker)
            worker.wait()
    return Report(str(path), list(results.values()), kind.name, checks.DONE.format(file=path))


def _start(path: Path, kind: kinds.Kind, errors: object) -> subprocess.Popen:
    """The worker process, with justnumpy importable and one BLAS thread (the check's arrays are tiny)."""
    root = str(Path(justnumpy.__file__).resolve().parent.parent)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "justnumpy.exercise.runner", str(path), kind.name],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=errors,
        env=env,
        text=True,
        encoding="utf-8",
        errors="replace",
        start_new_session=True,  # its own process group, so ending it ends anything it started
    )


def _follow(worker: subprocess.Popen, results: dict[str, StepResult], timeout: float) -> None:
    """Read the worker's events into `results` until it is done, a step overruns, or it dies."""
    events: queue.Queue = queue.Queue()

    def read() -> None:
        assert worker.stdout is not None
        for line in worker.stdout:
            try:
                events.put(json.loads(line))
            except json.JSONDecodeError:
                continue  # not one of ours
        events.put(None)

    threading.Thread(target=read, daemon=True).start()
    step, function, started = None, None, time.monotonic()
    while True:
        limit = timeout if step else STARTUP_TIMEOUT
        try:
            event = events.get(timeout=max(0.0, started + limit - time.monotonic()))
        except queue.Empty:
            if step is None:
                raise WorkerFailed(
                    f"the checker's worker process did not start within {STARTUP_TIMEOUT:g} s"
                ) from None
            _fail(
                results[step],
                f"It ran for {timeout:g} s without finishing, so it was stopped.",
                _slow(function, timeout),
            )
            return
        if event is None:  # the worker's output ended without "done"
            code = worker.wait()
            if step is None:
                raise WorkerFailed(f"the checker's worker process could not start (exit status {code})")
            how = (
                f"was killed by signal {signal.Signals(-code).name}"
                if code < 0
                else f"exited with status {code}"
            )
            running = f" while your {function} was running" if function else ""
            _fail(
                results[step],
                f"The process running your code {how}{running}.",
                ["Python does that on os._exit(), on a crash inside a C library, or when memory runs out."],
            )
            return
        kind = event.get("event")
        if kind == "start":
            step, function, started = event["step"], None, time.monotonic()
        elif kind == "call":
            function = event["function"]
        elif kind == "result":
            record = event["result"]
            results[record["step"]] = StepResult(**record)
            step = None
        elif kind == "done":
            return


def _fail(result: StepResult, what: str, details: list[str]) -> None:
    result.status, result.what, result.details = FAIL, what, details


def _slow(function: str | None, timeout: float) -> list[str]:
    """What to say about a step that overran its time limit."""
    where = f"Your {function} was the last function the check called. " if function else ""
    return [
        f"{where}A loop that never ends is the usual cause (a while whose condition never turns false).",
        "Or the code is very slow: a Python loop over every number where one NumPy expression would do.",
        f"A right network needs well under a second here; the limit is {timeout:g} s per check (--timeout).",
    ]


def _end(worker: subprocess.Popen) -> None:
    """End the worker and anything it started, if it is still running."""
    if worker.poll() is not None:
        return
    try:
        if hasattr(os, "killpg"):
            os.killpg(worker.pid, signal.SIGKILL)
        else:
            worker.kill()
    except (ProcessLookupError, PermissionError):
        pass
