"""Node: one recorded primitive application, the vertex of the backward graph.

A Node is what backward needs and nothing more: the primitive (``op``), where the gradient of
each argument goes (``p0``, ``p1``: the Node that made it, the leaf Tensor itself, or None), the
values its VJPs read (``a0``, ``a1``, and ``out`` when a VJP reads the output), the shape of its
output, and a creation number ``seq`` that orders the graph. Primitives of more than two
arguments keep a tuple of parents in ``p0`` and a tuple of arguments in ``a0``.

The graph refers only to Nodes, leaves and saved arrays, never to the Tensors it produced, and a
Node only refers to older Nodes: it is acyclic by construction, so reference counting alone frees
it. The cyclic garbage collector has nothing to find in it, yet with CPython's default
thresholds it walks a growing graph again and again (a tenth of the time of a 70,000-node graph
of 0-d operations; long chains became super-linear): while a large graph is recorded, the
collector looks less often (see :func:`defer`).
"""

from __future__ import annotations

import gc
import itertools
import threading
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["Node", "creation_number", "defer_after"]


class Node:
    """A recorded primitive application (see the module docstring).

    Attributes:
        op: the :class:`~autograd_lite.primitive.Primitive` applied.
        p0, p1: gradient destinations of the arguments (Node, leaf Tensor or None); for
            primitives of three or more arguments, ``p0`` is the tuple of them and ``p1`` None.
        a0, a1: what the VJPs read: the inputs (or their shapes) and the plain parameters.
        out: the output, kept only when a VJP reads it (exp, tanh, sqrt...).
        shape: the output's shape (gradients arriving here must have it).
        seq: creation number; a Node's inputs always have smaller numbers.
        pending: the gradient summed so far during a backward pass (None outside one).
        extra: rarely used state, None for almost every Node: a weak reference to the output
            Tensor after ``retain_grad()``, and the number of the in-place change that
            overwrote the output (see :attr:`modified`).
    """

    __slots__ = ("op", "p0", "p1", "a0", "a1", "out", "shape", "seq", "pending", "extra", "__weakref__")

    op: Any
    seq: int

    @property
    def name(self) -> str:
        """The primitive's name (``mul``), as PyTorch's ``grad_fn.name()``."""
        return self.op.name

    @property
    def parents(self) -> tuple[Any, ...]:
        """The gradient destination of every argument (Node, leaf Tensor or None), in order."""
        if self.op.arity > 2:
            return self.p0
        return (self.p0,) if self.op.arity == 1 else (self.p0, self.p1)

    @property
    def output(self) -> Any:
        """The output's values if the graph kept them (for the VJP, not freed yet), else None."""
        return self.out

    def saved_inputs(self) -> tuple[Any, ...]:
        """The input values the graph kept (for the VJPs, not freed yet), aligned with
        :attr:`parents`; None where nothing was kept."""
        parents = self.parents
        if not self.op.saves_inputs or self.a0 is _FREED:
            return (None,) * len(parents)
        if self.op.arity == 1:
            return (self.a0,)
        if self.op.arity == 2:
            return (self.a0, self.a1)
        return tuple(self.a0[: len(parents)])

    def retained(self) -> Any:
        """The Tensor this Node made, if it called ``retain_grad()`` and is still alive."""
        extra = self.extra
        return extra.retain() if extra is not None and extra.retain is not None else None

    @property
    def freed(self) -> bool:
        """True once a backward pass has used and dropped the saved values."""
        return self.a0 is _FREED

    @property
    def modified(self) -> int | None:
        """The number of the in-place change that overwrote this Node's output, if any."""
        extra = self.extra
        return extra.modified if extra is not None else None

    def __repr__(self) -> str:
        return f"<Node {self.op.name} shape={self.shape}>"


class NodeExtra:
    """The rare state of a Node: kept out of Node itself so that every Node stays small."""

    __slots__ = ("retain", "modified")

    def __init__(self) -> None:
        self.retain: Callable[[], Any] | None = None
        self.modified: int | None = None


