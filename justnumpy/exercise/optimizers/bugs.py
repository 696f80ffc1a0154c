"""The classic mistakes in an optimizer that `justnumpy check` can name, each with why it is wrong."""

from __future__ import annotations

from justnumpy.exercise.bugs import Bug

BUGS: dict[str, Bug] = {
    "not-in-place": Bug(
        "the update applied to a copy, not in place",
        "theta = theta - lr * g makes a new array and gives it the local name theta: the array in "
        "params, the one the network computes with, does not change. params[k] = params[k] - ... "
        "swaps a new array into the dict, and whoever holds the old one (the training loop, a "
        "notebook's W1) keeps the old weights. Change the array itself: theta -= lr * g.",
        "sgd",
    ),
    "changes-grads": Bug(
        "the gradients changed in place",
        "g = grads['dW1'] gives the caller's gradient a second name; g *= lr or g += ... then "
        "changes the caller's array. Compute new arrays (lr * g) and change only the parameters.",
        "sgd",
    ),
    "lr-twice": Bug(
        "learning rate applied twice",
        "The learning rate multiplies each step once: θ ← θ − lr·g, or θ ← θ − lr·v with "
        "v ← μ·v + g. Multiplying by lr a second time makes every step lr times too small (ten "
        "times at lr = 0.1), and changes how a schedule acts.",
        "sgd",
    ),
    "sign-step": Bug(
        "the step goes uphill",
        "The gradient points to where the loss grows fastest, so the step subtracts: θ ← θ − lr·(...).",
        "sgd",
    ),
    "lr-ignored": Bug(
        "the learning rate set by the schedule is ignored",
        "The training loop sets opt.lr before every step (the cosine schedule lowers it towards 0). "
        "step must read self.lr every time, not a copy kept under another name in __init__.",
        "learning-rate-schedule",
    ),
    "velocity-reset": Bug(
        "velocity reset every step",
        "The velocity is momentum's memory: create it once, in __init__, and keep it in self.v from "
        "one step to the next. A velocity started at zero inside step is v = g every time, and "
        "momentum becomes plain SGD.",
        "momentum",
    ),
    "lr-in-velocity": Bug(
        "learning rate inside the velocity",
        "v ← μ·v + lr·g; θ ← θ − v is another common way to write momentum, and takes the same "
        "steps as long as lr stays the same. When a schedule changes lr they part: the velocity "
        "still carries the learning rates of earlier steps. justnumpy (as PyTorch) keeps lr out "
        "of the velocity, v ← μ·v + g; θ ← θ − lr·v, so that a new lr applies at once.",
        "momentum",
    ),
    "velocity-averaged": Bug(
        "velocity averaged instead of summed",
        "v ← μ·v + (1 − μ)·g is a running mean, as Adam keeps one; momentum's velocity is a running "
        "sum, v ← μ·v + g, which grows to g / (1 − μ) when the gradient keeps its direction. The "
        "mean makes every step 1 − μ times momentum's.",
        "momentum",
    ),
    "stale-velocity": Bug(
        "the step taken with the previous velocity",
        "Update the velocity first, then step with it: v ← μ·v + g, then θ ← θ − lr·v. The other "
        "order moves by the velocity of the step before: nothing at the first step, and always "
        "one gradient late.",
        "momentum",
    ),
    "no-bias-correction": Bug(
        "Adam without bias correction",
        "v and s start at 0 and only slowly fill up: after one step v = (1 − β1)·g and s = "
        "(1 − β2)·g², a tenth and a thousandth of their sizes. Dividing by 1 − β1ᵗ and 1 − β2ᵗ "
        "undoes that pull towards 0; without it the first step is 0.1 / √0.001 ≈ 3.2 times too "
        "large, and the first thousand steps are mis-sized.",
        "adam",
    ),
    "bias-from-zero": Bug(
        "bias correction from t = 0",
        "t is the number of the step being taken, counting from 1: at the first step 1 − β1¹ = 0.1. "
        "Counting from 0 divides by 1 − β1⁰ = 0, and the weights become NaN at once. Add 1 to t "
        "before the correction.",
        "adam",
    ),
    "t-per-parameter": Bug(
        "step count advanced once per parameter",
        "t counts the optimizer's steps, not the parameters it updates: advance it once per call "
        "of step, before the loop over the parameters, not inside it.",
        "adam",
    ),
    "missing-sqrt": Bug(
        "a missing square root",
        "s is a running mean of g²; its square root √ŝ has the size of g, so v̂ / √ŝ is about ±1 and "
        "every weight moves by about lr. Without the root the step grows like 1 / |g|: enormous "
        "for the small gradients.",
        "adam",
    ),
    "eps-inside-sqrt": Bug(
        "ε inside the square root",
        "justnumpy (as PyTorch and the paper) adds ε after the root, √ŝ + ε. √(ŝ + ε) is a variant "
        "some libraries use; it differs where the gradients are small (√ε = 1e-4), which is where "
        "ε matters at all.",
        "adam",
    ),
    "adam-folded": Bug(
        "bias correction folded into the learning rate",
        "lr·√(1 − β2ᵗ) / (1 − β1ᵗ) · v / (√s + ε) is the order of computation Kingma & Ba suggest "
        "for speed; it takes ε uncorrected, so it differs from θ ← θ − lr·v̂ / (√ŝ + ε) where √s is "
        "not far above ε: small gradients, early steps. justnumpy and PyTorch use the form with v̂ and ŝ.",
        "adam",
    ),
    "betas-swapped": Bug(
        "β1 and β2 swapped",
        "β1 = 0.9 belongs to the mean of the gradient, v, which should follow the gradient quickly; "
        "β2 = 0.999 to the mean of its square, s, a slow and steady measure of its size.",
        "adam",
    ),
    "no-one-minus-beta": Bug(
        "(1 − β) missing from the running means",
        "A running mean weighs the new value by 1 − β: v ← β1·v + (1 − β1)·g. Without it v and s "
        "are running sums, 1 / (1 − β) times too large, and the bias correction then over-corrects.",
        "adam",
    ),
    "s-of-g": Bug(
        "s averages g, not g²",
        "s is the running mean of the squared gradient, g² = g * g: always ≥ 0, so that its root "
        "exists. A mean of g can be negative, and √ of a negative number is NaN.",
        "adam",
    ),
}
