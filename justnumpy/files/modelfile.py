"""Model files: one `.npz` holding W1 b1 ... WL bL, a JSON `meta` entry, and any training state.

The format is plain NumPy arrays, readable anywhere with `np.load(path, allow_pickle=False)`:

    W1 (784, n_1)  b1 (n_1,)  ...  WL (n_{L−1}, 10)  bL (10,)
                                                float32 weights, L layers (L = 2: W1 b1 W2 b2)
    meta                                        0-d unicode array holding a JSON object:
                                                format_version, dataset, sizes, activation, loss,
                                                config, history, ... (files without sizes,
                                                activation and loss are ReLU and cross-entropy)
    opt_<name>                                  optimizer state (momentum/Adam buffers), if saved
    novelty_mean (10, 784)  novelty_basis (10, 784, K)
                                                the "not a digit" detector (novelty.py), if fitted;
                                                its threshold is meta["novelty"]["threshold"]

Nothing is ever unpickled: a file that needs pickle to load is rejected. Saving is atomic (a
temporary file in the same folder, fsync, rename), so a crash or a kill at any moment leaves
either the old file or the new one, never half of one. A kill can leave the temporary file
(`.model.npz.<random>.tmp`) behind; the next save to the same path removes such leftovers once
they are a minute old, so that a save still running in another process is never disturbed.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from justnumpy.data import DATASETS
from justnumpy.errors import ModelFileError
from justnumpy.layers import ACTIVATIONS, LOSSES

FORMAT_VERSION = 2  # 2: momentum stores its velocity v (opt_v_*); 1 kept lr·v, still readable as a model
PARAM_PATTERN = re.compile(r"[Wb][1-9][0-9]*")  # W1 b1 ... WL bL: the parameters, whatever the depth
MAX_LAYERS = 32  # more weight matrices than this is a damaged or hostile file, not a network
OPT_PREFIX = "opt_"
NOVELTY_PREFIX = "novelty_"
MAX_BYTES = 2**31  # 2 GiB of arrays ≈ 680,000 hidden units; more is a corrupt or hostile file
STALE_SECONDS = 60  # a save takes well under a second; an older temporary file is a killed save's


def save(
    path: str | os.PathLike,
    params: dict[str, np.ndarray],
    meta: dict[str, Any],
    extra: dict[str, np.ndarray] | None = None,
) -> None:
    """Write params, `meta` (JSON-able) and `extra` arrays to `path` atomically."""
    path = Path(path)
    arrays = {name: params[name] for name in params if PARAM_PATTERN.fullmatch(name)}
    arrays.update(extra or {})
    meta = {"format_version": FORMAT_VERSION, **meta}
    arrays["meta"] = np.array(json.dumps(meta))
    folder = path.parent if str(path.parent) else Path(".")
    tmp_name = None
    try:
        _remove_stale_temporaries(path)
        with tempfile.NamedTemporaryFile(
            dir=folder, prefix=f".{path.name}.", suffix=".tmp", delete=False
        ) as f:
            tmp_name = f.name
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the name points at them
        os.replace(tmp_name, path)  # atomic on POSIX and Windows: readers see old or new, never a mix
        tmp_name = None
        _fsync_folder(folder)  # make the rename itself survive a power cut
    except OSError as e:
        raise ModelFileError(f"{path}: cannot write model file ({e.strerror or e})") from None
    finally:
        if tmp_name is not None:
            Path(tmp_name).unlink(missing_ok=True)


def _remove_stale_temporaries(path: Path) -> None:
    """Delete `.name.XXXXXXXX.tmp` files that a killed save of `path` left behind."""
    # Exactly the names NamedTemporaryFile makes for this path (8 random [a-z0-9_]), nothing else.
    pattern = re.compile(re.escape(f".{path.name}.") + r"[a-z0-9_]{8}\.tmp")
    for leftover in path.parent.glob(f".{glob_escape(path.name)}.*.tmp"):
        try:
            if pattern.fullmatch(leftover.name) and time.time() - leftover.stat().st_mtime > STALE_SECONDS:
                leftover.unlink()
        except OSError:
            pass  # gone already, or not ours to delete: leaving it is always safe


def glob_escape(name: str) -> str:
    """`name` with glob's special characters escaped, so Path.glob matches it literally."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def check_writable(path: str | os.PathLike) -> None:
    """Raise ModelFileError unless a model can be saved at `path` without destroying anything.

    The folder must exist and accept a new file, and `path` must be absent or hold a justnumpy
    model (which is replaced). Any other file, say a photo.npz or notes.txt, is refused, so that a
    typo in a file name never overwrites a user's file.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ModelFileError(f"{path}: is a folder; give a file name such as {path / 'model.npz'}")
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ModelFileError(f"{path}: cannot write model file: {folder} {what}")
    if path.exists():
        try:
            load(path)
        except ModelFileError as e:
            raise ModelFileError(
                f"{path}: exists and is not a justnumpy model, so it is not overwritten "
                f"({str(e).removeprefix(f'{path}: ')}); move it or choose another name"
            ) from None
    try:  # the one sure test of writability (root ignores permission bits, mounts may be read-only)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{path.name}.", suffix=".tmp"):
            pass
    except OSError as e:
        raise ModelFileError(f"{path}: cannot write model file ({e.strerror or e})") from None


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # some systems cannot open folders; the rename is still atomic there
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict[str, Any], dict[str, np.ndarray]]:
    """Read a model file: (params, meta, extra arrays). Anything unusable raises ModelFileError."""
    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"{path}: no such model file")
    if not path.is_file():
        raise ModelFileError(f"{path}: is not a file")
    try:
        # np.load guesses the format from the first bytes; only a zip archive (.npz) is a model.
        with open(path, "rb") as f:  # ours to close, even when np.load fails half-way
            if f.read(4) not in (b"PK\x03\x04", b"PK\x05\x06"):
                raise ModelFileError(f"{path}: not a .npz model file (it is not a zip archive)")
            f.seek(0)
            with np.load(f, allow_pickle=False) as npz:
                _check_sizes(path, npz.zip)
                arrays = {name: npz[name] for name in npz.files}
    except ModelFileError:
        raise
    except PermissionError:
        raise ModelFileError(f"{path}: permission denied") from None
    except MemoryError:
        raise ModelFileError(
            f"{path}: corrupt model file (an array claims more memory than there is)"
        ) from None
    except ValueError as e:
        if "pickle" in str(e).lower():
            raise ModelFileError(f"{path}: holds pickled objects, which are never loaded") from None
        raise ModelFileError(f"{path}: not a justnumpy model file ({e})") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError) as e:
        raise ModelFileError(f"{path}: not a readable .npz model file ({e})") from None
    except Exception as e:  # a corrupt zip can fail deep inside zipfile/zlib in many ways
        raise ModelFileError(f"{path}: corrupt model file ({type(e).__name__}: {e})") from None
    missing = [name for name in ("W1", "b1", "meta") if name not in arrays]
    if missing:
        raise ModelFileError(f"{path}: missing {', '.join(missing)}; not a justnumpy model file")
    meta = _read_meta(path, arrays.pop("meta"))
    params = {
        name: arrays.pop(name) for name in sorted(arrays, key=_layer_order) if PARAM_PATTERN.fullmatch(name)
    }
    check_params(params, str(path))
    return params, meta, arrays


def _check_sizes(path: Path, archive: zipfile.ZipFile) -> None:
    # The zip directory states each member's size, and zipfile never yields more than that: capping
    # the sum bounds the memory a hostile file (a "zip bomb") can make us use.
    total = sum(info.file_size for info in archive.infolist())
    if total > MAX_BYTES:
        raise ModelFileError(f"{path}: holds {total:,} bytes of arrays, more than any justnumpy model")


def _read_meta(path: Path, raw: np.ndarray) -> dict[str, Any]:
    if raw.shape != () or raw.dtype.kind != "U":
        raise ModelFileError(f"{path}: 'meta' must be a JSON text, found a {raw.dtype} array")
    try:
        meta = json.loads(str(raw))
    except (ValueError, RecursionError) as e:
        raise ModelFileError(f"{path}: 'meta' is not valid JSON ({e})") from None
    if not isinstance(meta, dict):
        raise ModelFileError(f"{path}: 'meta' must be a JSON object")
    version = meta.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ModelFileError(f"{path}: 'meta' has no integer format_version")
    if version < 1:
        raise ModelFileError(f"{path}: format version {version} does not exist")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: format version {version} is newer than this justnumpy reads ({FORMAT_VERSION}); "
            "upgrade justnumpy"
        )
    dataset = meta.get("dataset", "mnist")
    if not isinstance(dataset, str) or dataset not in DATASETS:
        raise ModelFileError(f"{path}: 'meta' names an unknown dataset ({meta['dataset']!r})")
    for key, choices in (("activation", ACTIVATIONS), ("loss", LOSSES)):
        if meta.get(key, next(iter(choices))) not in choices:
            raise ModelFileError(f"{path}: 'meta' names an unknown {key} ({meta[key]!r})")
    history = meta.get("history", {})
    if not (isinstance(history, dict) and all(isinstance(v, list) for v in history.values())):
        raise ModelFileError(f"{path}: 'meta' history is not a table of per-epoch lists")
    return meta


def _layer_order(name: str) -> tuple[int, str]:
    """W1 b1 W2 b2 ...: by layer number, then W before b."""
    return (int(name[1:]), "Wb".index(name[0])) if PARAM_PATTERN.fullmatch(name) else (0, name)


def check_params(params: dict[str, np.ndarray], name: str = "model") -> None:
    """Raise ModelFileError unless params are W1 b1 ... WL bL: finite floats, shapes that chain 784 to 10."""
    L = sum(1 for key in params if key.startswith("W"))
    expected = [f"{w}{l}" for l in range(1, L + 1) for w in "Wb"]
    if not 1 <= L <= MAX_LAYERS or sorted(params, key=_layer_order) != expected:
        found = " ".join(sorted(params, key=_layer_order))
        raise ModelFileError(
            f"{name}: its weights are {found}; expected W1 b1 ... WL bL, 1 to {MAX_LAYERS} layers"
        )
    for key in expected:
        if params[key].dtype not in (np.float32, np.float64):
            raise ModelFileError(f"{name}: {key} has dtype {params[key].dtype}, expected float32 or float64")
    n_in = 784  # every layer's inputs are the previous layer's outputs, starting from the pixels
    for l in range(1, L + 1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        n_out = 10 if l == L else (W.shape[1] if W.ndim == 2 else 0)
        what = "10" if l == L else f"n_{l}"
        if W.ndim != 2 or W.shape != (n_in, n_out) or n_out < 1:
            raise ModelFileError(f"{name}: W{l} has shape {W.shape}, expected ({n_in}, {what})")
        if b.shape != (n_out,):
            raise ModelFileError(f"{name}: b{l} has shape {b.shape}, expected ({n_out},)")
        n_in = n_out
    for key in expected:
        if not np.isfinite(params[key]).all():
            raise ModelFileError(f"{name}: {key} contains NaN or infinite values")


def detector_entries(detector: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """A novelty detector as model-file arrays (novelty_mean, novelty_basis) and its meta entry."""
    arrays = {NOVELTY_PREFIX + k: detector[k] for k in ("mean", "basis")}
    return arrays, {"threshold": float(detector["threshold"])}


def read_detector(meta: dict[str, Any], extra: dict[str, np.ndarray], name: str = "model") -> dict | None:
    """The novelty detector a loaded file holds, or None for files from before it existed.

    Shapes and values are checked as strictly as the weights: a damaged detector is an error,
    not a silent "everything is a digit".
    """
    entry = meta.get("novelty")
    arrays = [k for k in extra if k.startswith(NOVELTY_PREFIX)]
    if entry is None and not arrays:
        return None
    if not isinstance(entry, dict) or set(arrays) != {NOVELTY_PREFIX + "mean", NOVELTY_PREFIX + "basis"}:
        raise ModelFileError(f"{name}: the not-a-digit detector is incomplete (meta and arrays disagree)")
    mean, basis = extra[NOVELTY_PREFIX + "mean"], extra[NOVELTY_PREFIX + "basis"]
    if not (
        mean.dtype == basis.dtype == np.float32
        and mean.shape == (10, 784)
        and basis.ndim == 3
        and basis.shape[:2] == (10, 784)
    ):
        raise ModelFileError(
            f"{name}: the detector's arrays are {mean.dtype} {mean.shape} and {basis.dtype} {basis.shape}, "
            "expected float32 (10, 784) and (10, 784, K)"
        )
    if not (np.isfinite(mean).all() and np.isfinite(basis).all()):
        raise ModelFileError(f"{name}: the detector's arrays contain NaN or infinite values")
    threshold = entry.get("threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 1:
        raise ModelFileError(
            f"{name}: the detector's threshold must be a number in [0, 1], got {threshold!r}"
        )
    return {"mean": mean, "basis": basis, "threshold": np.array(threshold, dtype=np.float32)}
