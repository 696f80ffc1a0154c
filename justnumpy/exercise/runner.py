"""The worker process of `justnumpy check`: load the learner's file, run the steps, report each one.

    python -m justnumpy.exercise.runner FILE.py KIND       (KIND: network, optimizers, ...)

The learner's code runs here and not in the command, so that whatever it does (loop forever,
exit, crash the interpreter) cannot take the command with it: checker.py reads this process's
events, gives each step a time limit, and ends the process when a step overruns. Events are JSON
lines on the original stdout:

    {"event": "ready"}                          imports done, the first step can start
    {"event": "start", "step": "forward"}       a step begins (its time limit starts)
    {"event": "call", "function": "forward"}    the step calls this learner function for the first time
    {"event": "result", "result": {...}}        the step's StepResult, as a dict
    {"event": "done"}

The learner's own prints are captured, not mixed into the events, and reported with the step.
"""

from __future__ import annotations

import io
import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from justnumpy.exercise import kinds, learner
from justnumpy.exercise.report import FAIL, PASS, Failed, StepResult

MAX_PRINTED = 10  # lines of the learner's prints kept per step


class Capture(io.TextIOBase):
    """A stand-in for sys.stdout and sys.stderr that keeps the first lines written to it."""

    def __init__(self) -> None:
        self.text, self.dropped = "", 0

    def write(self, s: str) -> int:
        if self.text.count("\n") < MAX_PRINTED and len(self.text) < 4000:
            self.text += s
        else:
            self.dropped += s.count("\n")
        return len(s)

    def lines(self) -> list[str]:
        """What was written since the last clear(), at most MAX_PRINTED lines."""
        lines = self.text.splitlines()[:MAX_PRINTED]
        extra = self.dropped + max(0, self.text.count("\n") - MAX_PRINTED)
        return lines + ([f"... and {extra} more lines"] if extra else [])

    def clear(self) -> None:
        self.text, self.dropped = "", 0


def private_stdout() -> TextIO:
    """The process's stdout for events only: file descriptor 1 itself now goes to the null device.

    Learner code that writes to descriptor 1 directly (a C extension, os.write) then cannot
    break an event line in the middle.
    """
    channel = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.close(null)
    return os.fdopen(channel, "w", encoding="utf-8")


def raised(e: learner.LearnerRaised, ctx: Any, checks: Any) -> Failed:
    """A step failure for an exception of the learner's code, explained when it is a familiar one."""
    error, where = e.error, e.innermost
    message = str(error)
    what = f"{e.function} raised {learner.describe(error)}"
    if isinstance(error, NotImplementedError):
        return Failed(
            f"{where} is not written yet: it raises NotImplementedError. It is the next one to write.",
            e.frames,
            section=checks.SECTIONS.get(where),
        )
    if isinstance(error, SystemExit):
        return Failed(
            f"{where} called sys.exit() (or exit()); a function of the network must return instead.", e.frames
        )
    if isinstance(error, ValueError) and ("matmul" in message or "not aligned" in message):
        return Failed(
            what,
            [
                *e.frames,
                f"A matrix product in {where} got two arrays whose shapes do not fit.",
                ctx.shapes(),
            ],
            bug=getattr(checks, "TRANSPOSED", "transposed"),
        )
    if isinstance(error, ValueError) and "could not be broadcast" in message:
        return Failed(
            what,
            [
                *e.frames,
                f"An operation in {where} got two arrays whose shapes do not fit.",
                ctx.shapes(),
            ],
            bug="shape-mismatch",
        )
    if isinstance(error, (KeyError, IndexError, TypeError, AttributeError, ValueError)):
        return Failed(what, [*e.frames, ctx.shapes()])
    return Failed(what, e.frames)


def run(path: Path, kind: kinds.Kind, emit: Any, captured: Capture) -> None:
    """Run the steps of `kind`'s check in order until one fails, emitting events."""
    checks = kind.module("checks")
    ctx = checks.Context(path)
    called: set[str] = set()

    def first_call(function: str) -> None:
        if function not in called:
            called.add(function)
            emit({"event": "call", "function": function})

    for step in checks.STEPS:
        emit({"event": "start", "step": step.id})
        called.clear()
        captured.clear()
        result = StepResult(step.id, step.title, status=FAIL)
        try:
            if step.run is None:  # the first step: load the file
                ctx.net = learner.Learner(learner.load(path), path)
                ctx.net.on_call = first_call
                result.note = ""
            else:
                result.note = step.run(ctx)
            result.status = PASS
        except learner.LearnerError as e:
            result.what, result.details, result.bug = e.summary, e.details, e.bug
        except learner.LearnerRaised as e:
            f = raised(e, ctx, checks)
            result.what, result.details, result.bug, result.section = f.what, f.details, f.bug, f.section
        except Failed as f:
            result.what, result.details, result.bug, result.section = f.what, f.details, f.bug, f.section
        except Exception as e:  # a bug of the checker itself: say so, without a traceback
            result.what = f"The check itself failed here ({learner.describe(e)}): this is a bug in justnumpy."
        result.printed = captured.lines()
        emit({"event": "result", "result": result.__dict__})
        if result.status != PASS:
            break
    emit({"event": "done"})


def main(argv: list[str] | None = None) -> int:
    """Entry point of the worker: `python -m justnumpy.exercise.runner FILE.py KIND`."""
    file, kind = argv if argv is not None else sys.argv[1:]
    path = Path(file)
    channel = private_stdout()

    def emit(event: dict) -> None:
        channel.write(json.dumps(event, ensure_ascii=False) + "\n")
        channel.flush()

    captured = Capture()
    sys.stdout = sys.stderr = captured  # type: ignore[assignment]
    np.seterr(all="ignore")  # the learner's overflows are judged by their results, not by warnings
    warnings.simplefilter("ignore")
    emit({"event": "ready"})
    run(path, kinds.KINDS[kind], emit, captured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
