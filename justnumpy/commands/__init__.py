"""The `justnumpy` command line: one subcommand per module in this folder.

    justnumpy train                    # download MNIST if needed, train, save model.npz
    justnumpy evaluate model.npz       # test accuracy, overall and per class
    justnumpy gradcheck                # backward pass vs finite differences
    justnumpy <command> --help         # the options of each command

Errors the user can fix (a bad value, a missing or corrupt file) print one line,
`justnumpy: error: ...`, and exit with status 2 for command-line usage, 1 for everything else;
Ctrl-C exits with 130 after one line saying where it stopped. Tracebacks are for bugs only.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from justnumpy.errors import JustNumpyError, SettingsError

# Each name is a module justnumpy.commands.<name> with HELP, add_arguments(parser) and run(args).
COMMANDS = [
    "train",
    "evaluate",
    "download",
    "gradcheck",
    "plot",
    "explain",
    "predict",
    "serve",
    "bench",
    "ladder",
    "why",
    "exercise",
    "check",
]


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one `justnumpy: error:` line instead of a usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"justnumpy: error: {message} (see `{self.prog} --help`)\n")
        sys.exit(2)


def build_parser() -> Parser:
    """The top-level parser with every subcommand attached."""
    parser = Parser(prog="justnumpy", description="A 784-256-10 neural network in NumPy, explained.")
    from justnumpy import __version__

    parser.add_argument("--version", action="version", version=f"justnumpy {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for name in COMMANDS:
        module = importlib.import_module(f"justnumpy.commands.{name.replace('-', '_')}")
        p = sub.add_parser(
            name,
            help=module.HELP,
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(p)
        p.set_defaults(run=module.run)
    return parser


def reference_table() -> str:
    """The README's table of commands and options, made from the parser itself (tests/test_docs.py)."""
    parser = build_parser()
    subcommands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {action.dest: action.help for action in subcommands._choices_actions}
    rows = ["| command | what it does | options |", "| --- | --- | --- |"]
    for name, sub in subcommands.choices.items():
        options = ", ".join(f"`{option}`" for option in _options(sub))
        rows.append(f"| `justnumpy {' '.join([name, *_positionals(sub)])}` | {helps[name]} | {options} |")
    return "\n".join(rows) + "\n"


def _options(parser: argparse.ArgumentParser) -> list[str]:
    """The long options of a command, and of its subcommands (exercise start --level), once each."""
    options = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            options += [o for choice in action.choices.values() for o in _options(choice)]
        elif action.option_strings and action.dest != "help":
            options.append(action.option_strings[-1])
    return list(dict.fromkeys(options))


def _positionals(parser: argparse.ArgumentParser) -> list[str]:
    """How a parser's positional arguments read in a usage line: MODEL, IMAGE..., {start,bugs} [DIR]."""
    words = []
    for action in parser._actions:
        if action.option_strings:
            continue
        if isinstance(action, argparse._SubParsersAction):  # e.g. exercise {start,bugs} [DIR]
            words.append("{" + ",".join(action.choices) + "}")
            words += _positionals(next(iter(action.choices.values())))
            continue
        word = action.metavar or action.dest.upper()
        words.append({"+": f"{word}...", "?": f"[{word}]", "*": f"[{word}...]"}.get(action.nargs, word))
    return words


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    import numpy as np

    try:
        # Overflow in a user's extreme model or settings must not print raw NumPy warnings:
        # training checks its losses and weights itself and says what happened.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return int(args.run(args) or 0)
    except SettingsError as e:  # a setting that cannot work is a bad command line
        sys.stderr.write(f"justnumpy: error: {e}\n")
        return 2
    except JustNumpyError as e:
        sys.stderr.write(f"justnumpy: error: {e}\n")
        return 1
    except KeyboardInterrupt as e:  # train's message says where it stopped and what was saved
        sys.stderr.write(f"justnumpy: {str(e) or 'interrupted'}\n")
        return 130
    except BrokenPipeError:  # e.g. `justnumpy evaluate m.npz | head -1`
        sys.stderr.close()
        return 1
    except MemoryError as e:  # e.g. --hidden 10000000: NumPy says how much it could not allocate
        sys.stderr.write(f"justnumpy: error: out of memory: {e}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
