"""How a primitive runs: its numpy forward, and the Node it records for backward.

A primitive is a numpy function plus one vector-Jacobian product (VJP) per differentiable
argument. Calling a primitive:

* on plain numpy values (no Tensor among the arguments) runs the numpy forward and returns a
  numpy value: this is what makes every VJP usable in two modes (see below);
* on Tensors returns a Tensor and, when grad mode is on and an input requires grad, records a
  :class:`Node` holding what the VJPs need.

A VJP has the signature ``vjp(g, ans, *args) -> gradient for its argument``. ``g`` is the
gradient of the output, ``ans`` the output, ``args`` the forward's arguments. During a plain
``backward()`` they are numpy arrays, so the VJP is pure numpy and costs what the hand-written
math costs. With ``create_graph=True`` they are Tensors, so the same VJP, written with
primitives and operators, records a graph of its own: gradients of gradients come for free.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .mode import _mode
from .tensor import Tensor, _make

VJP = Callable[..., Any]

_seq = itertools.count()


# creation_number() -> int: a number below the ``seq`` of every Node recorded from now on and
# above every Node's recorded so far; two calls bracket the Nodes a piece of code created (used
# to group a drawing by layer). A C-level call: layers call it twice per forward.
creation_number = functools.partial(next, _seq)


class Primitive:
    """One row of the primitive table.

    Attributes:
        name: the op's name, used in errors and graph labels (``mul``).
        label: the short label drawn in graphs (``*``).
        forward: the numpy function computing the output.
        vjps: one VJP per argument (``None`` for a non-differentiable argument, such as an axis).
        save_inputs: keep the input arrays for backward; when False only their shapes are kept
            (add, sum, reshape... need no values), so memory is freed as early as possible.

    Every Node keeps its output until backward has used it: VJPs such as exp's (g * ans) need
    it, and a drawing of the graph shows it.
    """

    __slots__ = ("name", "label", "forward", "vjps", "save_inputs", "nondifferentiable")

    def __init__(
        self,
        name: str,
        forward: Callable[..., Any],
        vjps: Sequence[VJP | None],
        save_inputs: bool = True,
        label: str | None = None,
    ) -> None:
        self.name = name
        self.label = label or name
        self.forward = forward
        self.vjps = vjps
        self.save_inputs = save_inputs
        # positions with no VJP (where's condition): never a parent in the graph
        self.nondifferentiable = frozenset(i for i, v in enumerate(vjps) if v is None) if isinstance(
            vjps, tuple) else frozenset()

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


class Node:
    """A recorded primitive application: the vertex of the backward graph.

    ``parents[i]`` is where the gradient of argument ``i`` goes: the Node that made it, the leaf
    Tensor itself, or None when it needs no gradient. ``args``/``out`` hold the saved values and
    are set to None once a backward has used them (unless ``retain_graph``), which frees the
    memory and marks the graph as consumed; ``op``, ``parents`` and ``shape`` stay, so the graph
    can still be drawn. ``seq`` increases with creation: the engine's topological order.
    The graph never refers to the Tensors it produced: ``retain`` is a weak reference to the
    output Tensor only after ``retain_grad()`` asked for its gradient; ``name`` is set when the
    output Tensor is named (drawings use it). ``grad`` keeps the node's gradient after
    ``backward(retain_graph=True)``, with the rest of the retained graph, so that a drawing can
    show every gradient. ``pending`` is the gradient summed so far during a backward pass
    (None: not reached yet).

    Nodes are made only by :func:`_record`, with the Tensor they produce.
    """

    __slots__ = (
        "op", "parents", "args", "out", "_shape", "seq", "name", "retain", "grad", "pending", "__weakref__"
    )

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of the output (kept when the output itself is freed)."""
        out = self.out
        return out.shape if out is not None else self._shape

    def __repr__(self) -> str:
        return f"<Node {self.op.name} shape={self.shape}>"


_new = object.__new__


def _record(prim: Primitive, parents: tuple, args: tuple, out: np.ndarray) -> Tensor:
    """The output Tensor of a recorded application of ``prim``, with its Node.

    Both objects are built here, slot by slot, in one call: this is the hot path of every
    operation, and a Python call costs more than the rest of it.
    """
    node = _new(Node)
    node.op = prim
    node.parents = parents
    node.args = args
    node.out = out
    node.seq = next(_seq)
    node.retain = None
    node.grad = None
    node.pending = None
    t = _new(Tensor)
    t.data = out
    t.grad = None
    t._node = node
    t.requires_grad = True
    return t


