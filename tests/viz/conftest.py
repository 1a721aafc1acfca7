"""Fixtures for drawing tests: micrograd's neuron, and a PATH with no Graphviz on it."""

import pytest

from autograd_lite import Tensor


@pytest.fixture
def neuron():
    """micrograd's single neuron, after backward: o = tanh(x1 w1 + x2 w2 + b)."""
    x1 = Tensor(2.0, requires_grad=True, name="x1")
    x2 = Tensor(0.0, requires_grad=True, name="x2")
    w1 = Tensor(-3.0, requires_grad=True, name="w1")
    w2 = Tensor(1.0, requires_grad=True, name="w2")
    b = Tensor(6.8813735870195432, requires_grad=True, name="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.name = "o"
    o.backward()
    return o, (x1, x2, w1, w2, b)


@pytest.fixture
def no_system_dot(monkeypatch, tmp_path):
    """PATH holds one empty folder: no `dot`, no `graphviz-pure` (found beside Python instead)."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
