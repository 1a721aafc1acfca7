"""Small datasets for the demos and tests (numpy only)."""

from __future__ import annotations

import numpy as np


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The four XOR points, X of shape (4, 2) and y of shape (4, 1), as in the seed."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array([[0], [1], [1], [0]], dtype=np.float64)
    return X, y


def make_moons(n_samples: int = 100, noise: float = 0.1, rng: np.random.Generator | int | None = 0
               ) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's ``make_moons``, rewritten in numpy).

    Returns X of shape (n_samples, 2) and labels y of shape (n_samples, 1) in {0, 1}; Gaussian
    noise of standard deviation ``noise`` is added to the points.
    """
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    outer = np.stack([np.cos(t_out), np.sin(t_out)], axis=1)
    inner = np.stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5], axis=1)
    X = np.concatenate([outer, inner]) + rng.normal(scale=noise, size=(n_samples, 2))
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)]).reshape(-1, 1)
    return X, y