def _binary_error(name: str, x: Any, y: Any, err: Exception) -> ValueError:
    """Name both shapes: nearly always the operands do not broadcast."""
    xs, ys = np.shape(x), np.shape(y)
    try:
        np.broadcast_shapes(xs, ys)
    except ValueError:
        return ValueError(f"{name}: shapes {xs} and {ys} do not broadcast together")
    return ValueError(f"{name}: {err} (shapes {xs} and {ys})")


def _kind(v: Any) -> str:
    if isinstance(v, Tensor):
        return f"Tensor({v.dtype})"
    return f"ndarray({v.dtype})" if isinstance(v, np.ndarray) else type(v).__name__


def _param_error(name: str, x: np.ndarray, err: Exception) -> Exception:
    """numpy's complaint about an axis, a shape or an index, said where the call was made."""
    kind = IndexError if isinstance(err, IndexError) and not isinstance(err, ValueError) else ValueError
    return kind(f"{name}: {err} (tensor of shape {x.shape})")


def unary(
    name: str,
    forward: Callable[..., Any],
    vjp: VJP,
    *,
    params: bool = False,
    save_inputs: bool = True,
    label: str | None = None,
) -> Callable[..., Any]:
    """Define a primitive of one Tensor argument; with ``params=True`` plain parameters follow
    (an axis, a shape, an index), which reach the forward and the VJP as extra arguments."""
    prim = Primitive(name, forward, (vjp,), save_inputs, label)

    def op_with_params(x: Any, *params: Any) -> Any:
        if not isinstance(x, Tensor):
            return forward(x, *params)
        xd = x.data
        try:
            out = forward(xd, *params)
        except (ValueError, IndexError) as e:
            raise _param_error(name, xd, e) from None
        if out.__class__ is not np.ndarray:
            out = np.asarray(out)
        if x.requires_grad and _mode.enabled:
            args = (xd, *params) if save_inputs else (xd.shape, *params)
            return _record(prim, (x._node or x,), args, out)
        return _make(out)

    def op(x: Any) -> Any:
        if not isinstance(x, Tensor):
            return forward(x)
        xd = x.data
        out = forward(xd)
        if out.__class__ is not np.ndarray:
            out = np.asarray(out)
        if x.requires_grad and _mode.enabled:
            return _record(prim, (x._node or x,), (xd,) if save_inputs else (xd.shape,), out)
        return _make(out)

    fn = op_with_params if params else op
    fn.__name__ = fn.__qualname__ = name
    fn.prim = prim  # type: ignore[attr-defined]
    return fn


_UNSAVED = (None, None)


def binary(
    name: str,
    forward: Callable[[Any, Any], Any],
    vjp_x: VJP,
    vjp_y: VJP,
    *,
    save_inputs: bool = True,
    label: str | None = None,
    on_error: Callable[[Any, Any], Exception] | None = None,
) -> Callable[[Any, Any], Any]:
    """Define a primitive of two arguments, each a Tensor, an array or a number.

    The VJPs may return a gradient in the broadcast shape of the output: the engine sums it
    down to each input's shape. ``on_error(x, y)`` builds the error raised when numpy rejects
    the operands; by default it names both shapes, which is what a broadcasting mistake needs.
    With ``save_inputs=False`` the VJPs receive None for x and y.
    """
    prim = Primitive(name, forward, (vjp_x, vjp_y), save_inputs, label)

    def op(x: Any, y: Any) -> Any:
        if isinstance(x, Tensor):
            xd = x.data
            px = (x._node or x) if x.requires_grad else None
        elif isinstance(y, Tensor):
            xd, px = x, None
        else:
            return forward(x, y)  # numpy in, numpy out
        if isinstance(y, Tensor):
            yd = y.data
            py = (y._node or y) if y.requires_grad else None
        else:
            yd, py = y, None
        try:
            out = forward(xd, yd)
        except ValueError as e:
            if on_error is not None:
                raise on_error(xd, yd) from None
            raise _binary_error(name, xd, yd, e) from None
        except TypeError:  # a string, a None, an object numpy cannot compute with
            raise TypeError(f"{name}: cannot compute with operands of types {_kind(x)} and {_kind(y)}") from None
        if out.__class__ is not np.ndarray:
            out = np.asarray(out)
        if (px is None and py is None) or not _mode.enabled:
            return _make(out)
        return _record(prim, (px, py), (xd, yd) if save_inputs else _UNSAVED, out)

    op.__name__ = op.__qualname__ = name
    op.prim = prim  # type: ignore[attr-defined]
    return op


