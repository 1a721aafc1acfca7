"""Shared test set-up: a non-interactive matplotlib backend and fixed seeds."""

import os
import random

os.environ.setdefault("MPLBACKEND", "Agg")  # before anything imports matplotlib.pyplot

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fixed_seeds() -> None:
    """Every test starts from the same random state, so failures reproduce."""
    np.random.seed(0)
    random.seed(0)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
