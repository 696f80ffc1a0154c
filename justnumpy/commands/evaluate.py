"""Measure a saved model on a test set: overall and per-class accuracy.

With --not-a-digit, measure instead how well the model tells digits from things that are not
digits (novelty.py), beside the baseline everyone starts from, the top softmax probability:
  - AUROC, MNIST test digits against Fashion-MNIST test clothes (1 = perfectly apart, 0.5 = chance);
  - the share of MNIST test digits flagged, and of Fashion-MNIST test images;
  - the share of 600 MNIST test digits flagged when they come as photo-like PNG/JPEG files (made
    with images.mnist_as_photo, seed 6, as the test suite makes them), and how many it reads right.
The baseline flags an image when its top probability is below the value that 1% of the model's
own validation digits fall below, so both flag about 1% of held-out digits.

examples:
  justnumpy evaluate model.npz
  justnumpy evaluate model.npz --dataset fashion-mnist --data-dir ~/data/fashion
  justnumpy evaluate model.npz --not-a-digit
"""

from __future__ import annotations

import argparse

from justnumpy.commands.options import add_data_options, load_data, load_model_and_test_set

HELP = "test accuracy of a saved model, overall and per class"
PHOTOS, PHOTO_SEED = 600, 6  # the photo-like files of tests/digit/test_digit_predict.py


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `justnumpy evaluate`."""
    p.add_argument("model", help="a .npz model file written by `justnumpy train`")
    add_data_options(p, dataset_default=None)
    what = "measure the not-a-digit detector against the top-probability baseline (MNIST, Fashion-MNIST)"
    p.add_argument("--not-a-digit", action="store_true", help=what)


def run(args: argparse.Namespace) -> int:
    """Print test accuracy and a per-class table (or the not-a-digit measurements)."""
    import numpy as np

    from justnumpy import data

    if args.not_a_digit:
        return not_a_digit(args)
    net, params, _, dataset, X_test, y_test = load_model_and_test_set(args)
    predicted = net.predict(params, data.to_inputs(X_test, dtype=params["W1"].dtype))
    correct = predicted == y_test
    print(f"{args.model}: test accuracy {correct.mean():.2%} on {len(y_test)} {dataset} images")
    for k, name in enumerate(data.class_names(dataset)):
        mask = y_test == k
        print(f"  {k} {name:<12} {correct[mask].mean():7.2%}  ({int(correct[mask].sum())}/{int(mask.sum())})")
    return 0 if np.isfinite(correct.mean()) else 1


def not_a_digit(args: argparse.Namespace) -> int:
    """The detector's AUROC and flag rates beside the top-probability baseline's, as a table."""
    import numpy as np

    from justnumpy import data, model, novelty
    from justnumpy.errors import JustNumpyError
    from justnumpy.files import images, modelfile
    from justnumpy.training.batches import split

    net, params, meta, extra = model.load(args.model)
    detector = modelfile.read_detector(meta, extra, args.model)
    if detector is None:
        raise JustNumpyError(f"{args.model}: has no not-a-digit detector (saved before there was one)")
    if meta.get("dataset", "mnist") != "mnist" or args.dataset not in (None, "mnist"):
        raise JustNumpyError("the not-a-digit measurement needs an MNIST model and MNIST data")
    mnist = load_data("mnist", args)
    own_place = argparse.Namespace(**{**vars(args), "data_dir": None})  # --data-dir is MNIST's folder
    fashion = load_data("fashion-mnist", own_place)
    X_test, F_test = data.to_inputs(mnist[2]), data.to_inputs(fashion[2])
    rng = np.random.default_rng(PHOTO_SEED)  # the same draws, in the same order, as the test suite
    chosen = rng.choice(len(mnist[2]), size=PHOTOS, replace=False)
    photos = []
    for n, i in enumerate(chosen):  # PNG and JPEG in turn, upscaled 3-10×
        file = images.mnist_as_photo(mnist[2][i], rng, "PNG" if n % 2 else "JPEG", int(rng.integers(3, 11)))
        photos.append(images.preprocess(file))
    X_photo = np.stack(photos)  # (600, 784)
    config = meta.get("config", {})
    X_val = split(mnist, config.get("validation_fraction", 0), config.get("seed", 0)).X_val  # the model's own

    def top(X):  # the baseline's score: the top probability, low = "not a digit"
        return model.output(net.forward(params, X)).max(axis=1)

    def score(X):
        return novelty.score(detector, params, X, net)

    low = float(np.quantile(top(X_val), novelty.FLAG_RATE)) if len(X_val) else float("nan")
    threshold = float(detector["threshold"])
    ours, baseline = novelty.auroc(score(F_test), score(X_test)), novelty.auroc(-top(F_test), -top(X_test))
    rows = [("AUROC, MNIST test vs Fashion-MNIST test", f"{ours:.4f}", f"{baseline:.4f}")]
    samples = {
        "MNIST test digits": X_test,
        "Fashion-MNIST test images": F_test,
        f"{PHOTOS} photo-like MNIST test files": X_photo,
    }
    for what, X in samples.items():
        rows.append(
            (f"flagged: {what}", f"{np.mean(score(X) > threshold):.2%}", f"{np.mean(top(X) < low):.2%}")
        )
    print(f"{args.model}: not a digit (threshold {threshold:.4f}) vs top probability (below {low:.4f})")
    width = max(len(r[0]) for r in rows)
    print(f"  {'':<{width}}  {'not a digit':>12}  {'top probability':>16}")
    for what, ours, baseline in rows:
        print(f"  {what:<{width}}  {ours:>12}  {baseline:>16}")
    read = np.mean(net.predict(params, X_photo) == mnist[3][chosen])
    print(f"  the network reads {read:.2%} of the {PHOTOS} photo-like files as the digit they are")
    return 0
