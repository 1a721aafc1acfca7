"""Helpers for gradient tests: inputs kept off non-differentiable points, and the shape sets."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

import autograd_lite as al
from autograd_lite import Tensor

# HIPS autograd's test shapes: a scalar, a vector, a matrix, and a matrix that broadcasts.
SHAPES = [(), (3,), (2, 3), (1, 3)]
SHAPE_PAIRS = list(itertools.product(SHAPES, SHAPES))


def leaf(shape: tuple[int, ...], rng: np.random.Generator, lo: float = -1.0, hi: float = 1.0,
         away_from_zero: float = 0.0) -> Tensor:
    """A float64 leaf of uniform values in [lo, hi], with |x| >= away_from_zero if asked."""
    x = rng.uniform(lo, hi, size=shape)
    if away_from_zero:
        x = np.sign(x) * (away_from_zero + np.abs(x))
        x = np.where(x == 0, away_from_zero, x)
    return Tensor(x, requires_grad=True)


def distinct(shape: tuple[int, ...], rng: np.random.Generator, offset: float = 0.0) -> Tensor:
    """Values at least 0.1 apart: no ties for max/min/maximum, even after a 1e-6 nudge."""
    n = int(np.prod(shape))
    vals = (rng.permutation(n) * 0.2 + offset + rng.uniform(0, 0.05, n)).reshape(shape)
    return Tensor(vals, requires_grad=True)


def check_grads(fn: Callable[..., Any], *inputs: Tensor, order: int = 2) -> None:
    """gradcheck, and gradgradcheck when order >= 2 (both raise with details on a mismatch)."""
    assert al.gradcheck(fn, inputs)
    if order >= 2:
        assert al.gradgradcheck(fn, inputs)
