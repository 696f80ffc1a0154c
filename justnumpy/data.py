"""MNIST and Fashion-MNIST: find the four IDX files, download them if needed, read them safely.

Where the files come from, first match wins:
  1. `data_dir`, a folder holding the four files of the chosen dataset (`--data-dir`);
  2. `$JUSTNUMPY_DATA/<dataset>/`, a parent folder laid out as `mnist/`, `fashion-mnist/`;
  3. a per-user cache (e.g. ~/.cache/justnumpy/<dataset>/), filled from public mirrors on first use.
Downloads are checked against SHA-256; files you point us at are checked for structure instead,
so a re-compressed copy of the same data still works.

    from justnumpy import data
    X_train, y_train, X_test, y_test = data.load("mnist")   # uint8 (60000, 28, 28), uint8 (60000,), ...
    X = data.to_inputs(X_train)                              # float32 (60000, 784) in [0, 1]
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path

import numpy as np

from justnumpy.errors import DataError, DataNotFound

FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

# The SHA-256 of each upstream file and the mirrors that serve them byte for byte.
DATASETS: dict[str, dict] = {
    "mnist": {
        "mirrors": [
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
        ],
        "sha256": {
            "train_images": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "train_labels": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "test_images": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "test_labels": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        },
        "classes": [str(d) for d in range(10)],
    },
    "fashion-mnist": {
        "mirrors": [
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        ],
        "sha256": {
            "train_images": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "train_labels": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "test_images": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "test_labels": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        },
        "classes": [
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ],
    },
}

IMAGE_MAGIC, LABEL_MAGIC = 2051, 2049  # 0x00000803 (uint8, 3 dims) and 0x00000801 (uint8, 1 dim)
MAX_ITEMS = 1_000_000  # far above MNIST's 60,000; a header claiming more is corrupt, not big data


def parse_idx(raw: bytes, name: str = "IDX data") -> np.ndarray:
    """Decode one uncompressed IDX file: uint8 images (n, rows, cols) or uint8 labels (n,).

    The header is a big-endian magic number (2051 for images, 2049 for labels), then one
    big-endian uint32 per dimension. Every claim the header makes is checked against the bytes.
    """
    if len(raw) < 8:
        raise DataError(f"{name}: only {len(raw)} bytes, too short for an IDX header")
    magic = int.from_bytes(raw[0:4], "big")
    if magic not in (IMAGE_MAGIC, LABEL_MAGIC):
        raise DataError(
            f"{name}: magic number {magic} is neither {IMAGE_MAGIC} (images) nor {LABEL_MAGIC} (labels)"
        )
    ndim = 3 if magic == IMAGE_MAGIC else 1
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{name}: header cut short ({len(raw)} of {header} bytes)")
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    if not 0 < dims[0] <= MAX_ITEMS:
        raise DataError(f"{name}: header claims {dims[0]} items (expected 1 to {MAX_ITEMS})")
    if ndim == 3 and dims[1:] != [28, 28]:
        raise DataError(f"{name}: images are {dims[1]}x{dims[2]}, expected 28x28")
    expected = header + int(np.prod(dims))
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "has trailing bytes"
        raise DataError(f"{name}: {what}: {len(raw)} bytes, header implies {expected}")
    array = np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)
    if ndim == 1 and array.max() > 9:
        raise DataError(f"{name}: label {int(array.max())} is outside 0..9")
    return array


def read_idx_gz(path: str | os.PathLike) -> np.ndarray:
    """Read a gzip-compressed IDX file; any fault becomes a DataError naming the file."""
    path = Path(path)
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read(MAX_ITEMS * 28 * 28 + 64)  # bounded: a gzip bomb cannot exhaust memory
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder, expected a .gz file") from None
    except PermissionError:
        raise DataError(f"{path}: permission denied") from None
    except (OSError, EOFError, zlib.error) as e:  # gzip.BadGzipFile is an OSError
        raise DataError(f"{path}: not a readable gzip file ({e})") from None
    return parse_idx(raw, name=str(path))


def _check_dataset(dataset: str) -> dict:
    if not isinstance(dataset, str) or dataset not in DATASETS:
        raise DataError(f"unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}")
    return DATASETS[dataset]


def cache_dir(dataset: str) -> Path:
    """The per-user folder where downloads of `dataset` are kept."""
    import pooch  # imported here: only downloads need it

    return Path(pooch.os_cache("justnumpy")) / dataset


def find_dir(dataset: str, data_dir: str | os.PathLike | None = None) -> Path:
    """The folder to read `dataset` from: `data_dir`, else $JUSTNUMPY_DATA/<dataset>, else the cache."""
    _check_dataset(dataset)
    if data_dir is not None:
        return Path(data_dir)
    if os.environ.get("JUSTNUMPY_DATA"):
        return Path(os.environ["JUSTNUMPY_DATA"]) / dataset
    return cache_dir(dataset)


def download(dataset: str = "mnist", progress: bool = False) -> Path:
    """Fetch the four files of `dataset` into the cache, verifying each one's SHA-256.

    Each file is tried at every mirror in turn. pooch writes to a temporary file and renames it
    only after the hash matches (deleting it otherwise), so an interrupted or corrupted download
    never looks complete and a wrong file never stays in the cache.
    """
    import pooch

    pooch.get_logger().setLevel("WARNING")  # its "Downloading data from ..." lines; the bar says it
    spec = _check_dataset(dataset)
    folder = cache_dir(dataset)
    for key, fname in FILES.items():
        failures = []
        for mirror in spec["mirrors"]:
            try:
                pooch.retrieve(
                    mirror + fname,
                    known_hash="sha256:" + spec["sha256"][key],
                    fname=fname,
                    path=folder,
                    progressbar=progress,
                )
                break
            except Exception as e:  # network errors, HTTP errors and hash mismatches alike
                failures.append(f"{mirror}{fname}: {_why_download_failed(e)}")
        else:
            raise DataNotFound(
                f"could not download {fname} of {dataset} ({'; '.join(failures)}). "
                f"If you are offline, put the four files {', '.join(FILES.values())} in a folder "
                f"named {dataset} and set JUSTNUMPY_DATA to the folder that holds it"
            )
    return folder


def _why_download_failed(error: Exception) -> str:
    """A short reason for a failed download; requests' own messages run to several hundred characters."""
    import requests  # pooch downloads with requests

    if isinstance(error, requests.exceptions.HTTPError) and error.response is not None:
        return f"HTTP {error.response.status_code}"
    if isinstance(error, requests.exceptions.Timeout):
        return "timed out"
    if isinstance(error, requests.exceptions.ConnectionError):
        return "cannot connect (offline?)"
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return "the file's SHA-256 is wrong (deleted)" if "hash" in text.lower() else text


