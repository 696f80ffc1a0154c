"""Train the network on MNIST (or Fashion-MNIST) and save it.

With no options: the default recipe (784-256-10, He init, momentum 0.9, cosine-decayed
learning rate 0.2, batch 128, 5 epochs), which reaches about 98% test accuracy. The file is
rewritten after every epoch, so an interrupted run keeps its last finished epoch; continue it
with --resume.

--out policy: the file is written atomically after every epoch (a killed run leaves the old or
the new file, never half of one). An existing justnumpy model at --out is replaced; any other
file there (a photo.npz, a text file, something unreadable) is never overwritten: training
refuses to start.

--resume M --epochs N continues to a total of N epochs. With the N the run was started with,
the result is bit-identical to a run that was never interrupted. A different N stretches the
cosine schedule to the new total (the learning rate jumps to that curve), so the result then
matches no uninterrupted run. The dataset, --hidden, --optimizer, --seed and
--validation-fraction of a resumed run cannot change. Ctrl-C stops with exit status 130 and says
which epoch the file holds; a diverging run stops with status 1 and keeps its last good epoch.

--recipe NAME starts from a named recipe of the accuracy ladder instead (see `justnumpy ladder`);
options given next to it still override single settings.

examples:
  justnumpy train
  justnumpy train --recipe best-plain --seed 1
  justnumpy train --recipe best --epochs 80 --out best.npz
  justnumpy train --epochs 10 --lr 0.05 --optimizer adam --out adam.npz
  justnumpy train --resume model.npz --epochs 8
  justnumpy train --plots plots/
"""

from __future__ import annotations

import argparse

from justnumpy.commands import (
    add_data_options,
    fraction,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
    show_progress,
)

HELP = "train the network and save it to a .npz model file"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `justnumpy train`; unset ones come from the recipe (or the resumed file)."""
    from justnumpy import augment, network, recipes

    add_data_options(p, dataset_default=None)
    start = p.add_mutually_exclusive_group()
    start.add_argument("--recipe", choices=recipes.RECIPES, help="start from this named recipe")
    p.add_argument("--epochs", type=positive_int, help="total epochs to train (default 5)")
    p.add_argument("--batch-size", type=positive_int, help="examples per step (default 128)")
    p.add_argument("--lr", type=positive_float, help="learning rate (default 0.2)")
    p.add_argument("--optimizer", choices=["sgd", "momentum", "adam"], help="default: momentum")
    p.add_argument("--schedule", choices=["constant", "cosine"], help="default: cosine")
    p.add_argument("--hidden", type=positive_int, help="hidden units (default 256)")
    p.add_argument(
        "--seed", type=non_negative_int, help="random seed for init, split and shuffling (default 0)"
    )
    p.add_argument("--validation-fraction", type=fraction,
                   help="share of training images held out for validation (default 0.05)")  # fmt: skip
    p.add_argument("--init", choices=network.INITS, help="weight initialisation (default he)")
    p.add_argument("--weight-decay", type=non_negative_float, help="L2 strength (default 0)")
    p.add_argument("--dropout", type=fraction, help="hidden-unit dropout probability (default 0)")
    p.add_argument("--input-dropout", type=fraction, help="input-pixel dropout probability (default 0)")
    p.add_argument("--augment", choices=augment.KINDS, help="training-image distortions (default none)")
    p.add_argument("--n-iter-no-change", type=positive_int, metavar="N",
                   help="stop after N epochs without a better validation accuracy (default off)")  # fmt: skip
    p.add_argument("--out", help="model file to write (default: model.npz, or the --resume file); "
                                 "never overwrites a file that is not a justnumpy model")  # fmt: skip
    start.add_argument("--resume", metavar="MODEL", help="continue training from this model file")
    p.add_argument("--quiet", action="store_true", help="no progress bar or per-epoch lines")
    p.add_argument(
        "--plots", metavar="DIR", help="after training, draw the `justnumpy plot` pictures into DIR"
    )


def run(args: argparse.Namespace) -> int:
    """Train, print one line per epoch and the final test accuracy; write the model file."""
    from justnumpy import data, modelfile, recipes, train

    names = ["dataset", "epochs", "batch_size", "lr", "optimizer", "schedule", "hidden", "seed",
             "validation_fraction", "init", "weight_decay", "dropout", "input_dropout", "augment",
             "n_iter_no_change"]  # fmt: skip
    overrides = {k: getattr(args, k) for k in names if getattr(args, k) is not None}
    if args.resume:
        config, state = train.load_checkpoint(args.resume, **overrides)
    elif args.recipe:
        config, state = recipes.config(args.recipe, **overrides), None
    else:
        config, state = train.Config(**overrides), None
    config.validate()
    if state is not None and state.epoch >= config.epochs:
        print(f"{args.resume} already holds {state.epoch} epochs; pass --epochs N with N > {state.epoch} "
              "to train further")  # fmt: skip
        return 0
    out = args.out or args.resume or "model.npz"
    modelfile.check_writable(out)  # before the data loads: a bad --out fails at once
    raw = data.load(config.dataset, args.data_dir, progress=show_progress(args))
    log = (lambda line: None) if args.quiet else print
    state = train.train(config, raw, out=out, state=state, progress=show_progress(args), log=log)
    print(f"test accuracy {state.history['test_acc'][-1]:.2%} after {state.epoch} epochs; saved {out}")
    if args.plots:
        from justnumpy.commands.plot import write_plots

        write_plots(state.params, state.history, raw[2:], config.dataset, args.plots)
    return 0