def extra(node: Node) -> NodeExtra:
    """The Node's NodeExtra, made on first use."""
    e = node.extra
    if e is None:
        e = node.extra = NodeExtra()
    return e


class _Freed:
    """Marks a Node whose saved values a backward pass has dropped."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<freed>"


_FREED = _Freed()

# ------------------------------------------------------------------------------------------------
# Creation numbers. itertools.count is a C iterator: next() on it is one C call.
# ------------------------------------------------------------------------------------------------
_counter = itertools.count(1)
next_seq = _counter.__next__


def creation_number() -> int:
    """A number above every Node recorded so far and below every Node recorded from now on."""
    return next_seq()


# ------------------------------------------------------------------------------------------------
# Large graphs and the cyclic garbage collector.
# ------------------------------------------------------------------------------------------------
#: A graph may grow to this many Nodes (counted from the last backward pass) before the
#: collector's young threshold is raised; small graphs cost the collector little.
DEFER_DEFAULT = 2_000
DEFER_AFTER = DEFER_DEFAULT
#: While a large graph is alive, the young generation's threshold (CPython's default: 700
#: allocations) is at least DEFERRED_FLOOR, and, each time the graph doubles, GROWTH times the
#: objects allocated (and still alive) since the last collection, counting at most
#: OBJECTS_PER_NODE per Node of the graph: more than the graph can add before it doubles
#: again, so the collector never walks a growing graph.
DEFERRED_FLOOR = 100_000
GROWTH = 4
OBJECTS_PER_NODE = 4  # a Node, its Tensor, a tuple or two: the most a graph's Node accounts for

#: Output shapes, interned: a graph of a million (16,)-shaped Nodes keeps one (16,) tuple.
SHAPES: dict[tuple[int, ...], tuple[int, ...]] = {}


class _Horizon:
    """When :func:`defer` is called next, and what it changed."""

    __slots__ = ("seq", "start", "saved", "raised", "watches", "hands_off")

    def __init__(self) -> None:
        self.start = 0  # the creation number at the last backward pass
        self.seq = DEFER_AFTER
        self.saved: tuple[int, ...] | None = None  # the thresholds defer() replaced
        self.raised: int | None = None  # the young threshold defer() set
        self.watches: set[Any] = set()  # weak references to Nodes of the large graphs alive
        self.hands_off = False  # the program set its own thresholds while a graph was recorded


horizon = _Horizon()
_lock = threading.Lock()  # defer() and the restore may run in two threads at once


def defer(node: Node) -> None:
    """Called by the Nodes recorded past the horizon (once per doubling of the graph): raise the
    collector's young threshold until every large graph is freed, then put it back.

    A young-generation collection walks every object allocated since the last one, so a graph
    that outgrows the threshold is walked again and again while it grows (with CPython's
    defaults, a tenth of the time of a 65,000-node graph of 0-d operations), and once more by
    the first collection after backward if the threshold came back while the graph is still
    alive. Nothing is hidden from the collector: it still runs, at the latest after GROWTH
    times as many allocations as the graph holds objects, and a real cycle (a gradient with a
    graph kept in its own leaf's ``.grad``) is freed. Thresholds of 0 (automatic collection
    off), already as high, or set by the program meanwhile are left alone."""
    size = node.seq - horizon.start
    horizon.seq = node.seq + size  # again when the graph has doubled
    if horizon.hands_off or not _lock.acquire(blocking=False):
        return
    try:
        _raise(node, size)
    finally:
        _lock.release()
    if not horizon.watches:  # a watched Node died meanwhile and its restore found the lock taken
        _restore()


def _raise(node: Node, size: int) -> None:
    current = gc.get_threshold()
    if horizon.saved is None:
        if not 0 < current[0] < DEFERRED_FLOOR:
            return
        horizon.saved = current
    elif current[0] != horizon.raised:  # the program set its own: keep it until the next graph
        horizon.hands_off = True
        _forget()
        return
    # Watch what this Node was computed from (the Node itself may be a side computation that
    # is dropped at once, such as a value logged with .item()); one watch per doubling, so a
    # second graph recorded before any backward is watched too.
    watched = node.p0 if node.p0.__class__ is Node else node
    horizon.watches.add(weakref.ref(watched, _graph_freed))
    # the objects allocated since the last collection and still alive, at most as many as this
    # graph's Nodes can hold (not the graphs freed meanwhile, nor garbage cycles awaiting a collection)
    young = min(gc.get_count()[0], OBJECTS_PER_NODE * size)
    wanted = max(DEFERRED_FLOOR, GROWTH * young)
    if horizon.raised is None or horizon.raised < wanted:
        horizon.raised = wanted
        gc.set_threshold(wanted, *current[1:])


def _graph_freed(ref: Any) -> None:
    """A watched Node is gone: once none is left, the thresholds as they were."""
    horizon.watches.discard(ref)
    if not horizon.watches:
        _restore()


def _restore() -> None:
    if not _lock.acquire(blocking=False):  # defer() is running: it restores on its way out
        return
    try:
        if horizon.watches or horizon.saved is None:
            return
        _put_back()
    finally:
        _lock.release()
    graph_done()  # graphs freed without a backward pass (an evaluation without no_grad): count afresh


def _put_back() -> None:
    """The thresholds defer() replaced, unless the program changed them meanwhile; then forget."""
    if horizon.saved is not None and gc.get_threshold()[0] == horizon.raised:
        gc.set_threshold(*horizon.saved)
    _forget()


def _forget() -> None:
    horizon.saved = horizon.raised = None
    horizon.watches.clear()


def defer_after(count: int | None) -> None:
    """Raise the collector's threshold once a graph has ``count`` Nodes (None: never), from a
    clean slate: a threshold raised for a graph still alive is put back first. For tests."""
    global DEFER_AFTER
    DEFER_AFTER = 2**62 if count is None else int(count)
    _put_back()
    graph_done()


def graph_done() -> None:
    """After a backward pass: the next graph counts its Nodes from here. (The threshold stays
    raised until the graph is freed: putting it back while the graph is alive would have the
    next allocation walk all of it.)"""
    horizon.start = start = creation_number()
    horizon.seq = start + DEFER_AFTER
    horizon.hands_off = False
    if len(SHAPES) > 4096:  # many distinct shapes: start the interning table afresh
        SHAPES.clear()


# ------------------------------------------------------------------------------------------------
# Buffers changed in place. A graph may have saved a view of a buffer (w.T, x[0:2], a reshape):
# the change is noted on the buffer at the root of the view chain, where every view sees it.
# ------------------------------------------------------------------------------------------------
_WRITTEN: dict[int, tuple[Any, int]] = {}  # id(root buffer) -> (weak reference to it, stamp)


def _root(a: Any) -> Any:
    """The array that owns ``a``'s memory (``a`` itself if it is not a view)."""
    while a.base.__class__ is np.ndarray:
        a = a.base
    return a


def note_write(buffer: Any, stamp: int) -> None:
    """``buffer`` (an ndarray) was changed in place by the change numbered ``stamp``."""
    root = _root(buffer)
    key = id(root)

    def forget(ref: Any, key: int = key) -> None:
        if _WRITTEN.get(key, (None,))[0] is ref:
            del _WRITTEN[key]

    _WRITTEN[key] = (weakref.ref(root, forget), stamp)


def written_after(value: Any, seq: int) -> bool:
    """Whether an in-place change numbered above ``seq`` wrote into ``value``'s memory."""
    if value.__class__ is not np.ndarray:
        return False
    root = _root(value)
    entry = _WRITTEN.get(id(root))
    return entry is not None and entry[0]() is root and entry[1] > seq


class _LastChange:
    """The number of the latest in-place change (0: none yet). Backward checks the saved values
    of a Node only if a change happened after the Node was recorded: one comparison per Node."""

    __slots__ = ("seq",)

    def __init__(self) -> None:
        self.seq = 0


last_change = _LastChange()
