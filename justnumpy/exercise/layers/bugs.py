"""The classic mistakes in layers and their stacking that `justnumpy check` can name, each with why.

The layers' check also names mistakes of the network exercise's list (justnumpy/exercise/bugs.py)
where they are the same mistake: a bias not added, a bias gradient summed over everything, a
missing ReLU mask, weights initialised too large, inputs changed in place, ...
"""

from __future__ import annotations

from justnumpy.exercise.bugs import Bug

BUGS: dict[str, Bug] = {
    "layers-transposed": Bug(
        "a wrong transpose",
        "Every gradient has the shape of what it is the gradient of, and a product (a × k)(k × b) "
        "needs the inner sizes to agree, so the shapes leave one way to write each: with A "
        "(m, n_in), W (n_in, n_out) and dZ (m, n_out), dW = Aᵀ·dZ is (n_in × m)(m × n_out) and "
        "dA = dZ·Wᵀ is (m × n_out)(n_out × n_in).",
        "any-depth",
    ),
    "not-passed-down": Bug(
        "the gradient not passed down to the layer below",
        "Each layer hands the layer below it dA = dZ·Wᵀ, the gradient with respect to its inputs, "
        "and the layer below turns it into its own dZ through its activation's slope. A layer that "
        "keeps the gradient from above, or returns no dA, leaves every layer below it learning "
        "from the wrong error.",
        "any-depth",
    ),
    "relu-mask-from-dA": Bug(
        "ReLU's mask taken from the gradient",
        "ReLU's slope depends on its input: 1 where Z > 0, 0 elsewhere, so dZ = dA ⊙ [Z > 0]. The "
        "sign of dA says which way the loss wants the output to move, not whether the unit fired.",
        "the-activations-slopes",
    ),
    "sigmoid-slope-from-Z": Bug(
        "sigmoid's slope taken from Z instead of σ(Z)",
        "σ'(Z) = σ(Z)·(1 − σ(Z)): the formula is in the output A = σ(Z), not in the input. "
        "Z·(1 − Z) is the same expression with Z put where A belongs; keep A as the cache.",
        "the-activations-slopes",
    ),
    "sigmoid-slope-sigma": Bug(
        "sigmoid's slope taken as σ(Z)",
        "The slope of σ is σ·(1 − σ), at most ¼ (at Z = 0); σ alone is the function, not its slope.",
        "the-activations-slopes",
    ),
    "sigmoid-overflow": Bug(
        "sigmoid that overflows",
        "e^Z / (1 + e^Z) is σ(Z) on paper, but for Z above about 709 (89 in float32) e^Z is inf and "
        "inf / inf is NaN. 1 / (1 + e^−Z) only overflows to 1 / inf = 0, the right limit, and "
        "½·(1 + tanh(Z/2)) never overflows.",
        "the-activations-slopes",
    ),
    "tanh-slope-from-Z": Bug(
        "tanh's slope taken as 1 − Z²",
        "tanh'(Z) = 1 − tanh(Z)²: the square of the output A = tanh(Z), not of the input. 1 − Z² is "
        "negative once |Z| > 1, and sends the gradient the wrong way.",
        "the-activations-slopes",
    ),
    "tanh-slope-no-square": Bug(
        "tanh's slope taken as 1 − tanh",
        "tanh'(Z) = 1 − tanh(Z)², with the square: A·A or A**2.",
        "the-activations-slopes",
    ),
    "activation-after-last": Bug(
        "an activation after the last layer",
        "The last layer's scores go straight into softmax: AL = softmax(ZL). An activation "
        "before it (ReLU, say) clips or squashes the scores, so softmax can no longer give any "
        "class a probability near 1, and the output gradient (AL − Y) / m no longer fits.",
        "any-depth",
    ),
    "hidden-activation-missing": Bug(
        "a hidden layer without its activation",
        "Each hidden layer is Al = f(Zl). Without f, the layer is a plain matrix product, and two "
        "products in a row are one product: the layers above and below it merge into one.",
        "any-depth",
    ),
    "activation-slope-skipped": Bug(
        "the activation's slope skipped on the way down",
        "The gradient a layer passes down is dA; the layer below needs dZ = dA ⊙ f'(Z), through "
        "its activation's slope, before its own linear_backward.",
        "any-depth",
    ),
    "slope-at-output": Bug(
        "an activation's slope at the output layer",
        "The output layer has no activation: softmax and the cross-entropy together give "
        "dZL = (AL − Y) / m as it is. The activation's slope belongs to the hidden layers only.",
        "any-depth",
    ),
    "wrong-layer-cache": Bug(
        "a cache taken from the wrong layer",
        "Layer l's activation slope needs layer l's own cache: on the way down from layer l + 1, "
        "the dA that linear_backward returns belongs to layer l, and so must the cache it goes "
        "through. Count the layers on paper: the output layer, L, has no activation cache.",
        "any-depth",
    ),
    "grads-misnumbered": Bug(
        "gradients numbered one layer off",
        "dWl is the gradient of Wl and has its shape: the loop from the top down handles layer l "
        "in the step it computes dWl and dbl.",
        "any-depth",
    ),
}
