"""`justnumpy exercise bugs --kind layers`: the layers' template with one classic bug each.

As the network's zoo (justnumpy/exercise/zoo.py, which writes these files): each animal is one
edit of template.py, and `bug` is the id that `justnumpy check` must name. The answers are in
docs/bug-zoo-answers.md.
"""

from __future__ import annotations

from justnumpy.exercise.zoo import Animal

ZOO = [
    Animal(
        "alpaca.py",
        "sigmoid-slope-from-Z",
        "A = 1 / (1 + np.exp(-Z))\n    return A, A",
        "A = 1 / (1 + np.exp(-Z))\n    return A, Z",
    ),
    Animal(
        "bison.py", "tanh-slope-from-Z", "A = np.tanh(Z)\n    return A, A", "A = np.tanh(Z)\n    return A, Z"
    ),
    Animal(
        "cobra.py", "layers-transposed", "dW = A.T @ dZ  # (n_in, n_out)", "dW = dZ.T @ A  # (n_in, n_out)"
    ),
    Animal("dugong.py", "bias-summed-all", "db = dZ.sum(axis=0)  # (n_out,)", "db = np.sum(dZ)  # (n_out,)"),
    Animal(
        "eland.py",
        "not-passed-down",
        'dZ = act_backward(dA, cache[f"act{l - 1}"])',
        'act_backward(dA, cache[f"act{l - 1}"])',
    ),
    Animal(
        "finch.py",
        "activation-after-last",
        "            A = softmax(Z)",
        "            A = softmax(act_forward(Z)[0])",
    ),
    Animal(
        "gibbon.py",
        "wrong-layer-cache",
        'dZ = act_backward(dA, cache[f"act{l - 1}"])',
        'dZ = act_backward(dA, cache[f"act{l}"])',
    ),
]

DOCSTRING = '''"""{name}: layers from the bug zoo. They run, and one line holds one classic bug. Find it.

Read them next to docs/math.md#any-depth: the docstrings say what each function should compute,
and one line somewhere does something else. Then see whether you were right:

    justnumpy check {file}

The answers are in docs/bug-zoo-answers.md (spoilers).
"""'''

README = """# The layer zoo

Each file holds the blocks (linear, ReLU, sigmoid, tanh) and the loop that stacks them, the same
as correct ones except for **exactly one classic bug**. The file names give nothing away.

For each file: read it next to `docs/math.md#any-depth` and find the bug. Then run
`justnumpy check FILE.py`: it checks each block, then the stacked network, and names the bug from
the numbers, not from your source. The answers are in `docs/bug-zoo-answers.md`.
"""
