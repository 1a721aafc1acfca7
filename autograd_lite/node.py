"""Node: one recorded primitive application, the vertex of the backward graph.

A Node is what backward needs and nothing more: the primitive (``op``), where the gradient of
each argument goes (``p0``, ``p1``: the Node that made it, the leaf Tensor itself, or None), the
values its VJPs read (``a0``, ``a1``, and ``out`` when a VJP reads the output), the shape of its
output, and a creation number ``seq`` that orders the graph. Primitives of more than two
arguments keep a tuple of parents in ``p0`` and a tuple of arguments in ``a0``.

The graph refers only to Nodes, leaves and saved arrays, never to the Tensors it produced, and a
Node only refers to older Nodes: it is acyclic by construction, so reference counting alone frees
it. That is why Nodes of large graphs are taken out of the cyclic garbage collector's view (see
``untrack``): CPython's collector would otherwise walk every Node of a growing graph again and
again, which made long chains super-linear (a 1e6-node chain cost twice as much per node as a
1e3-node one).
"""

from __future__ import annotations

import ctypes
import gc
import itertools
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["Node", "creation_number", "untrack_after"]


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
# Keeping large graphs out of the cyclic collector.
# ------------------------------------------------------------------------------------------------
try:  # CPython: the C API that extension types use for objects that cannot be part of a cycle
    _gc_untrack = ctypes.pythonapi.PyObject_GC_UnTrack
    _gc_untrack.argtypes = [ctypes.py_object]
    _gc_untrack.restype = None
    _gc_track = ctypes.pythonapi.PyObject_GC_Track
    _gc_track.argtypes = [ctypes.py_object]
    _gc_track.restype = None
except (AttributeError, OSError):  # another interpreter: its collector is its own business
    _gc_untrack = _gc_track = None
if _gc_untrack is None:
    def _gc_untrack(node: Any) -> None:
        """Nothing to do here (untrack_after() keeps the horizon out of reach anyway)."""

#: Nodes are left to the collector until a graph has this many of them (counted from the last
#: backward pass). Small graphs cost the collector little and untracking costs ~0.1 µs per Node.
UNTRACK_DEFAULT = 20_000
UNTRACK_AFTER = UNTRACK_DEFAULT


#: Output shapes, interned: a graph of a million (16,)-shaped Nodes keeps one (16,) tuple.
SHAPES: dict[tuple[int, ...], tuple[int, ...]] = {}


class _Horizon:
    """The creation number past which new Nodes are untracked (moved on by every backward)."""

    __slots__ = ("seq",)

    def __init__(self) -> None:
        self.seq = UNTRACK_AFTER


horizon = _Horizon()


def untrack(node: Node) -> None:
    """Hide ``node`` from the cyclic garbage collector (it can never be part of a cycle)."""
    _gc_untrack(node)


def untrack_after(count: int | None) -> None:
    """Untrack the Nodes of a graph once it has ``count`` Nodes (None: never). For tests."""
    global UNTRACK_AFTER
    UNTRACK_AFTER = 2**62 if count is None else int(count)
    horizon.seq = creation_number() + UNTRACK_AFTER


def graph_done() -> None:
    """Called after a backward pass: the next graph starts with tracked Nodes again."""
    horizon.seq = creation_number() + UNTRACK_AFTER
    if len(SHAPES) > 4096:  # many distinct shapes: start the interning table afresh
        SHAPES.clear()


def track_graph(roots: Iterable[Any]) -> None:
    """Give the Nodes behind ``roots`` back to the collector.

    Needed where a graph can become part of a reference cycle: a gradient with a graph of its
    own stored in a leaf's ``.grad`` (``backward(create_graph=True)``) refers, through its
    graph, to the leaf itself. PyTorch documents that cycle as a leak; here the collector gets
    to see it, and frees it once the gradient and the leaf are dropped.
    """
    if _gc_track is None:
        return
    stack = [r for r in roots if r.__class__ is Node]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if not gc.is_tracked(node):
            _gc_track(node)
        stack.extend(p for p in node.parents if p.__class__ is Node)


class _LastChange:
    """The number of the latest in-place change (0: none yet). Backward checks the saved values
    of a Node only if a change happened after the Node was recorded: one comparison per Node."""

    __slots__ = ("seq",)

    def __init__(self) -> None:
        self.seq = 0


last_change = _LastChange()
