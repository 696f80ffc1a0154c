"""What my_optimizers.py says at each level of `justnumpy exercise start --kind optimizers --level N`.

Level 1 keeps template.py's docstrings (the update rules); level 2 names what each class keeps and
the shapes; level 3 gives the signatures and nothing else. The checker is the same at every level.
"""

from __future__ import annotations

FIRST = "SGD"  # what to write first

_AFTER = """After each class, run

    justnumpy check my_optimizers.py

It runs each of your optimizers next to the same one of justnumpy/optim.py, with the same
gradients and a learning rate that changes before every step (as a schedule changes it), and
says at which step and how yours first differs; a classic mistake is named.

NumPy only: no copying from justnumpy/optim.py."""

INTRO = {
    1: f'''"""My optimizers: SGD, momentum and Adam, each taking steps down the gradient. Written by me.

Fill in the classes below in order: SGD, Momentum, Adam. Each docstring gives the update rule
and the section of docs/math.md that derives it. {_AFTER}
"""''',
    2: f'''"""My optimizers: SGD, momentum and Adam, each taking steps down the gradient. Written by me.

Fill in the classes below in order: SGD, Momentum, Adam. Each docstring names what the class
keeps and its shape; the update rules are yours to work out, with docs/math.md#optimizers. {_AFTER}
"""''',
    3: f'''"""My optimizers: SGD, momentum and Adam. Written by me.

Fill in the classes below in order: SGD, Momentum, Adam. The signatures are all you get; the
rest is yours to work out, with docs/math.md. {_AFTER}
"""''',
}

_USE = """The training loop uses an optimizer like this:
    opt = {cls}(params, lr=0.1)    # params: the dict of arrays W1, b1, W2, b2
    opt.lr = 0.05                # a schedule may change the learning rate before any step
    opt.step(grads)              # grads["dW1"] is the gradient of params["W1"], and so on"""

DOCS = {
    "SGD": {
        2: "Plain gradient descent (docs/math.md#sgd).\n\n" + _USE.format(cls="SGD"),
        3: "Plain gradient descent.\n\n" + _USE.format(cls="SGD"),
    },
    "SGD.__init__": {
        2: "Keep `params`, the dict whose arrays step will change, and the learning rate `lr`.",
        3: "Keep what step needs.",
    },
    "SGD.step": {
        2: """Move every parameter params[k] using its gradient grads["d" + k], same shape.

Change each array in place: the caller holds the same arrays. Read self.lr at every step.""",
        3: "Update every parameter from its gradient.",
    },
    "Momentum": {
        2: "Gradient descent with a velocity (docs/math.md#momentum).",
        3: "Gradient descent with momentum.",
    },
    "Momentum.__init__": {
        2: """Keep `params`, `lr` and `momentum`, and start one velocity per parameter.

self.v[k]: the velocity of params[k], the same shape.""",
        3: "Keep what step needs.",
    },
    "Momentum.step": {
        2: """Update each velocity self.v[k] from its gradient grads["d" + k], then params[k] from it.

Change each parameter in place; read self.lr at every step.""",
        3: "Update every parameter from its gradient.",
    },
    "Adam": {
        2: "Adam: a running mean of each gradient and of its square (docs/math.md#adam).",
        3: "Adam.",
    },
    "Adam.__init__": {
        2: """Keep the settings, a step count, and two running means per parameter.

self.t: the number of steps taken
self.v[k]: the running mean of the gradient of params[k], the same shape
self.s[k]: the running mean of its square, the same shape""",
        3: "Keep what step needs.",
    },
    "Adam.step": {
        2: """Count the step; update v and s from grads["d" + k]; correct them for their zero start.

Then move params[k], in place; read self.lr at every step.""",
        3: "Update every parameter from its gradient.",
    },
}

README = """# Write the optimizers yourself

`my_optimizers.py` holds three optimizers, SGD, Momentum and Adam, with every method left for
you to write. {level} The classes work like those of `justnumpy/optim.py`: each keeps the
parameters it updates, its learning rate `lr` (which a schedule changes between steps) and whatever
it carries from one step to the next.

1. Write one class (start with `SGD`), replacing its `raise NotImplementedError`.
2. Run `justnumpy check my_optimizers.py`. It runs your optimizer and justnumpy's side by side for
   30 steps with the same gradients and a learning rate that changes every step, and says at
   which step yours first differs, and how; when the difference is a classic mistake (a velocity
   that starts afresh every step, the learning rate applied twice, Adam without its bias
   correction, ...), it names it and says what to read.
3. Repeat until every line has a ✓.

The check runs your code in a separate process, and stops a step after `--timeout` seconds
({timeout:g} by default). What it checks and what its messages mean: `docs/exercise.md`.

For practice at reading optimizers, `justnumpy exercise bugs --kind optimizers` writes files with
one classic mistake each: find it by reading, then ask `justnumpy check`.
"""

LEVEL = {
    1: "Each docstring gives the update rule and the section of `docs/math.md` that derives it.",
    2: "Each docstring names what the class keeps, and its shape; derive the rules with `docs/math.md`.",
    3: "The signatures are all you get: the update rules are yours to work out.",
}
