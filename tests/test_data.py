"""The IDX reader on synthetic files, good and corrupt, and the real MNIST's known facts."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from justnumpy import data
from justnumpy.errors import DataError
from tests.helpers import make_dataset, write_idx


def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    magic = magic if magic is not None else (2051 if array.ndim == 3 else 2049)
    return magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape) + array.tobytes()


def test_parse_images_and_labels():
    images = np.arange(2 * 28 * 28, dtype=np.uint64).astype(np.uint8).reshape(2, 28, 28)
    np.testing.assert_array_equal(data.parse_idx(idx_bytes(images)), images)
    labels = np.array([3, 1, 4], dtype=np.uint8)
    np.testing.assert_array_equal(data.parse_idx(idx_bytes(labels)), labels)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "too short"),
        (idx_bytes(np.zeros(3, np.uint8), magic=2050), "magic number"),
        (idx_bytes(np.zeros((2, 28, 28), np.uint8))[:-1], "truncated"),
        (idx_bytes(np.zeros((2, 28, 28), np.uint8)) + b"\0", "trailing"),
        (idx_bytes(np.zeros((2, 27, 28), np.uint8)), "27x28"),
        (idx_bytes(np.array([1, 10], np.uint8)), "outside 0..9"),
        ((2049).to_bytes(4, "big") + (0).to_bytes(4, "big"), "claims 0 items"),
        ((2051).to_bytes(4, "big") + (1).to_bytes(4, "big"), "header cut short"),
    ],
)
def test_corrupt_idx_is_rejected_with_reason(raw, message):
    with pytest.raises(DataError, match=message):
        data.parse_idx(raw, name="f.gz")


def test_read_idx_gz_errors_name_the_file(tmp_path):
    plain = tmp_path / "plain.gz"
    plain.write_bytes(b"not gzip at all")
    with pytest.raises(DataError, match="plain.gz: not a readable gzip"):
        data.read_idx_gz(plain)
    cut = tmp_path / "cut.gz"
    cut.write_bytes(gzip.compress(idx_bytes(np.zeros((5, 28, 28), np.uint8)))[:-20])
    with pytest.raises(DataError, match="cut.gz"):
        data.read_idx_gz(cut)
    with pytest.raises(DataError, match="missing.gz: file not found"):
        data.read_idx_gz(tmp_path / "missing.gz")


def test_load_from_data_dir_and_count_mismatch(tmp_path):
    folder = make_dataset(tmp_path / "d", n_train=30, n_test=10)
    X, y, Xt, _ = data.load("mnist", folder)
    assert X.shape == (30, 28, 28) and y.shape == (30,) and Xt.shape == (10, 28, 28) and X.dtype == np.uint8
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.zeros(9, np.uint8))
    with pytest.raises(DataError, match="10 test images but 9 test labels"):
        data.load("mnist", folder)


def test_missing_files_say_where_to_put_them(tmp_path):
    with pytest.raises(
        DataError, match="missing train-images-idx3-ubyte.gz.*put the four mnist IDX .gz files there"
    ):
        data.load("mnist", tmp_path)


def test_find_dir_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("JUSTNUMPY_DATA", str(tmp_path / "parent"))
    assert data.find_dir("fashion-mnist") == tmp_path / "parent" / "fashion-mnist"
    assert data.find_dir("mnist", tmp_path / "mine") == tmp_path / "mine"
    monkeypatch.delenv("JUSTNUMPY_DATA")
    assert data.find_dir("mnist").name == "mnist" and "justnumpy" in str(data.find_dir("mnist"))
    with pytest.raises(DataError, match="unknown dataset"):
        data.find_dir("cifar")


def test_download_failure_is_one_clear_error(tmp_path, monkeypatch):
    import pooch

    monkeypatch.setattr(data, "cache_dir", lambda dataset: tmp_path)

    def offline(url, **kwargs):
        raise ConnectionError(f"cannot reach {url}")

    monkeypatch.setattr(pooch, "retrieve", offline)
    with pytest.raises(DataError, match="could not download train-images.*set JUSTNUMPY_DATA"):
        data.download("mnist")


def test_to_inputs_scales_to_unit_interval():
    X = data.to_inputs(np.array([[[0, 255], [51, 102]]], dtype=np.uint8))
    assert X.dtype == np.float32 and X.shape == (1, 4)
    np.testing.assert_allclose(X, [[0, 1, 0.2, 0.4]])


def test_real_mnist_matches_published_facts(mnist_raw):
    X, y, Xt, yt = mnist_raw
    assert X.shape == (60000, 28, 28) and Xt.shape == (10000, 28, 28)
    assert list(y[:10]) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert list(np.bincount(y)) == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert list(np.bincount(yt)) == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
