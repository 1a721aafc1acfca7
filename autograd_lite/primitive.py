"""How a primitive runs: its numpy forward, and the Node it records for backward.

A primitive is a numpy function plus one vector-Jacobian product (VJP) per differentiable
argument. Calling a primitive:

* on plain numpy values (no Tensor among the arguments) runs the numpy forward and returns a
  numpy value: this is what makes every VJP usable in two modes (see below);
* on Tensors returns a Tensor and, when grad mode is on and an input requires grad, records a
  :class:`~autograd_lite.node.Node` holding what the VJPs need.

A VJP has the signature ``vjp(g, ans, x, ...)``: ``g`` is the gradient of the output, ``ans``
the output (None unless the row says ``saves="ans"`` or ``"both"``), then the arguments (None,
or for one-argument ops the input's shape, unless the row saves its inputs), then the plain
parameters. During a plain ``backward()`` these are numpy values, so the VJP is pure numpy and
costs what the hand-written math costs. With ``create_graph=True`` they are Tensors, so the
same VJP, written with primitives and operators, records a graph of its own: gradients of
gradients come for free. Masks inside VJPs are computed with the table's comparisons, never
from raw arrays, so that a compiled step (``al.compile``) recomputes them from its inputs.

Every primitive is registered in :data:`PRIMITIVES`; ``autograd_lite.api`` builds the Tensor
methods, operators and ``al.`` functions from the registrations.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .mode import _mode, _off
from .node import SHAPES, Node, defer, horizon, next_seq
from .tensor import Tensor, _make, array_of_list

VJP = Callable[..., Any]

SAVES = ("inputs", "ans", "both", "none")


class Primitive:
    """One row of the primitive table.

    Attributes:
        name: the op's name, used in errors and graph labels (``mul``).
        label: the short label drawn in graphs (``*``).
        forward: the numpy function computing the output.
        vjps: one VJP per argument (None for a non-differentiable argument, such as where's
            condition); empty for a primitive that is not differentiable (comparisons).
        arity: 1 (one tensor and plain parameters), 2 (two operands) or 3 (any number).
        saves_inputs, saves_ans: what backward needs to keep (the inputs, the output).
        ufunc: numpy's ufunc when the op is one (in-place forms use it with ``out=``).
        numpy_forward: the forward a plain backward runs the VJPs' operations with, on plain
            numpy values (the forward itself, but for where: see ops._mask_select);
            ``numpy_forward_min_size``: the output size below which it computes as the forward.
        into: the forward writing its value into a given array, ``into(*args, out=array)``, with
            the forward's numbers (the ufunc, when the forward is one); None when there is none.
            A compiled program writes large intermediate values into buffers through it.
        doc: one line of math for the op list.
    """

    __slots__ = ("name", "label", "forward", "vjps", "vjp0", "vjp1", "arity", "saves_inputs", "saves_ans", "ufunc",
                 "numpy_forward", "numpy_forward_min_size", "into", "doc")

    def __init__(self, name: str, forward: Callable[..., Any], vjps: Sequence[VJP | None], arity: int,
                 saves: str = "inputs", label: str | None = None, ufunc: np.ufunc | None = None,
                 doc: str = "", into: Callable[..., Any] | None = None,
                 numpy_forward: Callable[..., Any] | None = None, numpy_forward_min_size: int = 0) -> None:
        if saves not in SAVES:
            raise ValueError(f"primitive {name}: saves must be one of {SAVES}")
        if name in PRIMITIVES:
            raise ValueError(f"primitive {name} is defined twice")
        self.name = name
        self.label = label or name
        self.forward = forward
        self.vjps = vjps if isinstance(vjps, per_argument) else tuple(vjps)
        self.vjp0 = self.vjps[0] if arity < 3 and self.vjps else None  # the hot path reads these directly
        self.vjp1 = self.vjps[1] if arity == 2 and self.vjps else None
        self.arity = arity
        self.saves_inputs = saves in ("inputs", "both")
        self.saves_ans = saves in ("ans", "both")
        self.ufunc = ufunc
        self.numpy_forward = numpy_forward or forward
        self.numpy_forward_min_size = numpy_forward_min_size
        self.into = into or ufunc or (forward if isinstance(forward, np.ufunc) and forward.nout == 1 else None)
        self.doc = doc
        PRIMITIVES[name] = self

    @property
    def differentiable(self) -> bool:
        return isinstance(self.vjps, per_argument) or any(v is not None for v in self.vjps)

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


#: Every primitive by name, in the order of definition.
PRIMITIVES: dict[str, Primitive] = {}


class _Tracer:
    """The hook through which ``al.compile`` sees every primitive applied (None: not tracing).

    One trace at a time, in the thread that started it: the trace itself ignores what other
    threads do meanwhile, and :meth:`here` gives it only to its own thread."""

    __slots__ = ("active",)

    def __init__(self) -> None:
        self.active: Any = None

    def here(self) -> Any:
        """The active trace if this thread is the one tracing, else None."""
        trace = self.active
        return trace if trace is not None and trace.thread == threading.get_ident() else None


tracer = _Tracer()


class _InBackward(threading.local):
    """Whether this thread's backward pass is running the VJPs (engine.backward_pass sets it):
    their operations compute as ``numpy_forward`` (where's gradient: ops._mask_select), and
    al.compile's tracer notes them as such."""

    on = False


in_backward = _InBackward()

def through(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """The VJP of an input that reaches the output unchanged (both of x + y, x of x - y): the
    gradient itself. The backward loop knows it and skips the call."""
    return g


_new = object.__new__
_ndarray = np.ndarray
_F64 = np.dtype(np.float64)
_shapes = SHAPES.setdefault


def record(op: Primitive, p0: Any, p1: Any, a0: Any, a1: Any, out: Any) -> Tensor:
    """The output Tensor of a recorded application of ``op``, with its Node.

    Both objects are built here, slot by slot, in one call: this is the hot path of every
    operation, and a Python call costs more than the rest of it.
    """
    node = _new(Node)
    node.op = op
    node.p0 = p0
    node.p1 = p1
    node.a0 = a0
    node.a1 = a1
    node.out = out if op.saves_ans else None
    shape = out.shape
    node.shape = _shapes(shape, shape) if shape else shape  # one tuple per distinct shape, not per node
    node.pending = None
    node.extra = None
    node.seq = seq = next_seq()
    if seq > horizon.seq:
        defer(node)
    t = _new(Tensor)
    t._data = out
    t._node = node
    t._requires_grad = True
    return t


def _traced_numpy(prim: Primitive, operands: tuple, params: tuple, forward: Callable[..., Any] | None = None) -> Any:
    """A primitive on plain numpy values while al.compile traces: computed as usual (by
    ``forward``, default the primitive's), and told to the tracer, since its operands may be the
    function's inputs (a target array, say)."""
    out = _make((forward or prim.forward)(*operands, *params))
    tracer.active.apply(prim, operands, params, out)
    return out._data  # (a 0-d comparison's numpy bool becomes a 0-d array there: a value of its own)


#: numpy's scalar types that a 0-d tensor holds as they are
_SCALARS = frozenset({np.float64, np.float32, np.int64, np.int32, np.bool_, np.uint8, np.int8, np.int16,
                      np.uint16, np.uint32, np.uint64})
_ARRAY_OR_SCALAR = _SCALARS | {np.ndarray}  # what a binary operation's forward returns as it is


def _scalar(out: Any) -> Any:
    """numpy's 0-d arrays as numpy scalars (what numpy's ufuncs return for 0-d inputs)."""
    if out.__class__ is np.ndarray:
        return out[()] if out.ndim == 0 else out
    if isinstance(out, np.generic):
        return out
    return np.asarray(out)[()]  # a Python number from an operator on Python numbers


_KIND_EXAMPLE = {"b": False, "i": 0, "u": 0, "f": 0.0}


def _weak(v: Any, beside: Any) -> Any:
    """An operand ``v`` next to a tensor's values ``beside``, as PyTorch takes it: a numpy number
    (or 0-d array of one) next to floating-point values counts as the Python number it holds,
    which numpy casts to their dtype, so that a float32 tensor stays float32 (x / np.sqrt(2),
    x > np.float64(0.1), x * mask.sum()) where numpy would promote it to the number's dtype; a
    float64 tensor computes the same numbers either way. Next to an integer tensor numpy's rules
    stay (int8 + np.int64(300) is int64 301, where a Python 300 would not fit). Anything else is
    ``v`` itself. A value al.compile is tracing (a sum computed in the function) is cast by the
    table's astype instead of read into Python, so that it stays traced."""
    if not ((isinstance(v, np.generic) or (v.__class__ is np.ndarray and v.ndim == 0))
            and v.dtype.kind in "biuf" and beside.dtype.kind == "f"):
        return v
    trace = tracer.here()
    if trace is None or not trace.traced(v):
        return v.item()
    dtype = np.result_type(beside, _KIND_EXAMPLE[v.dtype.kind])
    return _traced_numpy(PRIMITIVES["astype"], (v,), (dtype, v.dtype)) if dtype != v.dtype else v


def _binary_error(name: str, x: Any, y: Any, err: Exception) -> ValueError:
    """Name both shapes: nearly always the operands do not broadcast."""
    xs, ys = np.shape(x), np.shape(y)
    try:
        np.broadcast_shapes(xs, ys)
    except ValueError:
        return ValueError(f"{name}: shapes {xs} and {ys} do not broadcast together")
    return ValueError(f"{name}: {err} (shapes {xs} and {ys})")


def kind(v: Any) -> str:
    """A short description of an operand's type, for errors."""
    if isinstance(v, Tensor):
        return f"Tensor({v.dtype})"
    return f"ndarray({v.dtype})" if isinstance(v, np.ndarray) else type(v).__name__


def _param_error(name: str, x: Any, err: Exception) -> Exception:
    """numpy's complaint about an axis, a shape or an index, said where the call was made."""
    cls = IndexError if isinstance(err, IndexError) and not isinstance(err, ValueError) else ValueError
    return cls(f"{name}: {err} (tensor of shape {np.shape(x)})")


def _saved_constant(t: Any) -> None:
    """A graph saved this Tensor's values: an in-place change must not overwrite them."""
    if isinstance(t, Tensor):
        t._saved = True


def _float_of_int(v: Any) -> Any:
    """An integer or bool operand as float64 (a Tensor through the table's astype, so that a
    compiled step converts each call's values); anything else as it is."""
    if v.__class__ is Tensor or isinstance(v, Tensor):
        dtype = v._data.dtype
        if dtype.kind in "biu":
            from .ops import astype  # (ops imports this module)

            return astype(v, np.dtype(np.float64), dtype)
        return v
    if isinstance(v, (np.ndarray, np.generic)):
        return v.astype(np.float64) if v.dtype.kind in "biu" else v
    return float(v) if v.__class__ is bool else v


def unary(name: str, forward: Callable[..., Any], vjp: VJP | None, *, params: bool = False,
          saves: str = "inputs", label: str | None = None, ufunc: np.ufunc | None = None,
          into: Callable[..., Any] | None = None, doc: str = "") -> Callable[..., Any]:
    """Define a primitive of one Tensor argument; with ``params=True`` plain parameters follow
    (an axis, a shape, an index), which reach the forward and the VJP as extra arguments.
    Without ``saves`` of the inputs, the VJP receives the input's shape in place of the input."""
    prim = Primitive(name, forward, (vjp,) if vjp is not None else (), 1, saves, label, ufunc, doc, into)
    save_inputs = prim.saves_inputs
    differentiable = vjp is not None
    # exp, sqrt, tanh... of bool, int8 or uint8: numpy answers in float16 (uint8 200 -> sqrt
    # 14.140625, exp inf), a dtype tensors do not take; they compute in float64, as of Python's ints
    small_floats_of_ints = (isinstance(forward, np.ufunc) and forward.nin == 1 and "e->e" in forward.types
                            and not any(t[0] in "?bBhHiIlLqQ" for t in forward.types))  # no loop for ints

    def result(x: Tensor, xd: Any, out: Any, params: tuple) -> Any:
        """The Tensor of ``out``, recorded in the graph when x needs a gradient (both forms below)."""
        cls = out.__class__
        if (cls is not _ndarray and cls not in _SCALARS) or (cls is _ndarray and not out.shape):
            out = _scalar(out)
        px = x._node
        if px is None and x._requires_grad:
            px = x
        if px is None or not differentiable or (_off.count and not _mode.enabled):
            t = _make(out)
        else:
            t = record(prim, px, None, xd if save_inputs else xd.shape, params, out)
        if tracer.active is not None:
            tracer.active.apply(prim, (x,), params, t)
        return t

    def op_with_params(x: Any, *params: Any) -> Any:
        if not isinstance(x, Tensor):
            return forward(x, *params) if tracer.active is None else _traced_numpy(prim, (x,), params)
        xd = x._data
        try:
            out = forward(xd, *params)
        except (ValueError, IndexError) as e:
            raise _param_error(name, xd, e) from None
        return result(x, xd, out, params)

    def op(x: Any) -> Any:
        if not isinstance(x, Tensor):
            return forward(x) if tracer.active is None else _traced_numpy(prim, (x,), ())
        xd = x._data
        dtype = xd.dtype
        if small_floats_of_ints and dtype is not _F64 and dtype.kind in "biu":  # (such a tensor never requires grad)
            x = _float_of_int(x)
            xd = x._data
        return result(x, xd, forward(xd), ())

    fn = op_with_params if params else op
    fn.__name__ = fn.__qualname__ = name
    fn.prim = prim  # type: ignore[attr-defined]
    return fn


def binary(name: str, forward: Callable[[Any, Any], Any], vjp_x: VJP | None, vjp_y: VJP | None, *,
           saves: str = "inputs", label: str | None = None, ufunc: np.ufunc | None = None,
           on_error: Callable[[Any, Any], Exception] | None = None, doc: str = "") -> Callable[[Any, Any], Any]:
    """Define a primitive of two arguments, each a Tensor, an array or a number.

    The VJPs may return a gradient in the broadcast shape of the output: the engine sums it
    down to each input's shape. ``on_error(x, y)`` builds the error raised when numpy rejects
    the operands; by default it names both shapes, which is what a broadcasting mistake needs.
    With no VJPs the primitive is not differentiable: its result never requires grad.
    """
    vjps = (vjp_x, vjp_y) if vjp_x is not None or vjp_y is not None else ()
    prim = Primitive(name, forward, vjps, 2, saves, label, ufunc, doc)
    save_inputs = prim.saves_inputs
    differentiable = bool(vjps)

    keep_out = prim.saves_ans

    def op(x: Any, y: Any) -> Any:
        if x.__class__ is Tensor or isinstance(x, Tensor):
            xd = x._data
            px = x._node
            if px is None and x._requires_grad:
                px = x
        elif isinstance(y, Tensor):
            xd, px = x, None
            if xd.__class__ is list or xd.__class__ is tuple:  # the VJPs need an array's shape
                xd = array_of_list(xd)
            else:
                x = xd = _weak(xd, y._data)
        elif tracer.active is None:
            return forward(x, y)  # numpy in, numpy out
        else:
            return _traced_numpy(prim, (x, y), ())
        cls = y.__class__
        if cls is float or cls is int:  # x * 2.0: a number, the commonest operand after a Tensor
            yd, py = y, None
        elif cls is Tensor or isinstance(y, Tensor):
            yd = y._data
            py = y._node
            if py is None and y._requires_grad:
                py = y
        else:
            yd, py = y, None
            if cls is list or cls is tuple:
                yd = array_of_list(yd)
            else:
                y = yd = _weak(yd, xd)
        try:
            if xd.__class__ is _ndarray and ufunc is not None:
                # straight to the ufunc, which the operator reaches through ndarray's dunder 50 ns
                # later; its result is an array, or a numpy scalar for 0-d operands
                out = ufunc(xd, yd)
            else:  # numpy scalars (0-d tensors) take the operator's fast path
                out = forward(xd, yd)
                if out.__class__ not in _ARRAY_OR_SCALAR:  # a Python number from Python numbers
                    out = _scalar(out)
        except ValueError as e:
            if on_error is not None:
                raise on_error(xd, yd) from None
            raise _binary_error(name, xd, yd, e) from None
        except TypeError:  # a string, a None, an object numpy cannot compute with
            raise TypeError(f"{name}: cannot compute with operands of types {kind(x)} and {kind(y)}") from None
        if (px is None and py is None) or not differentiable or (_off.count and not _mode.enabled):
            t = _make(out)
        else:
            # record(), inlined: binary operations are most of every graph
            if save_inputs:
                if px is None:
                    if isinstance(x, Tensor):
                        x._saved = True  # a graph saved these values: an in-place change must not overwrite them
                elif py is None and yd is not y and isinstance(y, Tensor):  # (a number or an array is yd itself)
                    y._saved = True
            node = _new(Node)
            node.op = prim
            node.p0 = px
            node.p1 = py
            if save_inputs:
                node.a0 = xd
                node.a1 = yd
            else:
                node.a0 = node.a1 = None
            node.out = out if keep_out else None
            shape = out.shape
            node.shape = _shapes(shape, shape) if shape else shape
            node.pending = None
            node.extra = None
            node.seq = seq = next_seq()
            if seq > horizon.seq:
                defer(node)
            t = _new(Tensor)
            t._data = out
            t._node = node
            t._requires_grad = True
        if tracer.active is not None:
            tracer.active.apply(prim, (x, y), (), t)
        return t

    op.__name__ = op.__qualname__ = name
    op.prim = prim  # type: ignore[attr-defined]
    return op


def floats_of_ints(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """The public form of a binary row whose ufunc has no integer loop (logaddexp): numpy would
    answer bool, int8 or uint8 operands in float16 (3.693 for 3.6931471805599454), so integer
    and bool operands are made float64 first, as unary rows do. (The composites and the VJPs,
    which only ever pass floats, call the row itself and pay nothing for this.)"""
    def fn(x: Any, y: Any) -> Any:
        return op(_float_of_int(x), _float_of_int(y))

    fn.__name__ = fn.__qualname__ = op.__name__
    fn.__doc__ = op.__doc__
    fn.prim = op.prim  # type: ignore[attr-defined]
    return fn


def conditional(name: str, forward: Callable[[Any, Any, Any], Any], vjp_x: VJP, vjp_y: VJP, *,
                label: str | None = None, numpy_forward: Callable[[Any, Any, Any], Any] | None = None,
                numpy_forward_min_size: int = 0, doc: str = "") -> Callable[[Any, Any, Any], Any]:
    """Define ``f(condition, x, y)``: two operands steered by a mask that carries no gradient.

    The condition is the one thing saved (``a0``); the VJPs are called as ``vjp(g, ans, c, None)``.
    ``numpy_forward`` replaces ``forward`` on plain numpy values (inside a plain backward); below
    ``numpy_forward_min_size`` elements the two compute the same way.
    """
    prim = Primitive(name, forward, (vjp_x, vjp_y), 2, "none", label, None, doc, numpy_forward=numpy_forward,
                     numpy_forward_min_size=numpy_forward_min_size)
    numpy_forward = prim.numpy_forward

    def op(condition: Any, x: Any, y: Any) -> Any:
        tc, tx, ty = isinstance(condition, Tensor), isinstance(x, Tensor), isinstance(y, Tensor)
        if not (tc or tx or ty):  # numpy values: a VJP's in a plain backward, or a user's
            fn = numpy_forward if in_backward.on else forward
            if tracer.active is not None:
                return _traced_numpy(prim, (condition, x, y), (), fn)
            return fn(condition, x, y)
        c = condition._data if tc else condition
        if x.__class__ is list or x.__class__ is tuple:
            x = array_of_list(x)
        if y.__class__ is list or y.__class__ is tuple:
            y = array_of_list(y)
        if not tx and ty:  # (with both numbers, their own dtypes decide)
            if x.__class__ is not float and x.__class__ is not int:  # (Python numbers are weak already)
                x = _weak(x, y._data)
        elif not ty and tx:
            if y.__class__ is not float and y.__class__ is not int:
                y = _weak(y, x._data)
        xd = x._data if tx else x
        yd = y._data if ty else y
        px = py = None
        if tx:
            px = x._node
            if px is None and x._requires_grad:
                px = x
        if ty:
            py = y._node
            if py is None and y._requires_grad:
                py = y
        try:
            if tracer.active is None:
                out = forward(c, xd, yd)
            else:  # a VJP's operation in a backward being traced computes as in a plain backward
                out = (numpy_forward if in_backward.on and tracer.here() is not None else forward)(c, xd, yd)
        except ValueError:
            shapes = " and ".join(str(np.shape(v)) for v in (c, xd, yd))
            raise ValueError(f"{name}: shapes {shapes} do not broadcast together") from None
        except TypeError:
            raise TypeError(f"{name}: cannot compute with operands of types "
                            f"{kind(condition)}, {kind(x)} and {kind(y)}") from None
        if out.__class__ is not _ndarray or not out.shape:
            out = _scalar(out)
        if out.dtype.kind not in "biuf":  # np.where(c, x, "a") makes strings
            raise TypeError(f"{name}: cannot compute with operands of types {kind(condition)}, {kind(x)} and {kind(y)}")
        if (px is None and py is None) or (_off.count and not _mode.enabled):
            t = _make(out)
        else:
            if tc:
                condition._saved = True  # the graph keeps this mask: an in-place change must not overwrite it
            t = record(prim, px, py, c, None, out)
        if tracer.active is not None:
            tracer.active.apply(prim, (condition, x, y), (), t)
        return t

    op.__name__ = op.__qualname__ = name
    op.prim = prim  # type: ignore[attr-defined]
    return op


def nary(name: str, forward: Callable[..., Any], vjps: Sequence[VJP | None] | per_argument, *,
         saves: str = "inputs", label: str | None = None, into: Callable[..., Any] | None = None,
         doc: str = "") -> Primitive:
    """Define a primitive with any number of Tensor arguments; call it through :func:`apply`.

    Its Node keeps the tuple of parents in ``p0`` and the tuple of saved arguments (or their
    shapes) followed by the parameters in ``a0``; the VJP of argument i is called as
    ``vjps[i](g, ans, *a0)``.
    """
    return Primitive(name, forward, vjps, 3, saves, label, None, doc, into)


def apply(prim: Primitive, tensors: Sequence[Any], *params: Any) -> Any:
    """Run ``prim`` on ``tensors`` (Tensors, arrays, numbers or None) followed by plain ``params``.

    Returns a numpy value when no argument is a Tensor, else a Tensor (with a Node when recorded).
    """
    datas = []
    parents = []
    any_tensor = recorded = False
    vjps = prim.vjps
    for i, t in enumerate(tensors):
        if isinstance(t, Tensor):
            any_tensor = True
            datas.append(t._data)
            if t._requires_grad and vjps[i] is not None:
                parents.append(t._node or t)
                recorded = True
                continue
        else:
            datas.append(t)
        parents.append(None)
    if not any_tensor and tracer.active is not None:
        return _traced_numpy(prim, tuple(tensors), params)
    out = prim.forward(*datas, *params)
    if not any_tensor:
        return out
    out = _scalar(out)
    if not recorded or (_off.count and not _mode.enabled):
        t = _make(out)
    else:
        if prim.saves_inputs:
            for p, v in zip(parents, tensors):
                if p is None:
                    _saved_constant(v)
            args = (*datas, *params)
        else:
            args = (*(np.shape(d) for d in datas), *params)
        t = record(prim, tuple(parents), None, args, None, out)
    if tracer.active is not None:
        tracer.active.apply(prim, tuple(tensors), params, t)
    return t


class Check:
    """A check of values that eager code makes on every call (class indices in range, probabilities
    in [0, 1]), for :func:`checked`: what a compiled program runs in its place, in order."""

    __slots__ = ("name", "label", "forward", "numpy_forward", "numpy_forward_min_size", "into", "ufunc")

    def __init__(self, fn: Callable[..., None]) -> None:
        self.name = fn.__name__
        self.label = fn.__name__.strip("_").replace("_", " ")  # _check_class_indices: "check class indices"
        self.forward = self.numpy_forward = fn
        self.numpy_forward_min_size = 0
        self.into = self.ufunc = None


_CHECKS: dict[Callable[..., None], Check] = {}


def checked(fn: Callable[..., None], *values: Any) -> None:
    """Run ``fn(*values)``, which raises on bad values. While al.compile traces, it is recorded as
    well, so that every replay runs it on its own call's values (a replay that skipped it gave a
    loss where eager raised: a class index of -1 picked the last class)."""
    fn(*values)
    trace = tracer.here()
    if trace is not None:
        check = _CHECKS.get(fn) or _CHECKS.setdefault(fn, Check(fn))
        trace.apply(check, values, (), _make(np.zeros(())))  # (a value of its own: the check returns None)


class per_argument:
    """The VJPs of a variadic primitive (concatenate, stack): ``vjp(i, g, ans, *args)`` for argument i."""

    __slots__ = ("vjp",)

    def __init__(self, vjp: Callable[..., Any]) -> None:
        self.vjp = vjp

    def __getitem__(self, i: int) -> VJP:
        vjp = self.vjp
        return lambda g, ans, *args: vjp(i, g, ans, *args)

    def __iter__(self):  # noqa: ANN204  (any number of arguments)
        i = 0
        while True:
            yield self[i]
            i += 1

    def __len__(self) -> int:
        return 1  # "differentiable": at least one VJP
