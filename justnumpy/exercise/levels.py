"""What my_network.py says at each level of `justnumpy exercise start --level N`.

Level 1 keeps template.py's docstrings: shapes, formulas and the section of docs/math.md.
Level 2 gives names and shapes only: the formulas are to be derived with docs/math.md.
Level 3 gives the signatures and what each function returns, and nothing else.
The checker is the same at every level (tests/test_exercise.py proves level 3 holds no formula).
"""

from __future__ import annotations

FIRST = "init_params"  # what to write first

_AFTER = """After each one, run

    justnumpy check my_network.py

It checks the functions in that order, stops at the first thing that is not right yet, and
says what is wrong. When every check passes, train this network on MNIST:

    justnumpy train --network my_network.py --epochs 2

NumPy only: no deep-learning library, no copying from justnumpy/network.py."""

INTRO = {
    1: f'''"""My network: 784 pixels in, H hidden ReLU units, 10 class probabilities out. Written by me.

Fill in the functions below one at a time, in order: init_params, softmax, forward, loss,
backward, predict. Each docstring gives the shapes and the formula, and the section of
docs/math.md that derives it. {_AFTER}
"""''',
    2: f'''"""My network: 784 pixels in, H hidden ReLU units, 10 class probabilities out. Written by me.

Fill in the functions below one at a time, in order: init_params, softmax, forward, loss,
backward, predict. Each docstring gives the names and shapes of what to compute; the formulas
are yours to derive, with docs/math.md (the section is named). {_AFTER}
"""''',
    3: f'''"""My network: 784 pixels in, hidden units, 10 class probabilities out. Written by me.

Fill in the functions below one at a time, in order: init_params, softmax, forward, loss,
backward, predict. Each docstring says only what the function returns; the rest is yours to
work out, with docs/math.md. {_AFTER}
"""''',
}

DOCS = {
    "init_params": {
        2: """Random weights and zero biases for the two layers, as float32 arrays.

Return a dict with four arrays:
    "W1"  (n_in, n_hidden)
    "b1"  (n_hidden,)
    "W2"  (n_hidden, n_out)
    "b2"  (n_out,)
How large should the random weights be? docs/math.md#he-initialisation. The same seed must
give the same weights.""",
        3: "The starting weights and biases: a dict of float32 arrays W1, b1, W2, b2.",
    },
    "softmax": {
        2: """Each row of the scores Z (m, 10) turned into ten probabilities: (m, 10).

It must give no NaN or inf, even for scores of ±10,000 (docs/math.md#softmax).""",
        3: "Each row of scores turned into probabilities.",
    },
    "forward": {
        2: """Run a batch X (m, 784) through the network; return what backward needs.

    Z1    (m, H)    the hidden layer's weighted sums
    A1    (m, H)    its ReLU outputs
    Z2    (m, 10)   one score per class
    A2    (m, 10)   the probabilities of the classes

Return the dict {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2} (docs/math.md#forward-pass).
Keep the dtype of the inputs: the check runs in float64, training in float32.""",
        3: "The batch through the network: a dict with the keys Z1, A1, Z2, A2.",
    },
    "loss": {
        2: """The mean cross-entropy of the batch, one float (docs/math.md#cross-entropy).

A2 (m, 10) holds probabilities, y (m,) the integer labels 0..9.""",
        3: "The mean cross-entropy of the batch, one float.",
    },
    "backward": {
        2: """The gradient of `loss` with respect to every parameter, by the chain rule.

On the way down:
    dZ2   (m, 10)    docs/math.md#output-gradient
    dW2   (H, 10)
    db2   (10,)      docs/math.md#why-db-sums-over-rows
    dA1   (m, H)
    dZ1   (m, H)
    dW1   (784, H)
    db1   (H,)

Return the dict {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}, each shaped like its
parameter (docs/math.md#backward-pass). Change nothing in params or cache.""",
        3: "The gradient of the loss for every parameter: a dict with the keys dW1, db1, dW2, db2.",
    },
    "predict": {
        2: "The most likely digit for each row of X (m, 784): (m,) integer labels 0..9.",
        3: "The most likely digit for each row of X.",
    },
}

README = """# Write it yourself

`my_network.py` holds the network that reads handwritten digits, with every function body left for
you to write: `init_params`, `softmax`, `forward`, `loss`, `backward`, `predict`. {level}

1. Write one function (start with `init_params`), replacing its `raise NotImplementedError`.
2. Run `justnumpy check my_network.py`. It prints a checklist: ✓ for each step that works, ✗ at the
   first one that does not, with what is wrong and what to read. Steps after a ✗ are not checked
   yet (they build on it).
3. Repeat until every line has a ✓. Then train your network on MNIST:
   `justnumpy train --network my_network.py --epochs 2` (a right network reads 97.6% of the test
   digits right).

The check runs your code in a separate process: if something loops forever it is stopped after
`--timeout` seconds ({timeout:g} by default), and what your code prints is shown under the step it
belongs to. What each step checks, and what its messages mean: `docs/exercise.md`.

For practice at reading backprop, `justnumpy exercise bugs` writes ten networks with one classic
bug each: find the bug by reading, then ask `justnumpy check`.
"""

LEVEL = {
    1: "Each docstring gives the shapes, the formula, and the section of `docs/math.md` that derives it.",
    2: "Each docstring gives the names and shapes; derive the formulas with `docs/math.md`.",
    3: "Each docstring says only what the function returns: the formulas and shapes are yours to work out.",
}
