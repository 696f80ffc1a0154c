"""What my_layers.py says at each level of `justnumpy exercise start --kind layers --level N`.

Level 1 keeps template.py's docstrings (every formula); level 2 names and shapes only; level 3
what each function returns. `loss` comes written: the exercise is the blocks and their stacking.
"""

from __future__ import annotations

FIRST = "linear_forward"  # what to write first
GIVEN = {"loss"}  # functions whose bodies the skeleton keeps

_AFTER = """After each one, run

    justnumpy check my_layers.py

It checks each block on its own first (linear, ReLU, sigmoid, tanh), then the network they stack
into, stops at the first thing that is not right yet, and says what is wrong. When every check
passes, train a network of any depth with your layers:

    justnumpy train --network my_layers.py --hidden 128,64 --epochs 2

softmax and the cross-entropy come from justnumpy.layers: you wrote them in the network exercise.
Otherwise NumPy only, and no copying from justnumpy/layers.py or justnumpy/mlp.py."""

INTRO = {
    1: f'''"""My layers: the blocks of a network of any depth, and the loop that stacks them. Written by me.

Fill in the functions below in order: the blocks linear, ReLU, sigmoid and tanh (each a forward
and a backward), then init_params, forward, backward and predict, which stack them. Each
docstring gives the shapes and the formula, and the section of docs/math.md that derives it.
{_AFTER}
"""''',
    2: f'''"""My layers: the blocks of a network of any depth, and the loop that stacks them. Written by me.

Fill in the functions below in order: the blocks linear, ReLU, sigmoid and tanh (each a forward
and a backward), then init_params, forward, backward and predict, which stack them. Each
docstring gives the names and shapes; the formulas are yours to derive, with docs/math.md.
{_AFTER}
"""''',
    3: f'''"""My layers: the blocks of a network of any depth, and the loop that stacks them. Written by me.

Fill in the functions below in order: the blocks, then init_params, forward, backward and
predict. Each docstring says only what the function returns; the rest is yours to work out,
with docs/math.md. {_AFTER}
"""''',
}

_CACHE = "\n\nReturn (A, cache); the cache is whatever your backward will need."
DOCS = {
    "linear_forward": {
        2: """One layer's weighted sums Z (m, n_out).

A (m, n_in) holds the layer's inputs, W (n_in, n_out) its weights, b (n_out,) its biases.
Return (Z, cache); the cache is whatever linear_backward will need (docs/math.md#any-depth).""",
        3: "One layer's weighted sums, and a cache: (Z, cache).",
    },
    "linear_backward": {
        2: """From dZ (m, n_out) and the cache, return (dA, dW, db):

    dA   (m, n_in)       handed down to the layer below
    dW   (n_in, n_out)
    db   (n_out,)        docs/math.md#why-db-sums-over-rows""",
        3: "The gradients for the layer's inputs, weights and biases: (dA, dW, db).",
    },
    "relu_forward": {2: "ReLU of Z (m, n), element by element: A (m, n)." + _CACHE, 3: "ReLU: (A, cache)."},
    "relu_backward": {
        2: "dZ (m, n) from dA (m, n) and the cache, through ReLU's slope (docs/math.md#any-depth).",
        3: "The gradient for ReLU's input.",
    },
    "sigmoid_forward": {
        2: "The sigmoid of Z (m, n), element by element: A (m, n), never NaN, even for Z = ±800." + _CACHE,
        3: "The sigmoid: (A, cache).",
    },
    "sigmoid_backward": {
        2: "dZ (m, n) from dA (m, n) and the cache, through the sigmoid's slope (docs/math.md#any-depth).",
        3: "The gradient for the sigmoid's input.",
    },
    "tanh_forward": {2: "tanh of Z (m, n), element by element: A (m, n)." + _CACHE, 3: "tanh: (A, cache)."},
    "tanh_backward": {
        2: "dZ (m, n) from dA (m, n) and the cache, through tanh's slope (docs/math.md#any-depth).",
        3: "The gradient for tanh's input.",
    },
    "init_params": {
        2: """Random weights and zero biases for every layer, float32: for sizes (n_0, n_1, ..., n_L),

    "Wl"  (n_(l-1), n_l)
    "bl"  (n_l,)
How large should the random weights be? docs/math.md#he-initialisation. The same seed must give
the same weights.""",
        3: "The starting weights and biases of every layer: a dict W1, b1, ..., WL, bL of float32 arrays.",
    },
    "forward": {
        2: """Run X (m, n_0) through every layer; `activation` is "relu", "sigmoid" or "tanh".

The activation is for the hidden layers. Return a dict with Zl and Al, each (m, n_l), for
every layer l = 1 … L (AL: the probabilities), and the blocks' caches under names of your own
(docs/math.md#any-depth).""",
        3: "The batch through every layer: a dict with the keys Z1, A1, ..., ZL, AL, and more.",
    },
    "loss": {2: "The mean cross-entropy of AL (m, n_L) for the labels y (m,): ready-made.", 3: "Ready-made."},
    "backward": {
        2: """The gradient of `loss` for every parameter: a dict of dWl and dbl for every layer.

dWl has the shape (n_(l-1), n_l) and dbl (n_l,), as their parameters. Start from the output
layer's dZL (m, n_L), cross_entropy_backward(AL, y), and go down layer by layer
(docs/math.md#any-depth). Change nothing in params or cache.""",
        3: "The gradient of the loss for every parameter: a dict with the keys dW1, db1, ..., dWL, dbL.",
    },
    "predict": {
        2: "The most likely class for each row of X (m, n_0): (m,) integer labels.",
        3: "The most likely class for each row of X.",
    },
}

README = """# Write the layers yourself

`my_layers.py` holds the blocks of a network of any depth, a linear layer and three activations
(ReLU, sigmoid, tanh), each with a forward and a backward, and the functions that stack them into
a network: `init_params`, `forward`, `backward`, `predict`. {level}

1. Write one function (start with `linear_forward`), replacing its `raise NotImplementedError`.
2. Run `justnumpy check my_layers.py`. It checks each block on its own against
   `justnumpy/layers.py` and against finite differences, then the stacked network with each
   activation against `justnumpy/mlp.py`; it stops at the first thing that is not right yet, says
   what is wrong, and names a classic mistake when it sees one (sigmoid's slope taken from Z, a
   transposed dW, a gradient not handed down to the layer below, ...).
3. Repeat until every line has a ✓. Then train a deeper network with your layers:
   `justnumpy train --network my_layers.py --hidden 128,64 --epochs 2` (add `--activation tanh`
   or `sigmoid` to try the others).

The check runs your code in a separate process, and stops a step after `--timeout` seconds
({timeout:g} by default). What it checks and what its messages mean: `docs/exercise.md`.

For practice at reading layers, `justnumpy exercise bugs --kind layers` writes files with one
classic mistake each: find it by reading, then ask `justnumpy check`.
"""

LEVEL = {
    1: "Each docstring gives the shapes, the formula, and the section of `docs/math.md` that derives it.",
    2: "Each docstring gives the names and shapes; derive the formulas with `docs/math.md`.",
    3: "Each docstring says only what the function returns: the formulas and shapes are yours to work out.",
}
