"""Augmentation: shape, dtype, range, seeding, and that each transformation moves pixels as asked."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from justnumpy import augment


def digits(m=6, seed=0) -> np.ndarray:
    """Blobs of ink well inside the 28×28 frame, as float32 rows in [0, 1]."""
    rng = np.random.default_rng(seed)
    X = np.zeros((m, 28, 28), dtype=np.float32)
    for k in range(m):
        r, c = rng.integers(8, 14, size=2)
        X[k, r : r + 7, c : c + 5] = rng.random((7, 5))
    return X.reshape(m, 784)


def centre_of_mass(X: np.ndarray) -> np.ndarray:
    """(m, 2): the ink-weighted mean row and column of each image."""
    img = X.reshape(-1, 28, 28)
    i = np.arange(28)
    mass = img.sum(axis=(1, 2))
    return np.stack([(img.sum(axis=2) * i).sum(1) / mass, (img.sum(axis=1) * i).sum(1) / mass], axis=1)


def identity(m: int) -> np.ndarray:
    return np.broadcast_to(np.eye(2, dtype=np.float32), (m, 2, 2))


@pytest.mark.parametrize("kind", augment.KINDS)
def test_shape_dtype_range_and_seeding(kind):
    X = digits(50)
    out = augment.augment(X, np.random.default_rng(0), kind)
    assert out.shape == X.shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1
    np.testing.assert_array_equal(out, augment.augment(X, np.random.default_rng(0), kind))
    if kind != "none":
        assert not np.array_equal(out, augment.augment(X, np.random.default_rng(1), kind))
        assert not np.array_equal(out, X)
        assert out.sum() == pytest.approx(X.sum(), rel=0.25)  # ink is moved, not created or lost


@settings(max_examples=25, deadline=None)
@given(dr=st.floats(-3, 3), dc=st.floats(-3, 3))
def test_a_shift_moves_the_centre_of_mass_by_the_shift(dr, dc):
    X = digits()
    t = np.tile(np.array([dr, dc], dtype=np.float32), (len(X), 1))
    moved = augment.warp(X, *augment.affine_coords(identity(len(X)), t))
    # Bilinear interpolation is linear in position, so even a fractional shift moves the mean exactly.
    np.testing.assert_allclose(centre_of_mass(moved) - centre_of_mass(X), t, atol=1e-3)


def test_integer_shift_and_quarter_turn_match_numpy():
    X = digits(3)
    img = X.reshape(3, 28, 28)
    t = np.tile(np.array([2, -1], dtype=np.float32), (3, 1))
    shifted = augment.warp(X, *augment.affine_coords(identity(3), t)).reshape(3, 28, 28)
    np.testing.assert_array_equal(shifted, np.roll(img, (2, -1), axis=(1, 2)))  # the blobs stay inside
    quarter = np.broadcast_to(np.array([[0, 1], [-1, 0]], dtype=np.float32), (3, 2, 2))
    turned = augment.warp(X, *augment.affine_coords(quarter, np.zeros((3, 2), np.float32)))
    np.testing.assert_allclose(turned.reshape(3, 28, 28), np.rot90(img, k=1, axes=(1, 2)), atol=1e-5)


def test_points_outside_the_image_read_background():
    X = np.ones((2, 784), dtype=np.float32)
    far = np.full((2, 2), 40.0, dtype=np.float32)
    assert not augment.warp(X, *augment.affine_coords(identity(2), far)).any()


def test_warp_matches_scipy_bilinear_interpolation():
    ndimage = pytest.importorskip("scipy.ndimage")  # an independent oracle, when installed
    rng = np.random.default_rng(0)
    X = rng.random((4, 784), dtype=np.float32)
    rows, cols = rng.uniform(-3, 31, size=(2, 4, 784)).astype(np.float32)  # inside, edges and beyond
    expected = [
        ndimage.map_coordinates(
            X[k].reshape(28, 28).astype(np.float64), [rows[k], cols[k]], order=1, mode="grid-constant"
        )
        for k in range(4)
    ]
    np.testing.assert_allclose(augment.warp(X, rows, cols), np.array(expected), atol=1e-5)


def test_gaussian_smoothing_matches_scipy():
    ndimage = pytest.importorskip("scipy.ndimage")  # an independent oracle, when installed
    G = augment.gaussian_matrix(4.0)
    F = np.random.default_rng(0).random((28, 28))
    np.testing.assert_allclose(G @ F @ G.T, ndimage.gaussian_filter(F, 4.0, mode="constant"), atol=1e-12)


def test_elastic_field_has_the_covariance_of_smoothed_noise():
    # B·M·Bᵀ with white M must vary like G·N·G with white N: covariance (B·Bᵀ) ⊗ (B·Bᵀ) = (G·Gᵀ) ⊗ (G·Gᵀ).
    B, G = augment.smoothing_basis(4.0), augment.gaussian_matrix(4.0)
    np.testing.assert_allclose(B @ B.T, G @ G.T, atol=1e-3 * np.abs(G @ G.T).max())
    field = augment.elastic_field(4000, np.random.default_rng(0), alpha=1.0)  # (m, 2, 784)
    expected_var = (np.diag(G @ G.T)[:, None] * np.diag(G @ G.T)[None, :]).ravel() / 3  # U(−1, 1): 1/3
    np.testing.assert_allclose(field.var(axis=(0, 1)), expected_var, rtol=0.1)
    # Neighbours move together (smooth), far-apart pixels independently.
    flat = field[:, 0]
    assert np.corrcoef(flat[:, 14 * 28 + 14], flat[:, 14 * 28 + 15])[0, 1] > 0.9
    assert abs(np.corrcoef(flat[:, 0], flat[:, 783])[0, 1]) < 0.1


def test_unknown_kind():
    with pytest.raises(ValueError, match="unknown augmentation"):
        augment.augment(digits(1), np.random.default_rng(0), "mixup")


def test_chunks_change_nothing_but_memory():
    X = digits(20)
    whole = augment.augment(X, np.random.default_rng(5), "shift")
    # "shift" draws all its random numbers in one call per chunk, so one chunk equals the whole.
    np.testing.assert_array_equal(augment.augment_in_chunks(X, np.random.default_rng(5), "shift", 20), whole)
    assert augment.augment_in_chunks(X, np.random.default_rng(5), "affine", 7).shape == X.shape
