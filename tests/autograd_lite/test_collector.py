"""Large graphs and CPython's cyclic garbage collector (autograd_lite.node.defer)."""

import gc
import weakref

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor


@pytest.fixture
def small_horizon():
    """Defer after 100 Nodes; the collector's thresholds as they were afterwards."""
    old = gc.get_threshold()
    al.node.defer_after(100)
    yield old
    al.node.defer_after(al.node.DEFER_DEFAULT)
    gc.set_threshold(*old)


def _chain(x: Tensor, n: int) -> Tensor:
    for _ in range(n):
        x = x * 1.0001
    return x


def test_a_large_graph_makes_the_collector_look_less_often_until_backward(small_horizon):
    old = small_horizon
    x = Tensor(1.0, requires_grad=True)
    y = _chain(x, 50)
    assert gc.get_threshold() == old  # a small graph changes nothing
    y = _chain(y, 100)
    assert gc.get_threshold() == (*al.node.DEFERRED_THRESHOLDS, *old[2:])
    y.backward()
    assert gc.get_threshold() == old
    assert x.grad.item() == pytest.approx(1.0001 ** 150, rel=1e-12)


def test_al_grad_puts_the_threshold_back_too(small_horizon):
    x = Tensor(1.0, requires_grad=True)
    y = _chain(x, 150)
    assert gc.get_threshold()[:2] == al.node.DEFERRED_THRESHOLDS
    al.grad(y, x)
    assert gc.get_threshold() == small_horizon


def test_a_large_graph_freed_without_backward_puts_the_threshold_back(small_horizon):
    # an evaluation loop that forgot no_grad() never calls backward: its graphs are freed instead
    y = _chain(Tensor(1.0, requires_grad=True), 150)
    assert gc.get_threshold()[:2] == al.node.DEFERRED_THRESHOLDS
    del y
    assert gc.get_threshold() == small_horizon
    y = _chain(Tensor(1.0, requires_grad=True), 150)  # and the next large graph raises it again
    assert gc.get_threshold()[:2] == al.node.DEFERRED_THRESHOLDS and y.requires_grad


def test_automatic_collection_switched_off_stays_off(small_horizon):
    gc.set_threshold(0)
    y = _chain(Tensor(1.0, requires_grad=True), 150)
    assert gc.get_threshold()[0] == 0
    y.backward()
    assert gc.get_threshold()[0] == 0


def test_a_threshold_the_program_set_meanwhile_is_kept(small_horizon):
    y = _chain(Tensor(1.0, requires_grad=True), 150)
    gc.set_threshold(5000, 20, 20)
    y.backward()
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
