"""No recursion over the graph: a chain far deeper than Python's recursion limit goes through
backward() and grad(), and backward frees it by reference counting alone.

The limit is lowered, inside each test, to the current stack depth plus a margin that any
ordinary call needs (numpy, the engine's own frames), far below the chain's length: a walk that
recursed once per node would raise RecursionError. The 1,000,000-node chain of test_engine.py
(marked slow) shows the same at the README's scale.
"""

import contextlib
import gc
import sys
import weakref

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor

NODES = 30_000
MARGIN = 150  # frames above the test's own depth: enough for any non-recursive call


def stack_depth() -> int:
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


@contextlib.contextmanager
def recursion_limit_near_the_stack():
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(stack_depth() + MARGIN)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def chain(n: int) -> tuple[Tensor, Tensor, weakref.ref]:
    """x, y = x * 1.0001 ** n in n multiplications, and a weak reference to the values that
    the middle multiplication saved for its VJP (its input)."""
    x = Tensor(np.ones(2), requires_grad=True)
    y = x
    for i in range(n):
        if i == n // 2:
            middle = weakref.ref(y.data)
        y = y * 1.0001
    return x, y, middle


def test_the_lowered_limit_stops_a_walk_that_recurses_once_per_node():
    def depth(k: int) -> int:
        return 0 if k == 0 else 1 + depth(k - 1)

    with recursion_limit_near_the_stack(), pytest.raises(RecursionError):
        depth(NODES)
    assert depth(MARGIN // 2) == MARGIN // 2  # and the limit is back


def test_backward_through_a_chain_100_times_deeper_than_the_limit_frees_it():
    gc.disable()  # reference counting alone must free the graph: no cycles
    try:
        x, y, middle = chain(NODES)
        last = weakref.ref(y.grad_fn)
        assert middle() is not None
        with recursion_limit_near_the_stack():
            assert sys.getrecursionlimit() * 100 < NODES
            y.backward(gradient=np.ones(2))
        np.testing.assert_allclose(x.grad.data, [1.0001**NODES] * 2, rtol=1e-10)
        assert middle() is None  # backward dropped the saved values as it went
        del y
        assert last() is None  # and nothing else holds the graph
    finally:
        gc.enable()


def test_grad_through_a_chain_100_times_deeper_than_the_limit():
    x, y, _ = chain(NODES)
    with recursion_limit_near_the_stack():
        g, = al.grad(y.sum(), [x])
    np.testing.assert_allclose(g.data, [1.0001**NODES] * 2, rtol=1e-10)
    assert x.grad is None
