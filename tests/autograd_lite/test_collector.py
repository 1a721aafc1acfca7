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
    they were afterwards. (defer_after puts back a threshold raised for a graph that an earlier
    test left alive.)"""
    monkeypatch.setattr(node_module, "DEFERRED_FLOOR", 1_000)
    al.node.defer_after(100)
    old = gc.get_threshold()
    yield old
    al.node.defer_after(al.node.DEFER_DEFAULT)
    gc.set_threshold(*old)


def _chain(x: Tensor, n: int) -> Tensor:
    for _ in range(n):
        x = x * 1.0001
    return x


def _raised(old: tuple) -> bool:
    """The young threshold raised, the others as they were."""
    now = gc.get_threshold()
    return now[0] >= node_module.DEFERRED_FLOOR and now[1:] == old[1:]


class _Collections:
    """Counts the collector's runs (gc.callbacks) inside the with block."""

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
    assert _raised(old)
    y.backward()
    assert _raised(old)  # the graph is still alive: the next collection would walk all of it
    assert x.grad.item() == pytest.approx(1.0001 ** 150, rel=1e-12)
    del y
    assert gc.get_threshold() == old


def test_the_threshold_grows_with_the_graph_so_the_collector_never_walks_it(small_horizon):
    x = Tensor(1.0, requires_grad=True)
    y = _chain(x, 150)  # past the horizon
    with _Collections() as seen:
        y = _chain(y, 20_000)  # 20,000 Nodes: a collection every 1,000 allocations at a fixed threshold
        assert seen.runs == 0
        assert gc.get_threshold()[0] >= 2 * 10_000
        y.backward()
        [Tensor(float(k)) for k in range(2_000)]  # allocations after backward, with the graph alive
        assert seen.runs == 0
    assert x.grad.item() == pytest.approx(1.0001 ** 20_150, rel=1e-9)


def test_al_grad_keeps_it_raised_until_the_graph_is_freed_too(small_horizon):
    x = Tensor(1.0, requires_grad=True)
    y = _chain(x, 150)
    assert _raised(small_horizon)
    al.grad(y, x)
    assert _raised(small_horizon)
    del y
    assert gc.get_threshold() == small_horizon


def test_a_large_graph_freed_without_backward_puts_the_threshold_back(small_horizon):
    # an evaluation loop that forgot no_grad() never calls backward: its graphs are freed instead
    y = _chain(Tensor(1.0, requires_grad=True), 150)
    assert _raised(small_horizon)
    del y
    assert gc.get_threshold() == small_horizon
    for _ in range(20):  # many graphs, each freed: the next large graph counts from its own start
        y = _chain(Tensor(1.0, requires_grad=True), 150)
        assert _raised(small_horizon) and gc.get_threshold()[0] <= node_module.GROWTH * 1_000
        del y


def test_the_threshold_comes_back_once_every_large_graph_is_freed(small_horizon):
    a = _chain(Tensor(1.0, requires_grad=True), 150)
    a.backward()
    b = _chain(Tensor(2.0, requires_grad=True), 150)  # a second large graph, recorded after a's backward
    del a
    assert _raised(small_horizon)
    del b
    assert gc.get_threshold() == small_horizon


def test_two_large_graphs_without_a_backward_between_are_both_watched(small_horizon):
    a = _chain(Tensor(1.0, requires_grad=True), 150)
    b = _chain(Tensor(2.0, requires_grad=True), 2_000)
    del a
    assert _raised(small_horizon)
    del b
    assert gc.get_threshold() == small_horizon


def test_a_side_computation_dropped_at_once_does_not_put_the_threshold_back(small_horizon):
    # the Node that crosses the horizon (the 101st: a side one here, as the odd ones are) may be
    # a value logged and dropped at once; 150 Nodes in all, so the graph does not double
    y = Tensor(1.0, requires_grad=True)
    for _ in range(75):
        (y * 2.0).item()
        y = y * 1.0001
    assert _raised(small_horizon)
    del y
    assert gc.get_threshold() == small_horizon


def test_graphs_freed_meanwhile_do_not_raise_the_threshold_of_a_graph_kept_alive(small_horizon):
    w = Tensor(1.0, requires_grad=True)
    loss = _chain(w, 150)
    loss.backward()  # loss stays alive, as in a training loop
    for _ in range(50):  # an evaluation without no_grad: 7,500 Nodes, each graph freed
        _chain(w, 150).item()
    # counted by Nodes created it would be 4 x 4 x 7,650; by live young objects, at most 4 x 1,000
    assert gc.get_threshold()[0] <= node_module.GROWTH * 1_000
    del loss
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
    gc.set_threshold(500, 20, 20)  # below the floor (1,000 here)
    y = _chain(y, 1_000)  # the graph doubles, three times: nothing raised over the program's choice
    assert gc.get_threshold() == (500, 20, 20)
    y.backward()
    del y
    assert gc.get_threshold() == (500, 20, 20)


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


CYCLE_NODES = 400


def test_garbage_cycles_do_not_raise_the_threshold_and_are_collected(small_horizon):
    alive = []
    for _ in range(100):
        x = y = Tensor(np.array([1.0, 0.5]), requires_grad=True)
        for _ in range(CYCLE_NODES):
            y = y * x
        y.sum().backward(create_graph=True)  # x.grad's graph refers to x: a cycle
        alive.append(weakref.ref(x))
        del x, y
    # the cycles' objects stay counted until a collection: they must not hold it off (the bound
    # is one iteration's graphs: the forward's Nodes and the three times as many backward records)
    assert gc.get_threshold()[0] <= node_module.GROWTH * node_module.OBJECTS_PER_NODE * 4 * CYCLE_NODES
    assert sum(r() is not None for r in alive) < 50  # freed along the way, without gc.collect()