def load(
    dataset: str = "mnist",
    data_dir: str | os.PathLike | None = None,
    allow_download: bool = True,
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return (X_train, y_train, X_test, y_test) as uint8 arrays: images (n, 28, 28), labels (n,).

    Files are looked for as `find_dir` says; the cache is filled by `download` when it is empty.
    Folders given by the user are only checked for structure, never silently downloaded into.
    """
    folder = find_dir(dataset, data_dir)
    paths = {key: folder / fname for key, fname in FILES.items()}
    from_cache = data_dir is None and not os.environ.get("JUSTNUMPY_DATA")
    if from_cache and allow_download and not all(p.exists() for p in paths.values()):
        download(dataset, progress=progress)
    if not from_cache and not folder.is_dir():
        what = "is not a folder" if folder.exists() else "no such folder"
        raise DataNotFound(f"{folder}: {what}; it should hold the four {dataset} IDX .gz files")
    missing = [p.name for p in paths.values() if not p.exists()]
    if missing:
        raise DataNotFound(
            f"{folder}: missing {', '.join(missing)}; put the four {dataset} IDX .gz files there"
        )
    arrays = {key: read_idx_gz(path) for key, path in paths.items()}
    for split in ("train", "test"):
        images, labels = arrays[split + "_images"], arrays[split + "_labels"]
        if images.ndim != 3 or labels.ndim != 1:
            raise DataError(f"{folder}: {split} images and labels files are swapped or mislabelled")
        if len(images) != len(labels):
            raise DataError(f"{folder}: {len(images)} {split} images but {len(labels)} {split} labels")
    return arrays["train_images"], arrays["train_labels"], arrays["test_images"], arrays["test_labels"]


def to_inputs(images: np.ndarray, dtype: type = np.float32, out: np.ndarray | None = None) -> np.ndarray:
    """uint8 images (n, 28, 28) or pixel rows (n, 784) → the network's input rows (n, 784) in [0, 1].

    Images that are inputs already (floats, e.g. distorted ones) keep their values, as `dtype`.
    With `out` (an (n, 784) array of `dtype`), the rows are written there instead of a new array.
    """
    # Dividing by 255 puts pixels on the same scale as the He-initialised weights expect;
    # raw 0..255 values would make the first logits ~255× too large. One ufunc call converts and
    # divides in a single pass (uint8 → dtype is exact, so this equals astype(dtype) / 255).
    rows = images.reshape(len(images), math.prod(images.shape[1:]))  # (n, 784); fine for n = 0 too
    if images.dtype != np.uint8:  # inputs already: their values stay
        if out is None:
            return rows.astype(dtype)
        out[...] = rows
        return out
    return np.divide(rows, np.asarray(255, dtype=dtype), out=out, dtype=dtype)


def class_names(dataset: str) -> list[str]:
    """Human names of the ten classes of `dataset`."""
    return list(_check_dataset(dataset)["classes"])
