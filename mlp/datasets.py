"""Small datasets for the demos, the playground and the tests (numpy only).

Every generator returns X of shape (n_samples, 2) and class indices y of shape (n_samples, 1)
(floats 0., 1., ...), grouped by class, and takes ``noise`` (0 for clean data; the playground's
slider goes to 0.5) and ``rng`` (a seed or a numpy Generator), so the same arguments give the
same points.
"""

from __future__ import annotations

import numpy as np


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The four XOR points, X of shape (4, 2) and y of shape (4, 1), as in the seed."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array([[0], [1], [1], [0]], dtype=np.float64)
    return X, y


def _generator(rng: np.random.Generator | int | None) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _split(n_samples: int, classes: int) -> list[int]:
    """How many of ``n_samples`` points each of ``classes`` classes gets (as equal as can be)."""
    if classes < 2:
        raise ValueError(f"a classification data set needs at least 2 classes, got {classes}")
    if n_samples < classes:
        raise ValueError(f"n_samples ({n_samples}) must be at least the number of classes ({classes})")
    return [n_samples // classes + (1 if c < n_samples % classes else 0) for c in range(classes)]


def _labelled(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Stack per-class point arrays into X (n, 2) and class indices y (n, 1), class by class."""
    X = np.concatenate(parts)
    y = np.concatenate([np.full(len(p), float(c)) for c, p in enumerate(parts)]).reshape(-1, 1)
    return X, y


def make_moons(n_samples: int = 100, noise: float = 0.1, rng: np.random.Generator | int | None = 0
               ) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's ``make_moons``, rewritten in numpy).

    Returns X of shape (n_samples, 2) and labels y of shape (n_samples, 1) in {0, 1}; Gaussian
    noise of standard deviation ``noise`` is added to the points.
    """
    rng = _generator(rng)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    outer = np.stack([np.cos(t_out), np.sin(t_out)], axis=1)
    inner = np.stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5], axis=1)
    X = np.concatenate([outer, inner]) + rng.normal(scale=noise, size=(n_samples, 2))
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)]).reshape(-1, 1)
    return X, y


def circle(n_samples: int = 200, noise: float = 0.0, rng: np.random.Generator | int | None = 0,
           radius: float = 5.0) -> tuple[np.ndarray, np.ndarray]:
    """A disc of class 1 inside a ring of class 0 (TensorFlow Playground's "circle").

    Class 1 lies within ``radius / 2`` of the origin, class 0 between ``0.7 radius`` and
    ``radius``; Gaussian noise of standard deviation ``noise * radius`` blurs the gap.
    Returns X (n_samples, 2) and y (n_samples, 1) in {0, 1}.
    """
    rng = _generator(rng)
    n_out, n_in = _split(n_samples, 2)

    def ring(n: int, r_min: float, r_max: float) -> np.ndarray:
        r, angle = rng.uniform(r_min, r_max, n), rng.uniform(0, 2 * np.pi, n)
        return np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)

    X, y = _labelled([ring(n_out, 0.7 * radius, radius), ring(n_in, 0.0, 0.5 * radius)])
    return X + rng.normal(scale=noise * radius, size=X.shape), y


def xor_quadrants(n_samples: int = 200, noise: float = 0.0, rng: np.random.Generator | int | None = 0,
                  size: float = 5.0) -> tuple[np.ndarray, np.ndarray]:
    """Points spread over the square [-size, size]², class 1 where x1 x2 > 0 (the first and third
    quadrants), class 0 elsewhere: TensorFlow Playground's "exclusive or". The points keep
    ``0.06 size`` away from the axes, then get Gaussian noise of standard deviation ``noise * size``.
    """
    rng = _generator(rng)
    pad = 0.06 * size
    X = rng.uniform(pad, size, (n_samples, 2)) * rng.choice([-1.0, 1.0], (n_samples, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.float64).reshape(-1, 1)
    return X + rng.normal(scale=noise * size, size=X.shape), y


def gaussians(n_samples: int = 200, noise: float = 0.0, rng: np.random.Generator | int | None = 0,
              distance: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian clouds centred at (distance, distance) (class 1) and its mirror (class 0).

    Their standard deviation grows with the noise, from 0.5 (``noise=0``, well apart) to 4
    (``noise=0.5``, much overlap), as in TensorFlow Playground.
    """
    rng = _generator(rng)
    n0, n1 = _split(n_samples, 2)
    spread = 0.5 + 7.0 * min(max(noise, 0.0), 0.5)
    centre = np.array([distance, distance])
    return _labelled([rng.normal(-centre, spread, (n0, 2)), rng.normal(centre, spread, (n1, 2))])


def spiral(n_samples: int = 200, noise: float = 0.0, rng: np.random.Generator | int | None = 0,
           classes: int = 2, radius: float = 5.0, turns: float = 1.75) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class: arm c at parameter t in [0, 1) is the point at
    distance ``radius * t`` from the origin and angle ``2 pi (turns t + c / classes)``. Gaussian
    noise of standard deviation ``noise * radius / 2`` is added. Returns y in {0, ..., classes-1}.
    """
    rng = _generator(rng)
    parts = []
    for c, n in enumerate(_split(n_samples, classes)):
        t = np.linspace(0.0, 1.0, n, endpoint=False)
        angle = 2 * np.pi * (turns * t + c / classes)
        parts.append(np.stack([radius * t * np.sin(angle), radius * t * np.cos(angle)], axis=1))
    X, y = _labelled(parts)
    return X + rng.normal(scale=noise * radius / 2, size=X.shape), y


def blobs(n_samples: int = 200, noise: float = 0.0, rng: np.random.Generator | int | None = 0,
          classes: int = 2, distance: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """One round Gaussian blob per class, centred on a circle of radius ``distance`` at equal
    angles; standard deviation ``0.5 + 3 noise``. With little noise the classes are linearly
    separable (the seed app's "linearly separable blobs"); with ``classes=3`` and more, a
    multi-class problem for cross-entropy.
    """
    rng = _generator(rng)
    spread = 0.5 + 3.0 * max(noise, 0.0)
    parts = []
    for c, n in enumerate(_split(n_samples, classes)):
        angle = 2 * np.pi * c / classes + np.pi / 4
        centre = distance * np.array([np.cos(angle), np.sin(angle)])
        parts.append(rng.normal(centre, spread, (n, 2)))
    return _labelled(parts)
