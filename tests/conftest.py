"""Shared test set-up: a non-interactive matplotlib backend, fixed seeds, and the ``slow`` mark.

Tests marked ``@pytest.mark.slow`` (many seeds, PyTorch sweeps, long chains, browsers,
notebooks) are skipped by a plain ``python -m pytest`` so that a person can run the suite
often; ``python -m pytest --slow`` or ``AUTOGRAD_LITE_SLOW=1 python -m pytest`` runs them
too, and CI (``.ci/run``) always does.
"""

import os
import random

os.environ.setdefault("MPLBACKEND", "Agg")  # before anything imports matplotlib.pyplot

import numpy as np  # noqa: E402
import pytest  # noqa: E402


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", help="also run the tests marked slow (CI does)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: a long check; skipped unless --slow or AUTOGRAD_LITE_SLOW=1")


def run_slow(config: pytest.Config) -> bool:
    return bool(config.getoption("--slow")) or os.environ.get("AUTOGRAD_LITE_SLOW") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if run_slow(config):
        return
    skip = pytest.mark.skip(reason="slow: run with --slow or AUTOGRAD_LITE_SLOW=1 (CI runs it)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fixed_seeds() -> None:
    """Every test starts from the same random state, so failures reproduce."""
    np.random.seed(0)
    random.seed(0)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
