"""Fuzzing the readers with random and mutated bytes (hypothesis, a bounded number of examples).

The property everywhere: a reader returns a correct result or raises the project's own error
(a JustNumpyError subclass) whose message names the input. Anything else (a zlib.error, a
MemoryError, a numpy exception, a hang) is a bug the user would see as a traceback.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from justnumpy import data, network, train
from justnumpy.errors import DataError, JustNumpyError, ModelFileError
from justnumpy.files import modelfile
from justnumpy.training import checkpoint
from tests.helpers import make_dataset

FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def idx(array: np.ndarray) -> bytes:
    magic = 2051 if array.ndim == 3 else 2049
    return magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape) + array.tobytes()


def model_bytes(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


PARAMS = network.init_params(n_hidden=4, seed=0)
META = {"format_version": 1, "dataset": "mnist", "epoch": 1}
IMAGES = idx(np.random.default_rng(0).integers(0, 256, (3, 28, 28), dtype=np.uint8))
LABELS = idx(np.array([3, 1, 4, 1, 5], np.uint8))
VALID = {  # the files the mutations start from, by name (so hypothesis reports stay short)
    "images": IMAGES,
    "labels": LABELS,
    "images.gz": gzip.compress(IMAGES),
    "labels.gz": gzip.compress(LABELS),
    "model": model_bytes(**PARAMS, meta=np.array(json.dumps(META))),
}
# Where headers start: gzip's, and in the model the zip's local headers, central directory, end
# record and each .npy header.
SIGNATURES = (b"\x1f\x8b", b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06", b"\x93NUMPY")
ANCHORS = {
    name: [i for i in range(len(raw)) if raw.startswith(SIGNATURES, i)] or [0] for name, raw in VALID.items()
}


@st.composite
def mutated(draw: st.DrawFn, name: str) -> bytes:
    """VALID[name] after 1-4 random edits: flipped bytes, cuts, appended junk, overwritten headers."""
    raw, anchors = bytearray(VALID[name]), ANCHORS[name]
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "cut", "extend", "header"]))
        if op == "flip" and raw:
            raw[draw(st.integers(0, len(raw) - 1))] ^= draw(st.integers(1, 255))
        elif op == "cut":
            raw = raw[: draw(st.integers(0, len(raw)))]
        elif op == "extend":
            raw += draw(st.binary(min_size=1, max_size=64))
        else:  # overwrite a few bytes near the start of a header, where lengths and counts live
            at = draw(st.sampled_from(anchors)) + draw(st.integers(0, 96))
            chunk = draw(st.binary(min_size=1, max_size=8))
            raw[at : at + len(chunk)] = chunk
    return bytes(raw)


def check_idx_result(array: np.ndarray) -> None:
    assert array.dtype == np.uint8 and array.ndim in (1, 3)
    if array.ndim == 3:
        assert array.shape[1:] == (28, 28)
    else:
        assert array.max() <= 9


@FUZZ
@given(st.binary(max_size=3000) | mutated("images") | mutated("labels"))
def test_parse_idx_gives_an_array_or_a_data_error(raw):
    try:
        check_idx_result(data.parse_idx(raw, name="fuzz.idx"))
    except DataError as e:
        assert str(e).startswith("fuzz.idx: ")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(mutated("images.gz") | mutated("labels.gz"))
def test_read_idx_gz_gives_an_array_or_a_data_error(scratch, raw):
    path = scratch / "fuzz.gz"
    path.write_bytes(raw)
    try:
        check_idx_result(data.read_idx_gz(path))
    except DataError as e:
        assert str(e).startswith(f"{path}: ")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
any_array = hnp.arrays(
    dtype=st.sampled_from([np.float32, np.float64, np.int32, np.uint8, np.bool_, np.complex64, "<U3", "S2"]),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=12),
)


@st.composite
def rebuilt_models(draw: st.DrawFn) -> bytes:
    """A well-formed zip whose arrays or meta are wrong: replaced, dropped, odd dtypes and shapes."""
    arrays = {**PARAMS, "meta": np.array(json.dumps(META))}
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from([*arrays, "opt_v_W1", "extra"]))
        choice = draw(st.sampled_from(["array", "drop", "meta", "scale"]))
        if choice == "array":
            arrays[key] = draw(any_array)
        elif choice == "drop":
            arrays.pop(key, None)
        elif choice == "meta":
            arrays["meta"] = np.array(json.dumps({**META, draw(st.text(max_size=8)): draw(json_values)}))
        elif key in PARAMS:  # huge, tiny, or non-finite values in a right-shaped array
            factor = draw(st.sampled_from([1e38, -1e30, np.inf, np.nan, 0.0]))
            with np.errstate(all="ignore"):
                arrays[key] = (PARAMS[key] * factor).astype(draw(st.sampled_from([np.float32, np.float16])))
    return model_bytes(**arrays)


@FUZZ
@given(st.binary(max_size=2000).map(lambda b: b"PK\x03\x04" + b) | mutated("model") | rebuilt_models())
def test_model_loader_gives_a_model_or_a_model_file_error(scratch, raw):
    path = scratch / "fuzz.npz"
    path.write_bytes(raw)
    with np.errstate(all="raise"):  # a NumPy warning inside the loader would be a bug too
        try:
            params, meta, extra = modelfile.load(path)
        except ModelFileError as e:
            assert str(e).startswith(f"{path}: ") and len(str(e)) > len(f"{path}: ")
            return
    modelfile.check_params(params)  # what load returns is always a usable network
    assert isinstance(meta, dict) and meta["format_version"] == 1
    assert all(isinstance(v, np.ndarray) for v in extra.values())


@pytest.fixture(scope="module")
def saved_checkpoint(tmp_path_factory: pytest.TempPathFactory):
    """A real 1-epoch checkpoint on a tiny dataset: (meta, extra arrays, raw data)."""
    folder = tmp_path_factory.mktemp("ckpt")
    raw = data.load("mnist", make_dataset(folder / "d", n_train=60, n_test=20))
    config = train.Config(epochs=1, hidden=4, batch_size=20, optimizer="adam", lr=0.01)
    train.train(config, raw, out=str(folder / "m.npz"), callbacks=[])
    params, meta, extra = modelfile.load(folder / "m.npz")
    return params, meta, extra, raw


FIELDS = ["config", "rng_state", "epoch", "step", "history", "dataset"]
CONFIG_FIELDS = [f.name for f in dataclasses.fields(train.Config)]


@FUZZ
@given(
    edits=st.lists(
        st.tuples(
            st.sampled_from(FIELDS + [f"config.{k}" for k in CONFIG_FIELDS] + ["rng_state.state"]),
            json_values | st.integers(-(2**130), 2**130),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_resume_from_an_edited_checkpoint_trains_or_gives_a_clean_error(scratch, saved_checkpoint, edits):
    params, meta, extra, raw = saved_checkpoint
    meta = json.loads(json.dumps(meta))
    for where, value in edits:
        table, key = (meta, where) if "." not in where else (meta[where.split(".")[0]], where.split(".")[1])
        if isinstance(table, dict):
            table[key] = value
    path = scratch / "edited.npz"
    modelfile.save(path, params, {k: v for k, v in meta.items() if k != "format_version"}, extra)
    try:
        config, state = checkpoint.load(str(path))
        config.epochs = state.epoch + 1  # one more epoch, whatever the file claims
        state = train.train(config, raw, state=state, callbacks=[])
    except JustNumpyError as e:
        assert str(e)
        return
    assert state.params["W1"].dtype == np.float32 and all(np.isfinite(p).all() for p in state.params.values())
