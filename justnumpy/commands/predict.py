"""Read the digit in your own image files (PNG, JPEG, GIF, ...; photos or drawings, any size).

Each image is prepared the way MNIST was (see justnumpy/files/images.py): made grayscale, inverted if the
background is light, cropped to the ink, scaled to 20 px and centred by its centre of mass in 28×28.
--show-input writes that 28×28 (enlarged 10×) as a PNG, to see what the network actually saw.

A model trained by this version also says when an image does not look like a digit at all (a
letter, a scribble, a photo of a shoe), however sure the softmax is: its novelty score is the share
of the image that the training images of the digit it was read as cannot explain (novelty.py), and
above the model's threshold the line says "does not look like a digit". Older model files have no
detector; their answers carry null there.

An image that cannot be read, or holds no digit (blank), gets a `justnumpy: error:` line on stderr;
the others are still classified, and the exit status is 1. With --json, each entry has "path",
"digit", "probabilities" (10), "not_a_digit" (true, false, or null without a detector) and
"novelty_score"; an unreadable image's entry has nulls and an "error" message; with --show-input,
a good image's entry also has "input_png", the file written.

examples:
  justnumpy predict model.npz my-seven.jpg
  justnumpy predict model.npz digits/*.png --json
  justnumpy predict model.npz photo.jpg --show-input seen/
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HELP = "classify digits in image files (PNG, JPEG, ...)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `justnumpy predict`."""
    p.add_argument("model", help="a .npz model file written by `justnumpy train`")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files, one digit each")
    p.add_argument("--json", action="store_true", help="print a JSON list instead of text")
    p.add_argument(
        "--show-input",
        metavar="DIR",
        help="write the 28×28 the network saw, enlarged, to DIR/<name>.input.png",
    )


def run(args: argparse.Namespace) -> int:
    """Classify every image; print the digit, its probability and the top 3 (or JSON)."""
    from justnumpy import model, novelty
    from justnumpy.errors import ImageError
    from justnumpy.files import images, modelfile

    net, params, meta, extra = model.load(args.model)
    detector = modelfile.read_detector(meta, extra, args.model)  # None for files without one
    show_dir = _prepare_folder(args.show_input) if args.show_input else None
    results = []
    for path in args.images:
        try:
            x = images.preprocess(path)  # (784,) in [0, 1]
        except ImageError as e:
            sys.stderr.write(f"justnumpy: error: {e}\n")
            unread = {"digit": None, "probabilities": None, "not_a_digit": None, "novelty_score": None}
            results.append({"path": path, **unread, "error": str(e)})
            continue
        X = x[None, :].astype(params["W1"].dtype)  # (1, 784): a batch of one
        probabilities = model.output(net.forward(params, X))[0]  # (10,): A2, or AL of a deeper network
        score = float(novelty.score(detector, params, X, net)[0]) if detector is not None else None
        flagged = None if score is None else score > float(detector["threshold"])
        digit, probabilities = int(probabilities.argmax()), [float(p) for p in probabilities]
        results.append(
            {
                "path": path,
                "digit": digit,
                "probabilities": probabilities,
                "not_a_digit": flagged,
                "novelty_score": score,
            }
        )
        if show_dir is not None:
            results[-1]["input_png"] = str(_write_new(show_dir, Path(path).stem, images.to_png(x)))
    if args.json:
        print("[\n" + ",\n".join(json.dumps(r) for r in results) + "\n]")  # one image per line
    else:
        for r in results:
            if r["digit"] is not None:
                print(_describe(r, detector))
    return 1 if any(r["digit"] is None for r in results) else 0


def _describe(result: dict, detector: dict | None) -> str:
    """One line: `path: 7 (98.1%)   top 3: 7 98.1%, 1 1.2%, 9 0.3%   [seen: file]`.

    When the image does not look like a digit, the guess is kept and says so:
    `path: 4 (93.1%), but it does not look like a digit (novelty 0.41 > 0.29)   top 3: ...`.
    """
    p = result["probabilities"]
    top = sorted(range(10), key=lambda k: -p[k])[:3]
    line = f"{result['path']}: {result['digit']} ({p[result['digit']]:.1%})"
    if result["not_a_digit"]:
        threshold = float(detector["threshold"])
        line += (
            f", but it does not look like a digit (novelty {result['novelty_score']:.2f} > {threshold:.2f})"
        )
    line += "   top 3: "
    line += ", ".join(f"{k} {p[k]:.1%}" for k in top)
    return line + (f"   seen: {result['input_png']}" if "input_png" in result else "")


def _prepare_folder(folder: str) -> Path:
    from justnumpy.errors import JustNumpyError

    path = Path(folder)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise JustNumpyError(f"{folder}: cannot create the --show-input folder ({e.strerror or e})") from None
    return path


def _write_new(folder: Path, stem: str, png: bytes) -> Path:
    """Write png to folder/<stem>.input.png, or <stem>.input-2.png, ...: never over an existing file."""
    from justnumpy.errors import JustNumpyError

    for n in range(1, 10_000):
        target = folder / (f"{stem}.input.png" if n == 1 else f"{stem}.input-{n}.png")
        try:
            with open(target, "xb") as f:  # "x": fails if the file exists, so nothing is overwritten
                f.write(png)
            return target
        except FileExistsError:
            continue
        except OSError as e:
            raise JustNumpyError(f"{target}: cannot write ({e.strerror or e})") from None
    raise JustNumpyError(f"{folder}: too many {stem}.input-N.png files already")
