"""Attach the registered ops to Tensor and build the ``al.`` functions (run once, at import).

Each op was registered where it is defined (``registry.register`` next to its row in
``ops.py`` or its composite in ``functional.py``); this module only reads the registrations,
as HIPS autograd attaches its methods to ``ArrayBox`` after the ops exist. So no module of the
engine imports another in a cycle, and adding an op touches one place.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from . import engine, functional, ops  # noqa: F401  (importing them registers their ops)
from . import primitive as _primitive
from .mode import _mode
from .registry import ENTRIES, Entry
from .tensor import Tensor


def _function(entry: Entry) -> Callable[..., Any]:
    """``al.<name>(x, ...)``: the method, with ``x`` wrapped as a Tensor if it is not one.

    A binary primitive takes a number on either side as it is (``al.add(2.5, x)`` keeps x's
    float32, as ``2.5 + x`` does) and returns a Tensor even for two numbers."""
    if not entry.is_method:
        return entry.method
    method = entry.method
    prim = getattr(method, "prim", None)
    if prim is not None and prim.arity == 2 and prim.differentiable:

        @functools.wraps(method)
        def binary(x: Any, y: Any) -> Any:
            out = method(x, y)
            return out if isinstance(out, Tensor) else ops._t(out)

        binary.__name__ = binary.__qualname__ = entry.function  # type: ignore[assignment]
        return binary

    @functools.wraps(method)
    def function(x: Any, *args: Any, **kwargs: Any) -> Any:
        return method(x if isinstance(x, Tensor) else ops._t(x), *args, **kwargs)

    function.__name__ = function.__qualname__ = entry.function  # type: ignore[assignment]
    return function


def _backward(self: Tensor, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
              inputs: Any = None) -> None:
    """Accumulate d(self)/d(leaf) into every leaf's ``.grad``. See :func:`autograd_lite.engine.backward`."""
    engine.backward(self, gradient, retain_graph, create_graph, inputs)


def _transposed(self: Tensor) -> Tensor:
    """The tensor with its axes reversed (the transpose of a matrix)."""
    return ops.transpose(self, None)


def _ufuncs() -> dict[Any, Callable[..., Any]]:
    """numpy's ufuncs that are operations of the table: np.exp(t) is t.exp(), arr + t is a Tensor."""
    table = {np.add: ops.add, np.subtract: ops.sub, np.multiply: ops.mul, np.true_divide: ops.div,
             np.power: ops.power, np.negative: ops.neg, np.exp: ops.exp, np.log: ops.log, np.log1p: ops.log1p,
             np.sqrt: ops.sqrt, np.absolute: ops.abs, np.sin: ops.sin, np.cos: ops.cos, np.tanh: ops.tanh,
             np.maximum: ops.maximum, np.minimum: ops.minimum, np.matmul: ops.matmul, np.sign: ops.sign,
             np.isfinite: ops.isfinite, np.isnan: ops.isnan, np.logical_not: ops.logical_not}
    for name in ("less", "less_equal", "greater", "greater_equal", "equal", "not_equal", "logical_and", "logical_or"):
        table[getattr(np, name)] = getattr(ops, name)
    return table


_UFUNCS = _ufuncs()


def _array_ufunc(self: Tensor, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
    """numpy's dispatch: a ufunc of the table on Tensors is that operation (recorded); with
    ``out=`` a numpy array (``arr -= t``), it writes the values there, untracked, as
    ``t.data -= ...`` does. Anything else is refused, naming what to use instead."""
    out = kwargs.get("out")
    if method == "__call__" and out is not None:
        outs = out if isinstance(out, tuple) else (out,)
        if any(isinstance(o, Tensor) for o in outs):
            raise TypeError(f"np.{ufunc.__name__}(..., out=tensor): write into a Tensor with its in-place "
                            "operators (t += x, t.mul_(x)) so that the change is tracked")
        raw = [x._data if isinstance(x, Tensor) else x for x in inputs]
        return ufunc(*raw, **kwargs)
    op = _UFUNCS.get(ufunc)
    if method == "__call__" and op is not None and not kwargs:
        return op(*inputs)
    raise TypeError(
        f"np.{ufunc.__name__}{'.' + method if method != '__call__' else ''} is not an operation on autograd_lite "
        "Tensors (no gradient would flow through it); use the al. functions and Tensor methods, or "
        "t.numpy() for the values"
    )


def _tensors_in(values: Any) -> Any:
    """The Tensors among numpy's arguments or in its result, in lists, tuples and dicts too."""
    if isinstance(values, Tensor):
        yield values
    elif isinstance(values, (list, tuple)):
        for v in values:
            yield from _tensors_in(v)
    elif isinstance(values, dict):
        for v in values.values():
            yield from _tensors_in(v)


#: numpy's math that has an al. counterpart (or a composition of its operations) and computes with
#: a tensor's values: on one that requires grad, in grad mode, the gradient would be lost. (numpy's
#: other functions run as they did: np.mean(t) calls t.mean(); np.zeros_like(t), np.histogram(t)
#: and matplotlib's plotting want the values.)
_DROPS_GRADIENT = frozenset({
    np.dot, np.vdot, np.inner, np.outer, np.tensordot, np.einsum, np.kron, np.cross, np.trace,
    np.where, np.concatenate, np.stack, np.vstack, np.hstack, np.dstack, np.column_stack, np.block,
    np.linalg.norm, np.diff, np.average, np.median, np.percentile, np.quantile, np.convolve,
})


def _array_function(self: Tensor, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
    """numpy's dispatch of its other functions: they run as they would without it (np.mean(t) and
    np.reshape(t, s) call the Tensor's own methods and keep the graph; np.dot(t, t) computes with
    the values), but numpy's math (_DROPS_GRADIENT) on a tensor that requires grad, in grad mode,
    is refused before it runs, naming what to use instead: the gradient would be lost without a
    word (PyTorch will not hand numpy such a tensor)."""
    implementation = getattr(func, "_implementation", None)
    if implementation is None:  # (numpy's own functions have one; anything else: the values)
        return func(*[np.asarray(a) if isinstance(a, Tensor) else a for a in args], **kwargs)
    if func in _DROPS_GRADIENT and _mode.enabled and any(t._requires_grad for t in _tensors_in((args, kwargs))):
        raise TypeError(
            f"np.{func.__name__} on a Tensor that requires grad: numpy would compute with its values and the "
            "gradient would be lost; use the al. functions and Tensor methods (al.matmul, al.where, "
            "al.concatenate...), or t.detach() / t.numpy() for the values"
        )
    return implementation(*args, **kwargs)


def attach() -> dict[str, Callable[..., Any]]:
    """Set every registered method and operator on Tensor; return the ``al.`` functions by name."""
    functions: dict[str, Callable[..., Any]] = {}
    for entry in ENTRIES.values():
        if entry.is_method:
            for name in (entry.name, *entry.aliases):
                setattr(Tensor, name, entry.method)
        for dunder in entry.operators:
            setattr(Tensor, dunder, entry.method)
        if entry.function:
            functions[entry.function] = _function(entry)
    Tensor.backward = _backward  # type: ignore[attr-defined]
    Tensor.__array_ufunc__ = _array_ufunc  # type: ignore[attr-defined]
    Tensor.__array_function__ = _array_function  # type: ignore[attr-defined]
    Tensor.T = property(_transposed)  # type: ignore[attr-defined]
    return functions


FUNCTIONS = attach()
#: The primitives of the table itself (a program may define more, with primitive.unary...).
TABLE = frozenset(_primitive.PRIMITIVES)
