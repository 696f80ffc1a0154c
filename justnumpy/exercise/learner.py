"""A learner's network file: load it, call its functions, and explain what went wrong in their words.

The learner's code may not parse, may raise, may lack a function. Every such problem becomes a
LearnerError whose message points at *their* file and lines: a syntax error with its line and a
caret, an exception with the frames of their own code only (the frames of NumPy or justnumpy
would only hide the line that matters), a missing function by name. `justnumpy check` uses this
in its worker process; `justnumpy train --network` uses it through guarded.py.
"""

from __future__ import annotations

import difflib
import inspect
import sys
import traceback
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from justnumpy.errors import JustNumpyError

# The functions a network file must define: how the check and the training loop call each, and
# stand-ins with that many arguments, for testing a signature without calling anything.
REQUIRED = {
    "init_params": ("init_params(n_in, n_hidden, n_out, seed=seed)", (784, 256, 10), {"seed": 0}),
    "forward": ("forward(params, X)", (None, None), {}),
    "loss": ("loss(A2, y)", (None, None), {}),
    "backward": ("backward(params, cache, X, y)", (None, None, None, None), {}),
    "predict": ("predict(params, X)", (None, None), {}),
}
JUSTNUMPY = Path(__file__).resolve().parent.parent  # our own frames are never the learner's
MAX_FRAMES = 6  # deep recursion would print a thousand identical frames; the last few say where


class LearnerError(JustNumpyError):
    """The learner's file cannot be used as a network: `summary` says why in one line, `details` shows where.

    `bug` is the id of a classic mistake in justnumpy.exercise.bugs when one is recognised.
    """

    def __init__(self, summary: str, details: list[str] | None = None, bug: str | None = None) -> None:
        super().__init__(summary)
        self.summary, self.details, self.bug = summary, list(details or []), bug

    def report(self) -> str:
        """The summary and the details, as lines for a person to read."""
        return "\n".join([self.summary, *self.details])


class LearnerRaised(Exception):
    """The learner's function `function` raised `error`.

    `frames` are the traceback lines of their code; `innermost` is the name of the learner's
    function that was running when it raised (forward may have called their softmax, say).
    """

    def __init__(self, function: str, error: BaseException, path: Path) -> None:
        super().__init__(f"{function} raised {describe(error)}")
        self.function, self.error = function, error
        self.frames = own_frames(error.__traceback__, path)
        self.innermost = innermost(error.__traceback__, path) or function


def describe(error: BaseException) -> str:
    """`ValueError: the message`, or just the type when the message is empty."""
    message = str(error).strip()
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def own_frames(tb: types.TracebackType | None, path: Path) -> list[str]:
    """The traceback lines of the learner's code: their file, and any helper module of theirs beside it."""
    frames = [f for f in traceback.extract_tb(tb) if _theirs(f.filename, Path(path).resolve())]
    skipped = len(frames) - MAX_FRAMES
    lines = [line.rstrip("\n") for line in traceback.format_list(frames[-MAX_FRAMES:])]
    if skipped > 0:
        lines.insert(0, f"  ... {skipped} more calls of your code before these ...")
    return [part for line in lines for part in line.split("\n")]


def innermost(tb: types.TracebackType | None, path: Path) -> str | None:
    """The name of the learner's function that was running when the error was raised, if any was.

    A method is named with its class, e.g. Adam.step.
    """
    path = Path(path).resolve()
    name = None
    while tb is not None:
        code = tb.tb_frame.f_code
        if _theirs(code.co_filename, path):
            name = getattr(code, "co_qualname", None) or _qualname(tb.tb_frame)  # co_qualname: 3.11+
        tb = tb.tb_next
    return name


def _qualname(frame: types.FrameType) -> str:
    """A function's name, with its class for a method (Python 3.10 has no co_qualname): from `self`."""
    owner = frame.f_locals.get("self")
    return f"{type(owner).__name__}.{frame.f_code.co_name}" if owner is not None else frame.f_code.co_name


def _theirs(filename: str, path: Path) -> bool:
    """True for the learner's file and for files in its folder that are not part of justnumpy."""
    try:
        file = Path(filename).resolve()
    except (OSError, ValueError):  # "<string>" and friends
        return False
    return file == path or (file.parent == path.parent and JUSTNUMPY not in file.parents)


