"""Model files: round trip, atomic writes, and refusal of anything that is not a model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from justnumpy import network
from justnumpy.errors import ModelFileError
from justnumpy.files import modelfile


def saved(tmp_path, **changes):
    params = network.init_params(n_hidden=12, seed=5)
    params.update(changes)
    path = tmp_path / "m.npz"
    arrays = {**params, "meta": np.array(json.dumps({"format_version": 1}))}
    np.savez(path, **arrays)
    return path


def test_round_trip(tmp_path):
    params = network.init_params(n_hidden=12, seed=5)
    path = tmp_path / "m.npz"
    modelfile.save(path, params, {"dataset": "mnist", "history": {"loss": [1.0]}}, {"opt_v_W1": params["W1"]})
    loaded, meta, extra = modelfile.load(path)
    for k in params:
        np.testing.assert_array_equal(loaded[k], params[k])
        assert loaded[k].dtype == params[k].dtype
    assert meta["dataset"] == "mnist" and meta["format_version"] == modelfile.FORMAT_VERSION
    np.testing.assert_array_equal(extra["opt_v_W1"], params["W1"])
    with np.load(path, allow_pickle=False) as npz:  # readable by anyone with plain NumPy
        assert json.loads(str(npz["meta"]))["history"] == {"loss": [1.0]}
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]  # no temporary file left behind


def test_full_disk_keeps_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    import errno

    params = network.init_params(n_hidden=4)
    path = tmp_path / "m.npz"
    modelfile.save(path, params, {"run": 1})
    before = path.read_bytes()

    def disk_full(file, **arrays):
        file.write(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", disk_full)
    with pytest.raises(ModelFileError, match="No space left on device"):
        modelfile.save(path, params, {"run": 2})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_unwritable_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ModelFileError, match="cannot write"):
        modelfile.save(tmp_path / "no" / "such" / "m.npz", network.init_params(n_hidden=4), {})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"W1": np.zeros((784, 12), dtype=np.int32)}, "dtype int32"),
        ({"W2": np.zeros((11, 10), dtype=np.float32)}, r"W2 has shape \(11, 10\)"),
        ({"b1": np.full(12, np.nan, dtype=np.float32)}, "NaN"),
        ({"W1": np.zeros((100, 12), dtype=np.float32)}, r"W1 has shape"),
    ],
)
def test_bad_arrays_are_rejected(tmp_path, changes, message):
    with pytest.raises(ModelFileError, match=message):
        modelfile.load(saved(tmp_path, **changes))


def test_pickled_object_array_is_never_loaded(tmp_path):
    with pytest.raises(ModelFileError, match="pickled"):
        modelfile.load(saved(tmp_path, W1=np.array([{"x": 1}], dtype=object)))


def test_not_a_model(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"PK\x03\x04 nonsense")
    with pytest.raises(ModelFileError, match="junk.npz"):
        modelfile.load(junk)
    with pytest.raises(ModelFileError, match="no such model file"):
        modelfile.load(tmp_path / "absent.npz")
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(ModelFileError, match="missing W1, b1, meta"):
        modelfile.load(tmp_path / "other.npz")


def test_newer_format_version_is_refused(tmp_path):
    params = network.init_params(n_hidden=4)
    np.savez(tmp_path / "new.npz", **params, meta=np.array(json.dumps({"format_version": 99})))
    with pytest.raises(ModelFileError, match="format version 99 is newer"):
        modelfile.load(tmp_path / "new.npz")
