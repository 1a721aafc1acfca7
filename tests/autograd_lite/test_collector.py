"""Large graphs and CPython's cyclic garbage collector (autograd_lite.node.defer)."""

import gc
import weakref

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor
from autograd_lite import node as node_module


@pytest.fixture
def small_horizon(monkeypatch):
    """Defer after 100 Nodes, with a floor of 1,000 allocations; the collector's thresholds as
    they were afterwards."""
    old = gc.get_threshold()
    monkeypatch.setattr(node_module, "DEFERRED_FLOOR", 1_000)
    al.node.defer_after(100)
    yield old
    al.node.defer_after(al.node.DEFER_DEFAULT)
    gc.set_threshold(*old)


def _chain(x: Tensor, n: int) -> Tensor:
    for _ in range(n):
        x = x * 1.0001
    return x


def _raised() -> bool:
    return gc.get_threshold()[0] >= node_module.DEFERRED_FLOOR and gc.get_threshold()[1] == node_module.MIDDLE


class _Collections:
    """Counts the collector's runs (gc.callbacks) while it is on."""

    def __init__(self) -> None:
        self.runs = 0

    def __call__(self, phase: str, info: dict) -> None:
        self.runs += phase == "start"

    def __enter__(self) -> "_Collections":
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


def test_a_large_graph_makes_the_collector_look_less_often_until_it_is_freed(small_horizon):
    old = small_horizon
    x = Tensor(1.0, requires_grad=True)
    y = _chain(x, 50)
    assert gc.get_threshold() == old  # a small graph changes nothing
    y = _chain(y, 100)
    assert gc.get_threshold() == (1_000, node_module.MIDDLE, *old[2:])
    y.backward()
    assert _raised()  # the graph is still alive: the next collection would walk all of it
    assert x.grad.item() == pytest.approx(1.0001 ** 150, rel=1e-12)
    del y
    assert gc.get_threshold() == old


def test_the_threshold_grows_with_the_graph_so_the_collector_never_walks_it(small_horizon):
    x = Tensor(1.0, requires_grad=True)
    y = _chain(x, 150)  # past the horizon
    with _Collections() as seen:
        y = _chain(y, 20_000)  # 20,000 Nodes and as many Tensors: 40 collections at a fixed 1,000
        assert seen.runs == 0
        assert gc.get_threshold()[0] >= node_module.ALLOCATIONS_PER_NODE * 10_000
        y.backward()
        [Tensor(float(k)) for k in range(2_000)]  # allocations after backward, with the graph alive
        assert seen.runs == 0
    assert x.grad.item() == pytest.approx(1.0001 ** 20_150, rel=1e-9)


def test_al_grad_keeps_it_raised_until_the_graph_is_freed_too(small_horizon):
    x = Tensor(1.0, requires_grad=True)
    y = _chain(x, 150)
    assert _raised()
    al.grad(y, x)
    assert _raised()
    del y
    assert gc.get_threshold() == small_horizon


def test_a_large_graph_freed_without_backward_puts_the_threshold_back(small_horizon):
    # an evaluation loop that forgot no_grad() never calls backward: its graphs are freed instead
    y = _chain(Tensor(1.0, requires_grad=True), 150)
    assert _raised()
    del y
    assert gc.get_threshold() == small_horizon
    for _ in range(20):  # many graphs, each freed: the next large graph counts from its own start
        y = _chain(Tensor(1.0, requires_grad=True), 150)
        assert gc.get_threshold()[0] == 1_000 and y.requires_grad
        del y


def test_the_threshold_comes_back_once_every_large_graph_is_freed(small_horizon):
    a = _chain(Tensor(1.0, requires_grad=True), 150)
    a.backward()
    b = _chain(Tensor(2.0, requires_grad=True), 150)  # a second large graph, recorded after a's backward
    del a
    assert _raised()
    del b
    assert gc.get_threshold() == small_horizon


def test_automatic_collection_switched_off_stays_off(small_horizon):
    gc.set_threshold(0)
    y = _chain(Tensor(1.0, requires_grad=True), 150)
    assert gc.get_threshold()[0] == 0
    y.backward()
    del y
    assert gc.get_threshold()[0] == 0


def test_a_threshold_the_program_set_meanwhile_is_kept(small_horizon):
    y = _chain(Tensor(1.0, requires_grad=True), 150)
    gc.set_threshold(5000, 20, 20)
    y = _chain(y, 300)  # the graph doubles: nothing raised over the program's choice
    y.backward()
    del y
    assert gc.get_threshold() == (5000, 20, 20)


def test_a_gradient_with_a_graph_kept_in_its_own_leaf_is_collected(small_horizon):
    # x.grad's graph refers to x: a reference cycle, which the collector must be able to free
    # (PyTorch documents it as a leak), in a graph past the horizon too
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    _chain(x ** 3, 150).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    alive = weakref.ref(x)
    del x
    gc.collect()
    assert alive() is None
