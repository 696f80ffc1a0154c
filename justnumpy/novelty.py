"""Does it look like a digit at all? A score the softmax cannot give, in NumPy only.

Why the softmax is always sure. A2 = softmax(Z2) turns any ten numbers into ten probabilities
that sum to 1: the network was only ever asked "which of 0–9?", so a letter, a scribble or a shoe
still gets an answer, often a confident one. A large top probability says that one logit is far
ahead of the others, not that the input resembles anything the network was trained on.

What this score measures. The training images of each digit c have a mean image m_c and a few
main ways of varying around it: the top K principal components of their covariance, the columns
of V_c. Nearly every c in the training set is m_c plus a mix of those K directions. For an input x
that the network reads as c:

    r  = x − m_c                  (784,)  x seen from the average c
    r̂  = V_c · (V_cᵀ · r)         (784,)  the part of r that a mix of the K directions rebuilds
    score = ‖r − r̂‖² / ‖r‖²       in [0, 1]: the share of r that no mix of them explains

A real c leaves little unexplained; three crossed strokes that the network calls 4 leave much more,
because no 4 in the training set varies that way. The threshold is the score that about 1% of real
digits held out from the fit exceed, so that about 1 honest digit in 100 is flagged. What it
cannot do: a shape that is drawn like a digit (an O, an S, an A drawn like an open 4) leaves
little unexplained, so it passes.

Shapes: X (n, 784) inputs in [0, 1] as data.to_inputs makes them; a detector is a dict of
    mean (10, 784)  basis (10, 784, K)  threshold () — float32 arrays.

    from justnumpy import novelty
    detector = novelty.fit(params, X_train, y_train, X_val)   # uint8 pixel rows or inputs
    novelty.score(detector, params, X)                        # (n,) in [0, 1]
    novelty.flag(detector, params, X)                         # (n,) True: "not a digit"

Every function takes the `net` that computes params (network.py by default, an mlp.Net for
other depths): the digit it reads chooses whose directions judge an input.

`auroc` measures how well a score separates two samples (the docs' numbers use it).
"""

from __future__ import annotations

import numpy as np

from justnumpy import data, model, network
from justnumpy.model import Net

COMPONENTS = 60  # K: chosen on validation data (held-out MNIST training images vs Fashion-MNIST training)
FLAG_RATE = 0.01  # the share of real held-out digits the threshold flags
ROWS_PER_DIGIT = 500  # training images per digit that make its directions (a seeded choice)
THRESHOLD_ROWS = 5_000  # held-out rows for the threshold when the caller has none


