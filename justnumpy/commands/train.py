"""Train the network on MNIST (or Fashion-MNIST) and save it.

With no options: the default recipe (784-256-10, He init, momentum 0.9, a learning rate of 0.2
that glides along a cosine to 0, batch 128, 5 epochs), about 98% test accuracy in a few seconds.
The model file is rewritten after every epoch, so an interrupted run keeps its last finished
epoch; continue it with --resume. An existing justnumpy model at --out is replaced; any other
file there is never overwritten: training refuses to start.

--resume M --epochs N continues to a total of N epochs; with the N the run was started with, the
result is bit-identical to a run that was never interrupted. The dataset, --hidden, --optimizer,
--seed and --validation-fraction of a resumed run cannot change.

--recipe NAME starts from a named recipe of the accuracy ladder (see `justnumpy ladder`); options
given next to it override single settings. --network FILE.py trains your own network or layers
(see `justnumpy exercise`) with the same data, loop and recipe; a layers file takes --hidden with
any number of layers and --activation relu, sigmoid or tanh. Before training, a quick gradient
check of your file on a tiny batch says when its gradients are wrong, and that `justnumpy check
FILE.py` is where to start.

While it trains, the doctor prints a `hint:` line when it sees a symptom of a run going wrong
(inputs not in [0, 1], a first loss far above ln 10, a loss that rises or crawls, accuracy near
chance, many dead hidden units, overfitting), with the options that treat it; the hints are also
kept in the model file's history. --quiet silences them. docs/learn.md shows each one.

examples:
  justnumpy train
  justnumpy train --recipe best-plain --seed 1
  justnumpy train --epochs 10 --lr 0.05 --optimizer adam --out adam.npz
  justnumpy train --init-scale 1          # provoke the doctor: weights far too large
  justnumpy train --lr 2 --optimizer sgd  # provoke the doctor: steps far too large
  justnumpy train --resume model.npz --epochs 8
  justnumpy train --plots plots/
  justnumpy train --network my_layers.py --hidden 128,64 --activation tanh
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator

from justnumpy.commands.options import (
    add_data_options,
    fraction,
    layer_sizes,
    load_data,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
    show_progress,
)

HELP = "train the network and save it to a .npz model file"
GRADIENT_TOLERANCE = 1e-6  # right gradients agree with finite differences to ~1e-10 in float64

# The settings the doctor's advice speaks of, and the options that change them: a hint printed
# here ends with the options it is about, e.g. "(options: --lr)".
ADVICE_OPTIONS = {
    "learning rate": "--lr",
    "init scale": "--init-scale",
    "dropout": "--dropout",
    "augmentation": "--augment",
    "fewer epochs": "--epochs",
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `justnumpy train`: one per setting of train.Config, its default shown from there."""
    from justnumpy import augment, layers, mlp, optim
    from justnumpy.data import DATASETS
    from justnumpy.training import recipes
    from justnumpy.training.config import Config

    defaults = Config()
    # Config field → (argparse options, what it does). The defaults come from Config itself.
    settings = {
        "dataset": ({"choices": sorted(DATASETS)}, "which images to learn"),
        "epochs": ({"type": positive_int}, "total epochs to train"),
        "batch_size": ({"type": positive_int}, "examples per optimizer step"),
        "lr": ({"type": positive_float}, "learning rate at the start"),
        "optimizer": ({"choices": list(optim.OPTIMIZERS)}, "how the gradients move the weights"),
        "momentum": ({"type": fraction}, "momentum μ of the momentum optimizer"),
        "schedule": ({"choices": optim.SCHEDULES}, "how the learning rate changes over the run"),
        "hidden": ({"type": layer_sizes, "metavar": "N[,N...]"}, "hidden units, one number per layer"),
        "activation": ({"choices": list(layers.ACTIVATIONS)}, "the hidden layers' activation"),
        "loss": ({"choices": list(layers.LOSSES)}, "the loss the output layer learns"),
        "init": ({"choices": mlp.INITS}, "starting weights: He √(2/fan_in) or Xavier √(2/(fan_in+fan_out))"),
        "seed": ({"type": non_negative_int}, "random seed for weights, split, order and dropout"),
        "validation_fraction": ({"type": fraction}, "share of training images held out for validation"),
        "init_scale": (
            {"type": positive_float, "metavar": "S"},
            "draw every weight as S·N(0, 1) instead of --init",
        ),
        "weight_decay": ({"type": non_negative_float}, "L2 strength λ"),
        "dropout": ({"type": fraction}, "probability of silencing each hidden unit"),
        "input_dropout": ({"type": fraction}, "probability of hiding each input pixel"),
        "augment": ({"choices": augment.KINDS}, "random distortions of the training images"),
        "n_iter_no_change": (
            {"type": positive_int, "metavar": "N"},
            "stop after N epochs without a better validation accuracy",
        ),
    }
    start = p.add_mutually_exclusive_group()
    start.add_argument("--recipe", choices=recipes.RECIPES, help="start from this named recipe")
    start.add_argument("--resume", metavar="MODEL", help="continue training from this model file")
    for name, (options, text) in settings.items():
        default = getattr(defaults, name)
        shown = "off" if default is None else default
        shown = defaults.hidden_text if name == "hidden" else shown
        p.add_argument("--" + name.replace("_", "-"), **options, help=f"{text} (default: {shown})")
    p.add_argument("--network", metavar="FILE.py", help="train your own network module instead of network.py")
    p.add_argument(
        "--out",
        help="model file to write (default: model.npz, or the --resume file); "
        "never overwrites a file that is not a justnumpy model",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar, no per-epoch lines, no hints")
    p.add_argument(
        "--plots", metavar="DIR", help="after training, draw the `justnumpy plot` pictures into DIR"
    )
    add_data_options(p, with_dataset=False)
    p.set_defaults(settings=list(settings))


def run(args: argparse.Namespace) -> int:
    """Train, print one line per epoch and the final test accuracy; write the model file."""
    from justnumpy import train
    from justnumpy.errors import JustNumpyError, SettingsError
    from justnumpy.files import modelfile
    from justnumpy.training import callbacks, checkpoint, recipes

    overrides = {k: getattr(args, k) for k in args.settings if getattr(args, k) is not None}
    if args.resume:
        config, state = checkpoint.load(args.resume, **overrides)
    elif args.recipe:
        config, state = recipes.config(args.recipe, **overrides), None
    else:
        config, state = train.Config(**overrides), None
    config.validate()
    if state is not None and state.epoch >= config.epochs:
        print(
            f"{args.resume} already holds {state.epoch} epochs; pass --epochs N with N > {state.epoch} "
            "to train further"
        )
        return 0
    net = None  # network.py for the textbook's shape, an mlp.Net for any other (train.net_for)
    if args.network and args.resume:
        raise JustNumpyError(
            "--resume continues a run of justnumpy's own network; --network starts a new run"
        )
    wrong = ""  # how the learner's gradients are off, when they are
    if args.network:
        from justnumpy.exercise import guarded

        if config.init != "he":
            raise SettingsError(f"{args.network} draws its own starting weights: leave --init out")
        with their_code(args.network):
            net = guarded.load_network(args.network, config.hidden, config.activation, config.loss)
            wrong = gradients_wrong(net, config)
        if wrong:
            sys.stderr.write(f"justnumpy: warning: {wrong}; run `justnumpy check {args.network}` first\n")
    out = args.out or args.resume or "model.npz"
    try:
        modelfile.check_writable(out)  # before the data loads: a bad --out fails at once
    except JustNumpyError as e:
        raise JustNumpyError(f"{e}; choose another --out") from None
    raw = load_data(config.dataset, args)
    progress = show_progress(args)
    listeners = [] if args.quiet else [callbacks.Printer(lambda line: say(with_options(line), progress))]
    if progress:
        listeners.insert(0, callbacks.ProgressBar())
    try:
        with their_code(args.network):
            state = train.train(config, raw, net=net, out=out, state=state, callbacks=listeners)
    except train.TrainingDiverged as e:
        if wrong:  # the learning rate is not what to change: a smaller one would only hide the bug
            where, _, rest = str(e).partition(", so the learning rate")
            kept = rest.partition("; ")[2]
            raise JustNumpyError(
                f"{where}; {kept + '; ' if kept else ''}{wrong}: run `justnumpy check {args.network}` first "
                "(a smaller --lr would only hide the bug)"
            ) from None
        mine = f", or let `justnumpy check {args.network}` check your gradients" if args.network else ""
        raise JustNumpyError(f"{e}; try --lr {e.lr / 10:g}{mine}") from None
    epochs = f"{state.epoch} epoch{'s' * (state.epoch != 1)}"
    print(f"test accuracy {state.history['test_acc'][-1]:.2%} after {epochs}; saved {out}")
    if args.plots:
        from justnumpy.commands.plot import write_plots

        write_plots(
            net or train.net_for(config), state.params, state.history, raw[2:], config.dataset, args.plots
        )
    return 0


@contextlib.contextmanager
def their_code(network_file: str | None) -> Iterator[None]:
    """A problem in the learner's --network file: the lines of their code it came from, then the error."""
    from justnumpy.errors import JustNumpyError
    from justnumpy.exercise.learner import LearnerError

    try:
        yield
    except LearnerError as e:
        sys.stderr.write("".join(line + "\n" for line in e.details))
        raise JustNumpyError(
            f"{e.summary}; `justnumpy check {network_file}` checks it step by step"
        ) from None


def gradients_wrong(net: object, config: object) -> str:
    """How a learner's gradients miss finite differences on a tiny batch; "" when they agree.

    Code that raises on the tiny batch is left to training, which reports it with the real sizes.
    """
    from justnumpy.exercise import guarded
    from justnumpy.exercise.learner import LearnerError

    try:
        errors = guarded.gradient_error(net, config.sizes, config.seed)
    except LearnerError:
        return ""
    off = [k for k, e in errors.items() if e > GRADIENT_TOLERANCE]
    if not off:
        return ""
    return (
        f"the gradients of {net.name} do not match finite differences on a tiny batch "
        f"({', '.join(off)} off, largest relative error {max(errors.values()):.2g})"
    )


def with_options(line: str) -> str:
    """A `hint:` line with the options it speaks of appended; any other line as it is."""
    options = [flag for words, flag in ADVICE_OPTIONS.items() if words in line]
    return f"{line} (options: {', '.join(options)})" if line.startswith("hint: ") and options else line


def say(line: str, progress: bool) -> None:
    """Print a line; above the progress bar (not through it) while one is drawn."""
    if progress:
        from tqdm.auto import tqdm

        tqdm.write(line)
    else:
        print(line)
