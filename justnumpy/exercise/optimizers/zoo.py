"""`justnumpy exercise bugs --kind optimizers`: the optimizers' template with one classic bug each.

As the network's zoo (justnumpy/exercise/zoo.py, which writes these files): each animal is one
edit of template.py within one method, and `bug` is the id in optimizers/bugs.py that
`justnumpy check` must name.
The answers are in docs/bug-zoo-answers.md.
"""

from __future__ import annotations

from justnumpy.exercise.zoo import Animal

# Adam's step from its count to its last line, the span that one animal rearranges.
ADAM_STEP = """self.t += 1
        for k, theta in self.params.items():
            g = grads["d" + k]
            self.v[k] = self.beta1 * self.v[k] + (1 - self.beta1) * g
            self.s[k] = self.beta2 * self.s[k] + (1 - self.beta2) * g**2
            v_hat = self.v[k] / (1 - self.beta1**self.t)
            s_hat = self.s[k] / (1 - self.beta2**self.t)
            theta -= self.lr * v_hat / (np.sqrt(s_hat) + self.eps)"""

ZOO = [
    Animal(
        "badger.py",
        "velocity-reset",
        'self.v[k] = self.momentum * self.v[k] + grads["d" + k]',
        'v = np.zeros_like(theta)\n            self.v[k] = self.momentum * v + grads["d" + k]',
    ),
    Animal(
        "crane.py",
        "lr-twice",
        'self.v[k] = self.momentum * self.v[k] + grads["d" + k]',
        'self.v[k] = self.momentum * self.v[k] + self.lr * grads["d" + k]',
    ),
    Animal(
        "dingo.py",
        "no-bias-correction",
        "v_hat = self.v[k] / (1 - self.beta1**self.t)\n"
        "            s_hat = self.s[k] / (1 - self.beta2**self.t)",
        "v_hat = self.v[k]\n            s_hat = self.s[k]",
    ),
    Animal(  # the step count moved below the loop: the first correction divides by 1 − β⁰ = 0
        "egret.py",
        "bias-from-zero",
        ADAM_STEP,
        ADAM_STEP.replace("self.t += 1\n        ", "") + "\n        self.t += 1",
    ),
    Animal(
        "ferret.py",
        "missing-sqrt",
        "theta -= self.lr * v_hat / (np.sqrt(s_hat) + self.eps)",
        "theta -= self.lr * v_hat / (s_hat + self.eps)",
    ),
    Animal(
        "gannet.py",
        "not-in-place",
        'theta -= self.lr * grads["d" + k]',
        'theta = theta - self.lr * grads["d" + k]',
    ),
]

DOCSTRING = '''"""{name}: optimizers from the bug zoo. They run, and one has exactly one classic bug. Find it.

Read them next to docs/math.md#optimizers: the docstrings say what each step should compute, and
one line somewhere does something else. Then see whether you were right:

    justnumpy check {file}

The answers are in docs/bug-zoo-answers.md (spoilers).
"""'''

README = """# The optimizer zoo

Each file holds SGD, Momentum and Adam, the same as correct ones except for **exactly one classic
bug** in one of them. The file names give nothing away.

For each file: read it next to `docs/math.md#optimizers` and find the bug. Then run
`justnumpy check FILE.py`: it runs the optimizers next to justnumpy's and names the bug from how
the steps differ, not from your source. The answers are in `docs/bug-zoo-answers.md`.
"""
