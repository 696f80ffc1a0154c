"""Check the hand-written backward pass against finite differences, in float64.

Every weight of a small network (784-16-10 unless --hidden says otherwise) is nudged by ±h and
the change of the loss is compared with what the backward pass says (network.py's for one hidden
layer of ReLUs with cross-entropy, mlp.py's for any other). A correct backward pass agrees to ~1e-10.

--network FILE.py checks your own network or layers (`justnumpy exercise`) the same way: it
passes or fails, and `justnumpy check FILE.py` then says which classic mistake it is.

examples:
  justnumpy gradcheck
  justnumpy gradcheck --hidden 32 --batch 16
  justnumpy gradcheck --hidden 8,8,8 --activation sigmoid --loss squared-error
  justnumpy gradcheck --network my_network.py
  justnumpy gradcheck --network my_layers.py --hidden 8,8 --activation tanh
"""

from __future__ import annotations

import argparse

from justnumpy.commands.options import layer_sizes, positive_int

HELP = "verify backprop against finite differences"
TOLERANCE = 1e-6


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `justnumpy gradcheck`."""
    from justnumpy import layers

    p.add_argument(
        "--hidden",
        type=layer_sizes,
        default=(16,),
        metavar="N[,N...]",
        help="hidden units per layer (default 16)",
    )
    p.add_argument(
        "--activation", choices=list(layers.ACTIVATIONS), default="relu", help="default %(default)s"
    )
    p.add_argument("--loss", choices=list(layers.LOSSES), default="cross-entropy", help="default %(default)s")
    p.add_argument("--batch", type=positive_int, default=8, help="examples (default %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="default %(default)s")
    p.add_argument("--network", metavar="FILE.py", help="check your own network or layers file instead")


def run(args: argparse.Namespace) -> int:
    """Print the relative error per gradient; exit 1 if any exceeds the tolerance."""
    from justnumpy import gradcheck
    from justnumpy.training.config import Config

    Config(hidden=args.hidden, activation=args.activation, loss=args.loss).validate()  # 50 layers: exit 2
    sizes = (784, *args.hidden, 10)
    from justnumpy.commands.train import their_code

    net = None  # network.py, or an mlp.Net for other settings
    if args.network:
        from justnumpy.exercise import guarded

        with their_code(args.network):
            net = guarded.load_network(args.network, args.hidden, args.activation, args.loss)
    with their_code(args.network):
        errors = gradcheck.max_relative_error(
            sizes, args.batch, args.seed, activation=args.activation, loss=args.loss, net=net
        )
    for name, err in errors.items():
        print(f"{name:>4}: relative error {err:.2e}")
    worst = max(errors.values())
    ok = worst < TOLERANCE
    print(f"max relative error {worst:.2e} {'<' if ok else '>='} {TOLERANCE:g}: {'PASS' if ok else 'FAIL'}")
    if args.network and not ok:
        print(f"`justnumpy check {args.network}` says which part is wrong, and names a classic mistake")
    return 0 if ok else 1
