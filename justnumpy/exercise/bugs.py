"""The classic mistakes `justnumpy check` can name, each with why it is wrong and where to read up.

A check that recognises one of these in the numbers (a ratio, a shape, a sign, which parameters
are off) reports its id; the text a learner sees is the title, the facts the check measured, the
`why` below and a link to the section of docs/math.md that derives the right formula.
"""

from __future__ import annotations

from dataclasses import dataclass

MATH = "docs/math.md"


@dataclass(frozen=True)
class Bug:
    """One classic mistake: a short name, why it is wrong, and the section of docs/math.md to read."""

    title: str
    why: str
    section: str

    @property
    def read(self) -> str:
        """Where the right formula is derived, as a path a learner can open."""
        return f"{MATH}#{self.section}"


BUGS: dict[str, Bug] = {
    "init-too-large": Bug(
        "weights initialised too large",
        "With weights this large the hidden sums and the scores start in the tens or hundreds, "
        "softmax gives one class almost everything, and the first steps are huge or stall. Scale "
        "N(0, 1) draws by √(2 / fan_in).",
        "he-initialisation",
    ),
    "init-too-small": Bug(
        "weights initialised too small",
        "With weights this small the signal shrinks layer after layer, the scores start near 0 and "
        "the gradients that reach W1 are tiny: training crawls. Scale N(0, 1) draws by √(2 / fan_in).",
        "he-initialisation",
    ),
    "init-symmetric": Bug(
        "all weights equal",
        "If every weight starts the same, every hidden unit computes the same thing, gets the same "
        "gradient and stays a copy of the others forever. Draw the weights at random.",
        "he-initialisation",
    ),
    "float32-inside": Bug(
        "float64 turned into float32",
        "The check hands your functions float64 arrays to measure gradients exactly; the result "
        "came back in float32. Let NumPy keep the dtype of the inputs (no astype(np.float32) or "
        "dtype=np.float32 inside forward or backward; np.zeros_like(A) keeps A's dtype).",
        "notation-and-shapes",
    ),
    "relu-missing": Bug(
        "ReLU missing",
        "A1 = max(0, Z1): without it the hidden layer is linear and the two layers together are "
        "no better than one.",
        "forward-pass",
    ),
    "bias-missing": Bug(
        "bias not added",
        "Each layer adds its bias after the product: Z1 = X·W1 + b1 and Z2 = A1·W2 + b2.",
        "forward-pass",
    ),
    "softmax-wrong-axis": Bug(
        "softmax normalised the wrong way",
        "Each row of A2 is one example's ten probabilities, so each row must sum to 1: divide by "
        "E.sum(axis=1, keepdims=True), the sum of each row.",
        "softmax",
    ),
    "unstable-softmax": Bug(
        "softmax without the max-subtraction",
        "exp(z) overflows to inf once z > 709 in float64 (88.7 in float32), and inf / inf is NaN; "
        "when every score is very negative, every exp is 0 and 0 / 0 is NaN. Subtracting each "
        "row's largest score first changes nothing mathematically and keeps every exponent ≤ 0.",
        "softmax",
    ),
    "loss-sum": Bug(
        "loss summed instead of averaged",
        "The loss is the mean over the batch: divide the sum of −log A2[i, y[i]] by m. The sum "
        "grows with the batch size, and so would every gradient.",
        "cross-entropy",
    ),
    "loss-sign": Bug(
        "loss has the wrong sign",
        "log of a probability is ≤ 0; the loss is its negative, −log A2[i, y[i]], so that it is 0 "
        "for a certain right answer and grows as the answer gets worse.",
        "cross-entropy",
    ),
    "loss-all-classes": Bug(
        "loss counts every class, not the true one",
        "Only the probability of the true class enters the loss: A2[np.arange(m), y] picks "
        "A2[i, y[i]] from each row.",
        "cross-entropy",
    ),
    "missing-mean": Bug(
        "missing / m",
        "The loss is the mean over the m examples of the batch, so dZ2 = (A2 − Y) / m. Without "
        "/ m these are the gradients of the sum of the losses: m times too big, and the right "
        "learning rate would change with the batch size.",
        "output-gradient",
    ),
    "double-mean": Bug(
        "divided by m twice",
        "dZ2 = (A2 − Y) / m already carries the 1/m of the mean; dividing again (or averaging "
        "where a sum belongs) makes every gradient m times too small.",
        "output-gradient",
    ),
    "sign": Bug(
        "sign error: the gradient points uphill",
        "dZ2 = A2 − Y (over m): the probability the network gave minus the truth. With Y − A2 "
        "every gradient flips, and gradient descent climbs the loss instead of descending it.",
        "output-gradient",
    ),
    "y-not-subtracted": Bug(
        "the one-hot labels were not subtracted",
        "dZ2 = (A2 − Y) / m: without − Y the gradient pushes every score down, the true class's "
        "too, and never learns which class is right.",
        "output-gradient",
    ),
    "bias-summed-all": Bug(
        "bias gradient summed over everything",
        "A bias has one entry per unit, and each entry was added to every row of the batch, so its "
        "gradient is the column sums: db = dZ.sum(axis=0). np.sum(dZ) without axis adds the "
        "columns together too, and moves every bias by the same amount; for b2 that sum is 0, "
        "because each row of A2 − Y sums to 0, so b2 would never learn.",
        "why-db-sums-over-rows",
    ),
    "bias-keepdims": Bug(
        "bias gradient kept as a (1, n) row",
        "The bias is a vector of shape (n,), so its gradient must be too: dZ.sum(axis=0), without "
        "keepdims=True. Subtracting a (1, n) gradient from an (n,) bias would silently turn the "
        "bias itself into a (1, n) matrix.",
        "why-db-sums-over-rows",
    ),
    "bias-wrong-axis": Bug(
        "bias gradient summed over the wrong axis",
        "sum(axis=1) adds up each row, one number per example; the bias needs one number per unit, "
        "the sum of each column: dZ.sum(axis=0).",
        "why-db-sums-over-rows",
    ),
    "bias-mean": Bug(
        "bias gradient averaged instead of summed",
        "dZ already carries the 1/m of the mean loss, so the bias gradient is the plain column sum "
        "dZ.sum(axis=0); mean(axis=0) divides by m a second time.",
        "why-db-sums-over-rows",
    ),
    "missing-relu-mask": Bug(
        "missing ReLU derivative",
        "A1 = max(0, Z1) has slope 1 where Z1 > 0 and 0 elsewhere, so the error flows back only "
        "through units that fired: dZ1 = dA1 ⊙ [Z1 > 0], i.e. dA1 * (Z1 > 0).",
        "backward-pass",
    ),
    "mask-wrong-layer": Bug(
        "the ReLU mask of the wrong layer",
        "The output layer has softmax, not ReLU: its gradient is dZ2 = (A2 − Y) / m as it is. The "
        "mask [Z1 > 0] belongs to the hidden layer, dZ1 = dA1 ⊙ [Z1 > 0].",
        "backward-pass",
    ),
    "transposed": Bug(
        "a wrong transpose",
        "A product (a × k)(k × b) needs the inner sizes to agree and gives a × b, and every gradient has "
        "the shape of its parameter, so the shapes leave one way to write each product: Z1 = X·W1 is "
        "(m × 784)(784 × H), dW2 = A1ᵀ·dZ2 is (H × m)(m × 10), dA1 = dZ2·W2ᵀ is (m × 10)(10 × H), "
        "dW1 = Xᵀ·dZ1 is (784 × m)(m × H).",
        "backward-pass",
    ),
    "shape-mismatch": Bug(
        "arrays of shapes that do not fit",
        "An element-by-element operation (+, −, *, /) needs two arrays of the same shape (or one "
        "that broadcasts, like a bias row). Write the shape of every array next to it, as "
        "docs/math.md does.",
        "notation-and-shapes",
    ),
    "changes-inputs": Bug(
        "changes its inputs in place",
        "`a = cache['A2']` does not copy: it gives the same array a second name, and `a -= Y` then "
        "changes the cache (and `params[...] -= ...` the weights). The training loop still reads "
        "them afterwards. Compute new arrays (A2 - Y) or copy first (.copy()).",
        "output-gradient",
    ),
    "predict-probabilities": Bug(
        "predict returns probabilities, not labels",
        "predict gives one integer per example: the index of the largest entry of each row, argmax(axis=1).",
        "forward-pass",
    ),
}