def conditional(
    name: str,
    forward: Callable[[Any, Any, Any], Any],
    vjp_x: VJP,
    vjp_y: VJP,
    *,
    label: str | None = None,
    numpy_forward: Callable[[Any, Any, Any], Any] | None = None,
) -> Callable[[Any, Any, Any], Any]:
    """Define ``f(condition, x, y)``: a binary primitive steered by a constant mask (where).

    The condition carries no gradient and is the one thing saved; x and y reach the VJPs as None.
    ``numpy_forward`` replaces ``forward`` on plain numpy values (inside a plain backward).
    """
    numpy_forward = numpy_forward or forward
    prim = Primitive(name, forward, (None, vjp_x, vjp_y), False, label)

    def op(condition: Any, x: Any, y: Any) -> Any:
        c = condition.data if isinstance(condition, Tensor) else condition
        tx, ty = isinstance(x, Tensor), isinstance(y, Tensor)
        if not (tx or ty):
            return numpy_forward(c, x, y)
        xd = x.data if tx else x
        yd = y.data if ty else y
        px = (x._node or x) if tx and x.requires_grad else None
        py = (y._node or y) if ty and y.requires_grad else None
        try:
            out = forward(c, xd, yd)
        except ValueError:
            shapes = " and ".join(str(np.shape(v)) for v in (c, xd, yd))
            raise ValueError(f"{name}: shapes {shapes} do not broadcast together") from None
        if out.__class__ is not np.ndarray:
            out = np.asarray(out)
        if (px is None and py is None) or not _mode.enabled:
            return _make(out)
        return _record(prim, (None, px, py), (c, None, None), out)

    op.__name__ = op.__qualname__ = name
    op.prim = prim  # type: ignore[attr-defined]
    return op


def nary(
    name: str,
    forward: Callable[..., Any],
    vjps: Sequence[VJP | None],
    *,
    save_inputs: bool = True,
    label: str | None = None,
) -> Primitive:
    """Define a primitive with any number of Tensor arguments; call it through :func:`apply`."""
    return Primitive(name, forward, vjps, save_inputs, label)


def apply(prim: Primitive, tensors: Sequence[Any], *params: Any) -> Any:
    """Run ``prim`` on ``tensors`` (Tensors, arrays, numbers or None) followed by plain ``params``.

    Returns a numpy value when no argument is a Tensor, else a Tensor (with a Node when recorded).
    """
    datas = []
    parents = []
    any_tensor = recorded = False
    fixed = prim.nondifferentiable
    for i, t in enumerate(tensors):
        if isinstance(t, Tensor):
            any_tensor = True
            datas.append(t.data)
            if t.requires_grad and i not in fixed:
                parents.append(t._node or t)
                recorded = True
                continue
        else:
            datas.append(t)
        parents.append(None)
    out = prim.forward(*datas, *params)
    if not any_tensor:
        return out
    if out.__class__ is not np.ndarray:  # numpy gives scalars for 0-d results
        out = np.asarray(out)
    if not recorded or not _mode.enabled:
        return _make(out)
    if prim.save_inputs:
        args = (*datas, *params)
    else:
        args = (*(np.shape(d) for d in datas), *params)
    return _record(prim, tuple(parents), args, out)


class per_argument:
    """The VJPs of a variadic primitive (concatenate, stack): ``vjp(i, g, ans, *args)`` for argument i."""

    __slots__ = ("vjp",)

    def __init__(self, vjp: Callable[..., Any]) -> None:
        self.vjp = vjp

    def __getitem__(self, i: int) -> VJP:
        vjp = self.vjp
        return lambda g, ans, *args: vjp(i, g, ans, *args)

    def __iter__(self) -> Iterator[VJP]:  # the engine zips this with the parents
        return (self[i] for i in itertools.count())