def compile_file(path: Path) -> types.CodeType:
    """The learner's file compiled, or a LearnerError pointing at the line Python could not read."""
    name = Path(path).name
    try:
        source = Path(path).read_bytes()
    except OSError as e:
        raise LearnerError(f"cannot read {path}: {e.strerror or e}") from None
    try:
        return compile(source, str(path), "exec", dont_inherit=True)
    except SyntaxError as e:
        where = f"line {e.lineno}" if e.lineno else "somewhere"
        details = []
        if e.text and e.text.strip():
            text = e.text.rstrip("\n")
            details.append(f"    {text.strip()}")
            if e.offset and 0 < e.offset <= len(text) + 1:
                indent = len(text) - len(text.lstrip())
                details.append("    " + " " * max(e.offset - 1 - indent, 0) + "^")
        details.append(
            "Python reads the whole file before it runs any of it: nothing runs until this is fixed."
        )
        raise LearnerError(
            f"{name} does not parse: {type(e).__name__} at {where}: {e.msg}", details
        ) from None
    except ValueError as e:  # e.g. a NUL byte in the file
        raise LearnerError(f"{name} does not parse: {e}") from None


def load(path: Path) -> types.ModuleType:
    """Run the learner's file as a module, as `import` would; LearnerError if it does not parse or raises.

    The file's folder goes on sys.path, so a helper module next to it can be imported.
    """
    path = Path(path)
    code = compile_file(path)
    stem = path.stem if path.stem.isidentifier() else "learner_network"
    module = types.ModuleType(stem)
    module.__file__ = str(path)
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    try:
        exec(code, module.__dict__)
    except (Exception, SystemExit) as e:  # KeyboardInterrupt is the user's and goes on
        raise LearnerError(
            f"{path.name} raised {type(e).__name__} while loading (running its top-level code): {e}",
            own_frames(e.__traceback__, path),
        ) from None
    return module


def check_functions(
    module: types.ModuleType, path: Path, required: dict[str, tuple[str, tuple, dict]] | None = None
) -> None:
    """LearnerError for the first required function that is missing, not callable, or takes other args.

    `required` maps each name to (how it is called, stand-in arguments, stand-in keywords); the
    network's functions by default.
    """
    required = REQUIRED if required is None else required
    name = Path(path).name
    defined = [k for k, v in vars(module).items() if callable(v) and not k.startswith("_")]
    for function, (call, args, kwargs) in required.items():
        fn = getattr(module, function, None)
        if fn is None:
            close = difflib.get_close_matches(function, defined, n=1, cutoff=0.6)
            hint = f" (is it the one called {close[0]}? The name must be {function})" if close else ""
            raise LearnerError(
                f"{name} has no function {function}{hint}",
                [f"The file defines {', '.join(required)}; the check and the training loop call {call}."],
            )
        if not callable(fn):
            raise LearnerError(
                f"{name}: {function} is a {type(fn).__name__}, not a function; define def {call}:"
            )
        try:
            signature = inspect.signature(fn)
        except (TypeError, ValueError):  # a builtin or C function: trust it
            continue
        try:
            signature.bind(*args, **kwargs)
        except TypeError as e:
            raise LearnerError(
                f"{name}: {function}{signature} cannot be called as {call} ({e})",
                [f"Write it as def {call.replace('seed=seed', 'seed=0')}:"],
            ) from None


class Learner:
    """The learner's loaded module; `call` runs one of its functions and wraps whatever it raises.

    `on_call`, if set, hears the name of every function called (the check uses it to say which
    function was running when a step took too long).
    """

    def __init__(self, module: types.ModuleType, path: Path) -> None:
        self.module, self.path = module, Path(path)
        self.on_call: Callable[[str], None] | None = None

    def call(self, function: str, *args: Any, **kwargs: Any) -> Any:
        """getattr(module, function)(*args, **kwargs); anything it raises becomes LearnerRaised."""
        return self.run(function, getattr(self.module, function), *args, **kwargs)

    def run(self, label: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """fn(*args, **kwargs), a function or method of the learner's called `label` in messages."""
        if self.on_call is not None:
            self.on_call(label)
        try:
            return fn(*args, **kwargs)
        except (Exception, SystemExit) as e:  # KeyboardInterrupt is the user's and goes on
            raise LearnerRaised(label, e, self.path) from None