def fit(
    params: network.Params,
    X: np.ndarray,
    y: np.ndarray,
    X_held: np.ndarray | None = None,
    seed: int = 0,
    components: int = COMPONENTS,
    flag_rate: float = FLAG_RATE,
    net: Net = network,
) -> dict[str, np.ndarray]:
    """Fit each digit's mean and main directions on training rows; choose the threshold on held-out ones.

    X (n, 784) and y (n,) are training rows, uint8 pixels or inputs in [0, 1], and their labels;
    ROWS_PER_DIGIT of each digit, a seeded choice, make the directions. X_held are real digits
    none of those rows include (a validation split); without it, up to THRESHOLD_ROWS other
    training rows are held out instead.
    """
    n_in, *_, n_classes = model.sizes(params)
    if X.ndim != 2 or X.shape[1] != n_in or len(y) != len(X):
        raise ValueError(f"fit needs rows (n, {n_in}) and n labels; got {X.shape} and {np.shape(y)}")
    order = np.random.default_rng([seed, 3]).permutation(len(X))  # (n,) a random order of the rows
    if len(X) == 0:
        raise ValueError("fit needs at least one training row")
    if X_held is None or len(X_held) == 0:
        n_held = min(THRESHOLD_ROWS, len(X) // 3)
        # With fewer than 3 rows none can be spared: the threshold is then judged on the fit rows.
        X_held, order = (X[np.sort(order[:n_held])], order[n_held:]) if n_held else (X, order)
    mean = np.zeros((n_classes, n_in), dtype=np.float32)
    basis = np.zeros((n_classes, n_in, components), dtype=np.float32)  # zero columns explain nothing
    for c in range(n_classes):
        rows = order[y[order] == c][:ROWS_PER_DIGIT]  # up to 500 random training images of digit c
        if len(rows) == 0:
            continue  # no examples: mean 0 and no directions, so every input read as c is flagged
        Xc = data.to_inputs(X[np.sort(rows)])  # (n_c, 784) in [0, 1]
        mean[c] = Xc.mean(axis=0)
        basis[c] = main_directions(Xc - mean[c], components)
    detector = {"mean": mean, "basis": basis, "threshold": np.array(np.inf, dtype=np.float32)}
    held = score(detector, params, data.to_inputs(X_held), net)  # (n_held,)
    detector["threshold"] = np.array(np.quantile(held, 1 - flag_rate), dtype=np.float32)
    return detector


def main_directions(D: np.ndarray, k: int) -> np.ndarray:
    """The k main directions (784, k) of centred rows D (n, 784): top eigenvectors of their covariance.

    The covariance DᵀD is 784 × 784, but with n < 784 rows the n × n matrix G = D·Dᵀ has the same
    nonzero eigenvalues λ, and for each eigenvector u of G, v = Dᵀu / √λ is a unit eigenvector of
    DᵀD (DᵀD·Dᵀu = Dᵀ·Gu = λ·Dᵀu). This is the trick of "eigenfaces" (Turk and Pentland, 1991):
    a 500 × 500 eigenproblem instead of 784 × 784. Directions beyond n − 1 stay zero columns.
    """
    D = D.astype(np.float64)  # (n, 784); float64 for the eigensolver
    eigenvalues, U = np.linalg.eigh(D @ D.T)  # (n,) ascending, (n, n) columns are the u
    keep = np.argsort(eigenvalues)[::-1][:k]  # the k largest
    keep = keep[eigenvalues[keep] > 1e-9 * max(float(eigenvalues.max()), 1e-30)]  # drop λ ≈ 0: no direction
    directions = np.zeros((D.shape[1], k), dtype=np.float32)
    directions[:, : len(keep)] = (D.T @ U[:, keep]) / np.sqrt(eigenvalues[keep])  # (784, ≤k) unit columns
    return directions


def score(
    detector: dict[str, np.ndarray], params: network.Params, X: np.ndarray, net: Net = network
) -> np.ndarray:
    """The share of each input (n, 784) that its predicted digit's main directions leave unexplained: (n,)."""
    X = np.asarray(X, dtype=np.float32)
    guess = net.predict(params, X)  # (n,): the digit the network reads
    scores = np.zeros(len(X), dtype=np.float32)
    for c in np.unique(guess):
        rows = guess == c
        r = X[rows] - detector["mean"][c]  # (n_c, 784): each input seen from the average c
        V = detector["basis"][c]  # (784, K)
        unexplained = r - (r @ V) @ V.T  # (n_c, 784): what no mix of the K directions rebuilds
        total = (r * r).sum(axis=1)  # (n_c,) ‖r‖²
        # an input equal to the mean (‖r‖ = 0) is perfectly explained: score 0, not 0/0
        left = (unexplained * unexplained).sum(axis=1)  # (n_c,) ‖r − r̂‖²
        scores[rows] = np.divide(left, total, out=np.zeros_like(total), where=total > 0)
    return scores


def flag(
    detector: dict[str, np.ndarray], params: network.Params, X: np.ndarray, net: Net = network
) -> np.ndarray:
    """(n,) bool: True where the input does not look like a digit (score above the threshold)."""
    return score(detector, params, X, net) > detector["threshold"]


def auroc(positive: np.ndarray, negative: np.ndarray) -> float:
    """Area under the ROC curve: the chance that a random `positive` scores above a random `negative`.

    1 separates them perfectly, 0.5 is a coin toss. Computed from ranks (the Mann–Whitney U
    statistic): sort all scores together, and each positive counts the negatives below it; ties
    count one half, which the average rank of a tied group does.
    """
    positive, negative = np.asarray(positive, np.float64), np.asarray(negative, np.float64)
    both = np.concatenate([positive, negative])  # (p + q,)
    _, group, counts = np.unique(both, return_inverse=True, return_counts=True)  # ties share a group
    first_rank = np.cumsum(counts) - counts + 1  # the rank (from 1) where each group of equal scores starts
    rank = (first_rank + (counts - 1) / 2)[group]  # (p + q,): the group's average rank
    p, q = len(positive), len(negative)
    u = rank[:p].sum() - p * (p + 1) / 2  # how many (positive, negative) pairs the positive wins
    return float(u / (p * q))
