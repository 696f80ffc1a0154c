"""Model files: one `.npz` holding W1 b1 W2 b2, a JSON `meta` entry, and any training state.

The format is plain NumPy arrays, readable anywhere with `np.load(path, allow_pickle=False)`:

    W1 (784, H)  b1 (H,)  W2 (H, 10)  b2 (10,)   float32 weights
    meta                                        0-d unicode array holding a JSON object:
                                                format_version, dataset, config, history, ...
    opt_<name>                                  optimizer state (momentum/Adam buffers), if saved

Nothing is ever unpickled: a file that needs pickle to load is rejected. Saving is atomic (a
temporary file in the same folder, fsync, rename), so a crash or a kill at any moment leaves
either the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from justnumpy.errors import ModelFileError

FORMAT_VERSION = 1
PARAM_NAMES = ("W1", "b1", "W2", "b2")
OPT_PREFIX = "opt_"


def save(
    path: str | os.PathLike,
    params: dict[str, np.ndarray],
    meta: dict[str, Any],
    extra: dict[str, np.ndarray] | None = None,
) -> None:
    """Write params, `meta` (JSON-able) and `extra` arrays to `path` atomically."""
    path = Path(path)
    arrays = {name: params[name] for name in PARAM_NAMES}
    arrays.update(extra or {})
    meta = {"format_version": FORMAT_VERSION, **meta}
    arrays["meta"] = np.array(json.dumps(meta))
    folder = path.parent if str(path.parent) else Path(".")
    tmp_name = None
    try:
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
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except ValueError as e:
        if "pickle" in str(e).lower():
            raise ModelFileError(f"{path}: holds pickled objects, which are never loaded") from None
        raise ModelFileError(f"{path}: not a justnumpy model file ({e})") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError) as e:
        raise ModelFileError(f"{path}: not a readable .npz model file ({e})") from None
    except Exception as e:  # a corrupt zip can fail deep inside zipfile/zlib in many ways
        raise ModelFileError(f"{path}: corrupt model file ({type(e).__name__}: {e})") from None

    missing = [name for name in (*PARAM_NAMES, "meta") if name not in arrays]
    if missing:
        raise ModelFileError(f"{path}: missing {', '.join(missing)}; not a justnumpy model file")
    meta = _read_meta(path, arrays.pop("meta"))
    params = {name: arrays.pop(name) for name in PARAM_NAMES}
    check_params(params, str(path))
    return params, meta, arrays


def _read_meta(path: Path, raw: np.ndarray) -> dict[str, Any]:
    if raw.shape != () or raw.dtype.kind != "U":
        raise ModelFileError(f"{path}: 'meta' must be a JSON text, found a {raw.dtype} array")
    try:
        meta = json.loads(str(raw))
    except ValueError as e:
        raise ModelFileError(f"{path}: 'meta' is not valid JSON ({e})") from None
    if not isinstance(meta, dict):
        raise ModelFileError(f"{path}: 'meta' must be a JSON object")
    version = meta.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ModelFileError(f"{path}: 'meta' has no integer format_version")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: format version {version} is newer than this justnumpy reads ({FORMAT_VERSION}); "
            "upgrade justnumpy"
        )
    return meta


def check_params(params: dict[str, np.ndarray], name: str = "model") -> None:
    """Raise ModelFileError unless params are four finite float arrays of matching shapes."""
    for key in PARAM_NAMES:
        a = params[key]
        if a.dtype not in (np.float32, np.float64):
            raise ModelFileError(f"{name}: {key} has dtype {a.dtype}, expected float32 or float64")
    W1 = params["W1"]
    if W1.ndim != 2 or W1.shape[0] != 784 or W1.shape[1] < 1:
        raise ModelFileError(f"{name}: W1 has shape {W1.shape}, expected (784, H)")
    H = W1.shape[1]
    expected = {"b1": (H,), "W2": (H, 10), "b2": (10,)}
    for key, shape in expected.items():
        if params[key].shape != shape:
            raise ModelFileError(f"{name}: {key} has shape {params[key].shape}, expected {shape}")
    for key in PARAM_NAMES:
        if not np.isfinite(params[key]).all():
            raise ModelFileError(f"{name}: {key} contains NaN or infinite values")
