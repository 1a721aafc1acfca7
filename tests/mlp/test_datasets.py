"""The data set generators: shapes, labels, determinism, and the geometry each one promises."""

import numpy as np
import pytest

from mlp.datasets import blobs, circle, gaussians, make_moons, spiral, xor, xor_quadrants

GENERATORS = [circle, xor_quadrants, gaussians, spiral, blobs, make_moons]


@pytest.mark.parametrize("make", GENERATORS, ids=lambda f: f.__name__)
def test_shapes_and_binary_labels(make):
    X, y = make(101, 0.1, 0)
    assert X.shape == (101, 2) and y.shape == (101, 1)
    assert set(np.unique(y)) == {0.0, 1.0}
    assert np.isfinite(X).all()


@pytest.mark.parametrize("make", GENERATORS, ids=lambda f: f.__name__)
def test_same_seed_same_points_other_seed_other_points(make):
    X1, y1 = make(50, 0.2, 3)
    X2, y2 = make(50, 0.2, 3)
    X3, _ = make(50, 0.2, 4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)


@pytest.mark.parametrize("make", [circle, xor_quadrants, spiral], ids=lambda f: f.__name__)
def test_noise_moves_points(make):
    clean, _ = make(60, 0.0, 1)
    noisy, _ = make(60, 0.3, 1)
    assert np.abs(clean - noisy).max() > 0.1


def test_circle_has_the_disc_inside_the_ring_when_clean():
    X, y = circle(400, 0.0, 0)
    r = np.hypot(X[:, 0], X[:, 1])
    inner, outer = r[y.ravel() == 1], r[y.ravel() == 0]
    assert inner.max() <= 2.5 and outer.min() >= 3.5 and outer.max() <= 5.0


def test_xor_quadrants_label_is_the_sign_of_the_product():
    X, y = xor_quadrants(300, 0.0, 0)
    np.testing.assert_array_equal(y.ravel(), (X[:, 0] * X[:, 1] > 0).astype(float))
    assert np.abs(X).min() >= 0.3 - 1e-12  # kept away from the axes


def test_gaussians_spread_grows_with_noise():
    X0, y0 = gaussians(2000, 0.0, 0)
    X5, _ = gaussians(2000, 0.5, 0)
    np.testing.assert_allclose(X0[y0.ravel() == 1].mean(axis=0), [2, 2], atol=0.05)
    np.testing.assert_allclose(X0[y0.ravel() == 1].std(axis=0), [0.5, 0.5], atol=0.05)
    np.testing.assert_allclose(X5[y0.ravel() == 1].std(axis=0), [4, 4], atol=0.3)


def test_spiral_arms_grow_from_the_centre_one_per_class():
    X, y = spiral(300, 0.0, 0, classes=3)
    assert set(np.unique(y)) == {0.0, 1.0, 2.0}
    for c in range(3):
        r = np.hypot(*X[y.ravel() == c].T)
        assert np.all(np.diff(r) > 0) and r[0] == 0 and r[-1] < 5


def test_blobs_are_linearly_separable_when_clean():
    """Nearest centroid (a linear rule) classifies every clean point right, for 2 and 4 classes."""
    for classes in (2, 4):
        X, y = blobs(400, 0.0, 0, classes=classes)
        labels = y.ravel().astype(int)
        centroids = np.stack([X[labels == c].mean(axis=0) for c in range(classes)])
        nearest = np.argmin(((X[:, None, :] - centroids[None]) ** 2).sum(axis=2), axis=1)
        assert (nearest == labels).mean() == 1.0


def test_classes_split_as_evenly_as_possible():
    _, y = spiral(10, 0.0, 0, classes=3)
    assert np.bincount(y.ravel().astype(int)).tolist() == [4, 3, 3]


@pytest.mark.parametrize("bad", [dict(classes=1), dict(n_samples=2, classes=3)])
def test_impossible_class_counts_are_refused(bad):
    with pytest.raises(ValueError, match="class"):
        blobs(**bad)


def test_xor_is_the_seeds_four_points():
    X, y = xor()
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and y.ravel().tolist() == [0, 1, 1, 0]
