"""Augmentation: shape, dtype, range, seeding, and that each transformation moves pixels as asked."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from justnumpy import augment
from justnumpy.data import to_inputs


def digits(m=6, seed=0) -> np.ndarray:
    """Blobs of ink well inside the 28×28 frame, as float32 rows in [0, 1]."""
    rng = np.random.default_rng(seed)
    X = np.zeros((m, 28, 28), dtype=np.float32)
    for k in range(m):
        r, c = rng.integers(8, 14, size=2)
        X[k, r : r + 7, c : c + 5] = rng.random((7, 5))
    return X.reshape(m, 784)


def pixels(m=6, seed=0) -> np.ndarray:
    """The same kind of blobs as uint8 pixels 0..255, as the training images are stored."""
    return np.round(digits(m, seed) * 255).astype(np.uint8)


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
    X = digits(150)  # more than one chunk
    out = augment.augment(X, np.random.default_rng(0), kind)
    assert out.shape == X.shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1
    np.testing.assert_array_equal(out, augment.augment(X, np.random.default_rng(0), kind))
    if kind != "none":
        assert not np.array_equal(out, augment.augment(X, np.random.default_rng(1), kind))
        assert not np.array_equal(out, X)
        assert out.sum() == pytest.approx(X.sum(), rel=0.25)  # ink is moved, not created or lost


@pytest.mark.parametrize("kind", augment.KINDS)
def test_uint8_pixels_give_what_their_scaled_floats_give(kind):
    # Training keeps its images as uint8: distorting them must equal distorting data.to_inputs of them.
    X = pixels(150)
    out = augment.augment(X, np.random.default_rng(3), kind)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, augment.augment(to_inputs(X), np.random.default_rng(3), kind))


@pytest.mark.parametrize("kind", ["affine", "affine+elastic"])
def test_threads_and_chunks_change_nothing(kind, monkeypatch):
    X = pixels(300)
    monkeypatch.setattr(augment, "THREADS", 1)
    one = augment.augment(X, np.random.default_rng(5), kind)
    monkeypatch.setattr(augment, "THREADS", 3)
    np.testing.assert_array_equal(augment.augment(X, np.random.default_rng(5), kind), one)
    if kind == "affine":  # the elastic fields' matrix products may round differently per chunk size
        monkeypatch.setattr(augment, "CHUNK", 7)  # 43 chunks, the last one short
        np.testing.assert_array_equal(augment.augment(X, np.random.default_rng(5), kind), one)
    out = np.full(X.shape, np.nan, np.float32)
    assert augment.augment(X, np.random.default_rng(5), kind, out=out) is out
    np.testing.assert_array_equal(out, one)


def test_the_distortions_have_the_documented_ranges():
    A, t = augment.random_affine(20_000, np.random.default_rng(0))
    angle = np.degrees(np.arctan2(A[:, 1, 0], A[:, 0, 0]))  # A = scale · rotation by angle
    scale = np.sqrt(np.linalg.det(A))
    for values, limit in [(t, 2.0), (angle, 12.0), (scale - 1, 0.12)]:
        # Uniform over the whole range: the extremes are reached (nearly) and never passed.
        assert np.abs(values).max() <= limit and np.abs(values).max() > 0.99 * limit
        assert np.mean(np.abs(values) < limit / 2) == pytest.approx(0.5, abs=0.02)
    np.testing.assert_allclose(A[:, 0, 0], A[:, 1, 1])  # a rotation and a scale, no shear
    np.testing.assert_allclose(A[:, 0, 1], -A[:, 1, 0])


def test_affine_augmentation_matches_scipy_affine_transform():
    ndimage = pytest.importorskip("scipy.ndimage")  # an independent oracle, when installed
    X = pixels(100)
    out = augment.augment(X, np.random.default_rng(9), "affine")
    A, t = augment.random_affine(100, np.random.default_rng(9))  # the draws augment made first
    for k in range(100):
        # Output pixel o reads the input at A·(o − 13.5) + 13.5 − t = A·o + offset.
        offset = 13.5 - t[k] - A[k] @ [13.5, 13.5]
        expected = ndimage.affine_transform(
            X[k].reshape(28, 28) / 255, A[k], offset, order=1, mode="grid-constant"
        )  # bilinear, zeros outside
        np.testing.assert_allclose(out[k].reshape(28, 28), expected, atol=2e-5)


def test_affine_coords_are_the_formula_pixel_by_pixel():
    A, t = augment.random_affine(3, np.random.default_rng(2))
    points = augment.affine_coords(A.astype(np.float32), t.astype(np.float32))  # (3, 2, 784)
    for k in range(3):
        for p in (0, 27, 28 * 13 + 5, 783):
            i, j = divmod(p, 28)
            expected = A[k] @ [i - 13.5, j - 13.5] + 13.5 - t[k]
            np.testing.assert_allclose(points[k, :, p], expected, atol=1e-5)


@settings(max_examples=25, deadline=None)
@given(dr=st.floats(-3, 3), dc=st.floats(-3, 3))
def test_a_shift_moves_the_centre_of_mass_by_the_shift(dr, dc):
    X = digits()
    t = np.tile(np.array([dr, dc], dtype=np.float32), (len(X), 1))
    moved = augment.warp(X, augment.affine_coords(identity(len(X)), t))
    # Bilinear interpolation is linear in position, so even a fractional shift moves the mean exactly.
    np.testing.assert_allclose(centre_of_mass(moved) - centre_of_mass(X), t, atol=1e-3)


def test_integer_shift_and_quarter_turn_match_numpy():
    X = digits(3)
    img = X.reshape(3, 28, 28)
    t = np.tile(np.array([2, -1], dtype=np.float32), (3, 1))
    shifted = augment.warp(X, augment.affine_coords(identity(3), t)).reshape(3, 28, 28)
    np.testing.assert_array_equal(shifted, np.roll(img, (2, -1), axis=(1, 2)))  # the blobs stay inside
    quarter = np.broadcast_to(np.array([[0, 1], [-1, 0]], dtype=np.float32), (3, 2, 2))
    turned = augment.warp(X, augment.affine_coords(quarter, np.zeros((3, 2), np.float32)))
    np.testing.assert_allclose(turned.reshape(3, 28, 28), np.rot90(img, k=1, axes=(1, 2)), atol=1e-5)


def test_points_outside_the_image_read_background():
    X = np.ones((2, 784), dtype=np.float32)
    far = np.full((2, 2), 40.0, dtype=np.float32)
    assert not augment.warp(X, augment.affine_coords(identity(2), far)).any()
    assert not augment.warp(X, augment.affine_coords(identity(2), -far)).any()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_warp_matches_scipy_bilinear_interpolation(dtype):
    ndimage = pytest.importorskip("scipy.ndimage")  # an independent oracle, when installed
    rng = np.random.default_rng(0)
    X = rng.random((4, 784)).astype(dtype)
    points = rng.uniform(-3, 31, size=(4, 2, 784)).astype(dtype)  # inside, edges and beyond
    points[:, :, :8] = [[-1, 0, 27, 28, -1, 28, 0.5, 27.5], [0, -1, 28, 27, 28, -1, 27.5, 0.5]]  # the rims
    expected = [
        ndimage.map_coordinates(
            X[k].reshape(28, 28).astype(np.float64), points[k], order=1, mode="grid-constant"
        )
        for k in range(4)
    ]
    out = augment.warp(X, points)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, np.array(expected), atol=1e-5 if dtype == np.float32 else 1e-12)


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


@pytest.mark.parametrize(("kind", "alpha"), [("affine+elastic", 34.0), ("affine+mild-elastic", 17.0)])
def test_elastic_augmentation_reads_each_pixel_from_its_displaced_point(kind, alpha):
    # Recompute augment's own draws (affine first, then the elastic noise) and resample with SciPy.
    ndimage = pytest.importorskip("scipy.ndimage")  # an independent oracle, when installed
    X = digits(5)
    out = augment.augment(X, np.random.default_rng(4), kind)
    rng = np.random.default_rng(4)
    A, t = augment.random_affine(5, rng)
    field = augment.smooth_field(augment.elastic_noise(5, rng, alpha))  # (5, 2, 784)
    i, j = np.divmod(np.arange(784), 28)
    for k in range(5):
        points = A[k] @ np.stack([i - 13.5, j - 13.5]) + (13.5 - t[k])[:, None] + field[k]  # (2, 784)
        expected = ndimage.map_coordinates(
            X[k].reshape(28, 28).astype(np.float64), points, order=1, mode="grid-constant"
        )
        np.testing.assert_allclose(out[k], expected, atol=1e-4)


def test_mild_elastic_moves_every_point_half_as_far_as_simards():
    # The same draws: the affine part identical, each elastic displacement exactly halved (α/2;
    # halving is exact in binary floating point, and every later product and sum keeps it exact).
    full = augment.draw(50, np.random.default_rng(6), "affine+elastic")
    mild = augment.draw(50, np.random.default_rng(6), "affine+mild-elastic")
    np.testing.assert_array_equal(mild.A, full.A)
    np.testing.assert_array_equal(mild.t, full.t)
    np.testing.assert_array_equal(augment.smooth_field(mild.noise), augment.smooth_field(full.noise) / 2)


def test_no_images_give_no_images():
    assert augment.augment(pixels(0), np.random.default_rng(0), "affine+elastic").shape == (0, 784)


def test_unknown_kind():
    with pytest.raises(ValueError, match="unknown augmentation"):
        augment.augment(digits(1), np.random.default_rng(0), "mixup")


@pytest.mark.parametrize("kind", ["shift", "affine", "elastic", "affine+elastic"])
def test_distorting_in_pieces_what_was_drawn_for_all_gives_what_augment_gives(kind):
    # training.batches draws an epoch's distortions at once and applies them a piece at a time.
    X = pixels(200)
    expected = augment.augment(X, np.random.default_rng(5), kind)
    distortion = augment.draw(200, np.random.default_rng(5), kind)
    pieces = [slice(0, 64), slice(64, 192), slice(192, 200)]  # whole chunks of CHUNK, the last short
    got = [augment.distort(X[s], distortion.rows(s), threads=1) for s in pieces]
    np.testing.assert_array_equal(np.concatenate(got), expected)
