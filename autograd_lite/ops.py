"""THE PRIMITIVE TABLE: each primitive's numpy forward beside its vector-Jacobian products.

Read a row as calculus: ``exp = unary("exp", np.exp, lambda g, ans, x: g * ans, saves="ans")``
says d/dx e^x = e^x, so the gradient flowing back to x is ``g * ans``. A VJP receives the
output's gradient ``g``, the output ``ans`` (when the row saves it) and the forward's arguments
(when the row saves them; else the input's shape for one-argument ops, None for two), then the
plain parameters. Every VJP is written with the functions of this table and Python operators,
which act on numpy values in a plain backward and on Tensors, recording a new graph, under
``create_graph=True``: that is all higher-order gradients need.

Rules every VJP keeps:

* masks come from the table's comparisons (``greater(x, y)``), never from raw arrays, so that
  a compiled step recomputes them from its inputs;
* constants are Python numbers or take ``g``'s dtype, so a float32 gradient stays float32;
* a binary VJP may answer in the broadcast shape of the output: the engine sums it down to the
  argument's shape with :func:`sum_to`, which only sums broadcast axes and adds or drops axes of
  length 1, and raises on anything else;
* nan: the gradient goes to the input the output came from; a nan input gives a nan output, so
  it gets the gradient (relu, threshold, clip, maximum and minimum alike).

After each row, the names under which it is reachable (a Tensor method, an ``al.`` function,
an operator) are registered once (``autograd_lite.registry``). Everything not here (sigmoid,
softmax, losses...) is a composite in ``functional.py``.
"""

from __future__ import annotations

import builtins
import functools
import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .primitive import (
    _weak,
    apply,
    binary,
    conditional,
    floats_of_ints,
    kind,
    nary,
    per_argument,
    through,
    tracer,
    unary,
)
from .registry import register, tensor_method
from .tensor import Tensor, _make, as_tensor

# Inside this module sum/abs/max/min are the primitives below, not Python's builtins.

Axes = tuple[int, ...] | None


def _data(v: Any) -> Any:
    """The numpy value of a Tensor (or the value itself), for shapes and dtypes: never for masks."""
    return v._data if isinstance(v, Tensor) else v


def _t(x: Any) -> Tensor:
    """An ``al.`` function's first argument as a Tensor (arrays and numbers are wrapped)."""
    return x if isinstance(x, Tensor) else as_tensor(x)


# ---------------------------------------------------------------------------------------
# Comparisons and masks: not differentiable (bool results never require grad), but
# primitives all the same, so that a compiled step recomputes every mask from its inputs.
# ---------------------------------------------------------------------------------------
less = binary("less", np.less, None, None, label="<", doc="x < y")
less_equal = binary("less_equal", np.less_equal, None, None, label="<=", doc="x <= y")
greater = binary("greater", np.greater, None, None, label=">", doc="x > y")
greater_equal = binary("greater_equal", np.greater_equal, None, None, label=">=", doc="x >= y")
equal = binary("equal", np.equal, None, None, label="==", doc="x == y")
not_equal = binary("not_equal", np.not_equal, None, None, label="!=", doc="x != y")
logical_and = binary("logical_and", np.logical_and, None, None, label="&", doc="x and y")
logical_or = binary("logical_or", np.logical_or, None, None, label="|", doc="x or y")
logical_not = unary("logical_not", np.logical_not, None, label="~", doc="not x")
sign = unary("sign", np.sign, None, doc="-1, 0 or 1 (nan for nan)")
isfinite = unary("isfinite", np.isfinite, None, doc="neither inf nor nan")
isnan = unary("isnan", np.isnan, None, doc="x is nan")
detach = unary("detach", lambda x: x, None, doc="x, cut from the graph")
argmax = unary("argmax", lambda x, axis: np.argmax(x, axis), None, params=True, doc="index of the largest")
argmin = unary("argmin", lambda x, axis: np.argmin(x, axis), None, params=True, doc="index of the smallest")

for _name, _op, _dunder in [("less", less, "__lt__"), ("less_equal", less_equal, "__le__"),
                            ("greater", greater, "__gt__"), ("greater_equal", greater_equal, "__ge__"),
                            ("equal", equal, "__eq__"), ("not_equal", not_equal, "__ne__"),
                            ("logical_and", logical_and, "__and__"), ("logical_or", logical_or, "__or__")]:
    register(_name, _op, "primitive", operators=(_dunder,), differentiable=False)
register("logical_not", logical_not, "primitive", operators=("__invert__",), differentiable=False)
register("sign", sign, "primitive", differentiable=False)
register("isfinite", isfinite, "primitive", differentiable=False)
register("isnan", isnan, "primitive", differentiable=False)


@tensor_method("detach", function=False, differentiable=False)
def _detach_method(self: Tensor) -> Tensor:
    """The same data (shared), cut from the graph: a leaf that does not require grad.

    An in-place change of the detached tensor (``d += 1``) gives it a new buffer when the
    original is part of a graph, so that the graph's saved values stay intact (PyTorch changes
    both and refuses the later backward; here the graph stays right).
    """
    out = detach(self)
    if self._requires_grad:
        out._saved = True
    return out


@tensor_method("argmax", differentiable=False)
def _argmax_method(self: Tensor, axis: int | None = None) -> Tensor:
    """Index of the largest element (over all elements, or along ``axis``)."""
    return argmax(self, None if axis is None else _axis(axis, self.ndim, "argmax"))


@tensor_method("argmin", differentiable=False)
def _argmin_method(self: Tensor, axis: int | None = None) -> Tensor:
    """Index of the smallest element (over all elements, or along ``axis``)."""
    return argmin(self, None if axis is None else _axis(axis, self.ndim, "argmin"))


def _nan_or(mask: Any, x: Any) -> Any:
    """``mask`` or x is nan: the elements where the gradient goes to x (see the nan rule)."""
    return logical_or(mask, not_equal(x, x))


# ---------------------------------------------------------------------------------------
# Axes and shapes: checked and normalised where the call is made, so that a Node saves
# non-negative axes (a mixed-sign permutation once inverted wrongly).
# ---------------------------------------------------------------------------------------
class AxisError(ValueError, IndexError):
    """An axis out of range: a ValueError (as numpy's AxisError) and an IndexError (as PyTorch's)."""


def _axis(axis: Any, ndim: int, name: str, shape: tuple[int, ...] | None = None) -> int:
    """One axis as a non-negative int; a 0-d tensor accepts 0 and -1, as in PyTorch."""
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"{name}: an axis must be an integer, got {axis!r}")
    axis = int(axis)
    n = builtins.max(ndim, 1)
    if not -n <= axis < n:
        what = f"a tensor of shape {shape}" if shape is not None else f"a {ndim}-d tensor"
        raise AxisError(f"{name}: axis {axis} is out of range for {what} (valid axes: {-n}..{n - 1})")
    return axis % n


def _axes(axis: Any, ndim: int, name: str, shape: tuple[int, ...] | None = None, reduction: bool = False) -> Axes:
    """``axis`` (None, an int or a sequence of them) as None or a sorted tuple of distinct
    non-negative axes. For 0-d tensors, 0 and -1 name no axis at all (PyTorch's rule).
    A ``reduction`` refuses an empty sequence, which numpy and PyTorch read oppositely."""
    if axis is None:
        return None
    if isinstance(axis, (int, np.integer)):
        items = [axis]
    elif isinstance(axis, (tuple, list)):
        items = list(axis)
        if reduction and not items and ndim > 0:
            raise ValueError(f"{name}: axis={axis!r} names no axis, which numpy reads as none and PyTorch as "
                             "every one; pass axis=None for every axis, or the axes you mean")
    else:
        raise TypeError(f"{name}: axis must be an integer or a tuple of integers, got {axis!r}")
    axes = tuple(sorted(_axis(a, ndim, name, shape) for a in items))
    if len(set(axes)) != len(axes):
        raise ValueError(f"{name}: axis {axis} repeats an axis")
    return () if ndim == 0 else axes


def _shape_arg(shape: tuple) -> tuple:
    """Accept f(2, 3) and f((2, 3)) alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def sum_to(g: Any, shape: tuple[int, ...], name: str = "an operation") -> Any:
    """Sum ``g`` down to ``shape``: the adjoint of broadcasting ("unbroadcast").

    Axes that broadcasting added in front are summed away, axes of length 1 in ``shape`` are
    summed with keepdims, and axes of length 1 may be added or dropped. Anything else means a
    VJP returned a gradient of the wrong shape: that is a bug, and it is raised, never
    reshaped into place (a same-size reshape once hid a wrong permute gradient).
    d/dx of broadcast_to(x, s) is sum_to(g, x.shape).
    """
    gshape = g.shape
    if gshape == shape:
        return g
    axes = _SUM_TO_AXES.get((gshape, shape))
    if axes is None:
        axes = _sum_to_axes(gshape, shape, name)
    if axes:  # what is left differs from shape only by axes of length 1 (often not at all: a bias)
        if g.__class__ is np.ndarray and tracer.active is None:
            g = np.add.reduce(g, axes)  # the sum row's forward, without the row's call (backward's hot path)
        else:
            g = sum(g, axes, False)
    return g if g.shape == shape else reshape(g, shape)


#: sum_to's axes by (gradient shape, target shape): a training step asks the same few every time
_SUM_TO_AXES: dict[tuple[tuple[int, ...], tuple[int, ...]], tuple[int, ...]] = {}


def _sum_to_axes(gshape: tuple[int, ...], shape: tuple[int, ...], name: str) -> tuple[int, ...]:
    """The axes of a gradient of shape ``gshape`` that sum_to sums to reach ``shape`` (remembered)."""
    n = builtins.max(len(gshape), len(shape))
    gp = (1,) * (n - len(gshape)) + gshape
    sp = (1,) * (n - len(shape)) + shape
    lead = n - len(gshape)
    axes = []
    for i, (a, b) in enumerate(zip(gp, sp)):
        if a == b:
            continue
        if b != 1 or i < lead:
            raise RuntimeError(
                f"internal error in the VJP of '{name}': a gradient of shape {gshape} for a value of shape "
                f"{shape}, which is not a broadcast of it (please report this)"
            )
        axes.append(i - lead)
    if len(_SUM_TO_AXES) > 4096:  # many distinct shapes: start afresh
        _SUM_TO_AXES.clear()
    result = _SUM_TO_AXES[(gshape, shape)] = tuple(axes)
    return result


def _unreduce(g: Any, shape: tuple[int, ...], axes: Axes, keepdims: bool) -> Any:
    """Give a reduction's gradient its reduced axes back (as size 1), ready to broadcast."""
    if keepdims or axes is None or not axes:  # a full reduction's 0-d result broadcasts as it is
        return g
    kept = list(shape)
    for a in axes:
        kept[a] = 1
    return reshape(g, tuple(kept))


def _reduced_count(shape: tuple[int, ...], axes: Axes) -> int:
    if axes is None:
        return math.prod(shape)
    return math.prod(shape[a] for a in axes)


def _astype_like(v: Any, like: Any) -> Any:
    """``v`` in ``like``'s dtype (a count or a mask joining a float32 gradient)."""
    return astype(v, _data(like).dtype, _data(v).dtype)


# ---------------------------------------------------------------------------------------
# VJPs that need more than one line.
# ---------------------------------------------------------------------------------------
def _sum_vjp(g: Any, ans: Any, xs: tuple[int, ...], axes: Axes, keepdims: bool) -> Any:
    """d sum(x)/dx = 1: every element of x gets the gradient of the sum it went into."""
    return broadcast_to(_unreduce(g, xs, axes, keepdims), xs)


def _mean_vjp(g: Any, ans: Any, xs: tuple[int, ...], axes: Axes, keepdims: bool) -> Any:
    """d mean(x)/dx = 1/n, n the number of elements averaged."""
    return broadcast_to(_unreduce(g / _reduced_count(xs, axes), xs, axes, keepdims), xs)


def _minmax_vjp(g: Any, ans: Any, x: Any, axes: Axes, keepdims: bool) -> Any:
    """max/min over axes: the gradient goes to the extreme elements, split evenly between ties
    (PyTorch's amax/amin do the same; its max(dim) picks one). A nan is the extreme: it gets it."""
    shape = _data(x).shape
    hit = _nan_or(equal(x, _unreduce(ans, shape, axes, keepdims)), x)
    count = sum(hit, axes, True)
    share = _laid_out_as(_unreduce(g, shape, axes, keepdims), x) / _astype_like(count, g)
    return where(hit, share, 0.0)


def _laid_out_as(g: Any, x: Any) -> Any:
    """``g`` (as many axes as x) with its elements in memory in x's order: the same values, a
    copy of g when the orders differ. numpy runs elementwise work whose operands disagree on
    that order in tiny inner loops: a max-pool's gradient, spread over windows that the
    convolution laid out batch-last, took 5x longer with a batch-first g."""
    xa, ga = _data(x), _data(g)
    if xa.flags.c_contiguous or ga.ndim != xa.ndim or ga.size < 2:
        return g
    order, back = _memory_order([abs(s) for s in xa.strides])
    seen = ga.transpose(order)
    if seen.flags.c_contiguous:  # already in x's order
        return g
    return transpose(reshape(reshape(transpose(g, order), (-1,)), seen.shape), back)


def _memory_order(strides: list[float]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The axes from outermost to innermost in memory (largest stride first, ties kept in
    order), and the permutation that puts them back."""
    order = tuple(sorted(range(len(strides)), key=lambda a: -strides[a]))
    return order, tuple(order.index(a) for a in range(len(strides)))


def _extreme_vjp(g: Any, x: Any, y: Any, larger: bool) -> Any:
    """The share of ``x`` in maximum(x, y) (``larger``) or minimum(x, y): all of g where x is
    the result (and where x is nan), half at ties, none elsewhere."""
    wins = greater(x, y) if larger else less(x, y)
    return where(_nan_or(wins, x), g, where(equal(x, y), g * 0.5, 0.0))


def _extreme_vjp_y(g: Any, x: Any, y: Any, larger: bool) -> Any:
    """The share of ``y``: as ``_extreme_vjp`` with the roles swapped, except that a nan x
    takes the gradient (the result is x's nan)."""
    wins = greater(y, x) if larger else less(y, x)
    y_nan_alone = logical_and(not_equal(y, y), equal(x, x))
    return where(logical_or(wins, y_nan_alone), g, where(equal(x, y), g * 0.5, 0.0))


def _power_slope(x: Any, p: Any) -> Any:
    """d/dx x^p = p x^(p-1), and exactly 0 where p = 0 (PyTorch's rule), at every order.

    Where p is 0 the factor p makes the slope 0; the exponent there is set to 0, not -1, so
    that x^(p-1) is 1 rather than inf at x = 0 (0 * inf would be nan, in this order and the
    next: the next derivative applies this same rule to the exponent p - 1).
    """
    if isinstance(p, (int, float, np.number)) and not isinstance(p, bool):
        p = p.item() if isinstance(p, np.number) else p  # a Python number keeps x's dtype
        if p == 0:
            return x * 0.0
        if p == 1:
            return power(x, 0.0)  # 1, with a graph that gives 0 for the next order
        if p == 2:
            return x * 2.0
        return power(x, p - 1) * p
    p_is_0 = equal(p, 0.0)
    return power(x, where(p_is_0, 0.0, p - 1.0)) * p


def _power_vjp_p(g: Any, ans: Any, x: Any, p: Any) -> Any:
    """d/dp x^p = x^p log x; 0 where x = 0 and p >= 0 (the limit), nan where x < 0 (PyTorch's
    rule). The logarithm is taken of a safe x there, so no inf reaches a later derivative."""
    at_zero = logical_and(equal(x, 0.0), greater_equal(p, 0.0))
    one = _data(ans).dtype.type(1)  # of the result's dtype: 2.0 ** x on float32 stays float32
    return g * ans * log(where(at_zero, one, x))


def _matmul_vjp_x(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """d(x @ y)/dx = g @ y^T, with 1-D operands promoted and dropped as numpy does.

    The engine sums any broadcast batch axes away.
    """
    if y.ndim == 1:  # (..., n, k) @ (k,) -> (..., n): outer product with y
        return expand_dims(g, -1) * y
    if x.ndim == 1:  # (k,) @ (..., k, m) -> (..., m)
        return squeeze(matmul(y, expand_dims(g, -1)), -1)
    return matmul(g, swapaxes(y, -1, -2))


def _matmul_vjp_y(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """d(x @ y)/dy = x^T @ g, with the same 1-D rules."""
    if x.ndim == 1 and y.ndim == 1:  # inner product
        return g * x
    if x.ndim == 1:  # (k,) @ (..., k, m) -> (..., m)
        return expand_dims(x, -1) * expand_dims(g, -2)
    if y.ndim == 1:  # (..., n, k) @ (k,) -> (..., n)
        return squeeze(matmul(swapaxes(x, -1, -2), expand_dims(g, -1)), -1)
    return matmul(swapaxes(x, -1, -2), g)


def _matmul_error(x: Any, y: Any) -> Exception:
    xs, ys = np.shape(x), np.shape(y)
    if len(xs) == 0 or len(ys) == 0:
        return ValueError(f"matmul: shapes {xs} and {ys}: 0-d operands are not allowed, use * to scale")
    k_x = xs[-1]
    k_y = ys[0] if len(ys) == 1 else ys[-2]
    if k_x != k_y:
        where_y = "its only dimension" if len(ys) == 1 else "dimension -2 of the second"
        return ValueError(
            f"matmul: shapes {xs} and {ys} are not aligned: {k_x} (last dimension of the first) != {k_y} ({where_y})"
        )
    return ValueError(f"matmul: batch dimensions of shapes {xs} and {ys} do not broadcast together")


def _affine_forward(x: Any, w: Any, b: Any, *, out: np.ndarray | None = None) -> Any:
    """x W + b; with ``out`` (a compiled program's buffer: the primitive's into form), written
    into it, the same numbers."""
    if out is not None:
        product = np.matmul(x, w, out=out)
        if b is not None:
            product += b
        return product
    product = np.matmul(x, w)
    if b is None:
        return product
    if b.__class__ is np.ndarray and product.dtype is b.dtype and b.ndim == 1:
        # in place: the product is a fresh array of the sum's dtype and shape (a 1-d bias broadcasts
        # along its last axis, and affine() lets through only (m,)), so this saves an allocation
        product += b
        return product
    return product + b


def _affine_vjp_x(g: Any, ans: Any, x: Any, w: Any, b: Any) -> Any:
    """d(x W + b)/dx = g W^T."""
    return matmul(g, swapaxes(w, -1, -2))


def _affine_vjp_w(g: Any, ans: Any, x: Any, w: Any, b: Any) -> Any:
    """d(x W + b)/dW = x^T g, summed over every leading (batch) axis."""
    if x.ndim == 1:
        return expand_dims(x, -1) * expand_dims(g, -2)
    if x.ndim > 2:
        x, g = reshape(x, (-1, x.shape[-1])), reshape(g, (-1, g.shape[-1]))
    return matmul(swapaxes(x, -1, -2), g)


def _threshold_forward(x: Any, threshold: float, value: float, *, out: np.ndarray | None = None) -> Any:
    """x where x > t, else v; with ``out`` (the into form), written into it: only max(x, t) can be."""
    if value == threshold:  # max(x, t): the same numbers (nan kept), twice as fast as where
        return np.maximum(x, threshold, out=out)
    if out is not None:
        raise TypeError("threshold: np.where has no out=, so only max(x, t) is written into an array")
    return np.where(x <= threshold, value, x)


#: From this many elements, a plain backward multiplies by a mask rather than calling np.where.
#: On masks that change from call to call (relu's, batch after batch), np.where takes 1.3 us on
#: 1,024 elements, 3.6 us on 2,048 and 58 us on 16,384 (it mispredicts a branch per element once
#: the mask is too long to be learned), the sum and product 2.1, 2.6 and 9.4 us (each result
#: freed before the next; with 64 results kept alive, 8.0 against 2.7 us on 2,048 elements).
MASK_PRODUCT_MIN_SIZE = 2048


def _mask_select(c: Any, x: Any, y: Any) -> Any:
    """np.where(c, x, y) for numpy values, as backward uses it: a gradient kept where a boolean
    mask holds and zeroed elsewhere. On a large mask that is a multiplication by the mask, 1.4
    to 6 times as fast as np.where (see MASK_PRODUCT_MIN_SIZE), and equal to it when the gradient is
    finite (else 0 * inf = nan): one sum tells, and np.where handles the rest. (Zeros may come
    out as -0.0, which equals 0.0.)"""
    if c.__class__ is np.ndarray and c.size >= MASK_PRODUCT_MIN_SIZE and c.dtype == np.bool_:
        if y.__class__ is float and y == 0.0 and x.__class__ is np.ndarray and math.isfinite(_total(x)):
            return x * c
        if x.__class__ is float and x == 0.0 and y.__class__ is np.ndarray and math.isfinite(_total(y)):
            return y * ~c
    out = np.where(c, x, y)
    return out[()] if out.ndim == 0 else out


_total = functools.partial(np.add.reduce, axis=None)  # x.sum() without numpy's Python-level wrapper


def _clip_forward(x: Any, lo: Any, hi: Any) -> Any:
    # np.clip goes through Python-level dispatch; two ufuncs are several times faster on small arrays
    if lo is not None:
        x = np.maximum(x, lo)
    if hi is not None:
        x = np.minimum(x, hi)
    return x


def _clip_vjp(g: Any, ans: Any, x: Any, lo: Any, hi: Any) -> Any:
    """1 inside [lo, hi] (the bounds included, as PyTorch's clamp) and for nan, 0 outside."""
    outside = None
    if lo is not None:
        outside = less(x, lo)
    if hi is not None:
        above = greater(x, hi)
        outside = above if outside is None else logical_or(outside, above)
    return g if outside is None else where(outside, 0.0, g)


def _broadcast_forward(x: Any, shape: tuple[int, ...]) -> np.ndarray:
    # A writable copy; np.broadcast_to's read-only view costs ~3 us of Python-level checks.
    out = np.empty(shape, dtype=x.dtype if hasattr(x, "dtype") else np.result_type(x))
    out[...] = x
    return out


def _inverse_permutation(axes: tuple[int, ...] | None) -> tuple[int, ...] | None:
    """The permutation that undoes ``axes`` (non-negative, as transpose's method makes them)."""
    if axes is None:
        return None
    inverse = [0] * len(axes)
    for i, a in enumerate(axes):
        inverse[a] = i
    return tuple(inverse)


def _is_basic_index(index: Any) -> bool:
    """True when indexing selects each element at most once (ints, slices, None, Ellipsis)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)) for i in items)


def _vectors(index: Any) -> bool:
    """True for an index of two or more 1-D arrays (``x[rows, labels]``): more arrays than axes
    in any of them, which :func:`_window_slices` never takes for windows."""
    if index.__class__ is not tuple or len(index) < 2:
        return False
    for a in index:
        if a.__class__ is not np.ndarray or a.ndim != 1:
            return False
    return True


def _scatter_add_forward(g: Any, index: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Zeros of ``shape`` with g added at ``index``: the adjoint of ``x[index]``.

    A basic index reaches each place once: an assignment. An advanced one may reach a place
    several times, and the gradients add up (``np.add.at``). A convolution's window gather
    (``x[:, channels, rows, cols]``) is such an index, and its adjoint is col2im: when the
    index is a union of strided slices (see :func:`_window_slices`) the adds run slice by
    slice, in numpy's vectorised ``+=``, many times faster than ``np.add.at``'s loop over
    elements, and exactly equal to it: every place receives the same terms in the same order.
    """
    index = as_index(index)  # (while al.compile traces, the VJPs see an index array as a Tensor)
    dtype = g.dtype if g.dtype.kind == "f" else np.float64
    if _vectors(index):  # x[rows, labels]: never windows (see _window_slices), so np.add.at at once
        out = np.zeros(shape, dtype)
        np.add.at(out, index, g)
        return out
    if _is_basic_index(index):
        out = np.zeros(shape, dtype)
        out[index] = g
        return out
    windows = _window_slices(index, shape, g.size)
    if windows is None:
        out = np.zeros(shape, dtype)
        np.add.at(out, index, g)  # repeated indices accumulate
        return out
    parts, g_axes = windows
    out = _zeros_in_order(shape, dtype, [abs(g.strides[a]) if a is not None else math.inf for a in g_axes])
    for g_part, out_part in parts:
        out[out_part] += g[g_part]
    return out


def _zeros_in_order(shape: tuple[int, ...], dtype: Any, strides: list[float]) -> np.ndarray:
    """Zeros of ``shape`` whose axes lie in memory in the order of ``strides`` (largest
    outermost): col2im adds each window's gradients into a slice of the output, and numpy's
    ``+=`` runs 3x faster when both sides walk memory in the same order (a convolution's
    gradient lies batch last)."""
    order, back = _memory_order(strides)
    if order == tuple(range(len(shape))):  # C order
        return np.zeros(shape, dtype)
    return np.zeros(tuple(shape[a] for a in order), dtype).transpose(back)


_MIN_WINDOW_PART = 64  # elements per slice on average: below that, np.add.at's one loop is the cheaper way


def _window_slices(index: Any, shape: tuple[int, ...], size: int) -> tuple[list[tuple[tuple, tuple]], list] | None:
    """``index`` as (part of g, strided slices of the output) pairs, each part hitting every
    place at most once, and for each axis of the output the axis of g that walks along it
    (None for an axis a constant index picks); None when the index is not of that kind.

    The kind: full slices, then integer arrays a_1..a_m (adjacent, so g's axes are the
    slices', then the arrays' broadcast shape S, then the trailing slices'), where each
    array that varies is, along one axis of S (its *window axis*, the last axis along which
    it varies; each array its own, in increasing order), an arithmetic progression with a
    positive step, from a start that depends only on the axes of S that are no array's window
    axis (the *offset axes*). For a convolution, rows = i + s * oh: the window axis is oh, the
    offset axis i. Then for each offset coordinate o, the index picks, along the axis of a_k,
    the slice ``start_k(o) :: step_k`` (a constant array, an integer), distinct places.

    Order (why the sums equal ``np.add.at``'s bit for bit): np.add.at adds the terms of each
    place in the C order of S; two terms of one place differ in their offset coordinates
    (within one part a place is reached once), and the parts run in the C order of those.
    """
    if not isinstance(index, tuple) or not 0 < len(index) <= len(shape):
        return None
    lead = next((i for i, v in enumerate(index) if not isinstance(v, slice)), len(index))
    arrays = index[lead:]
    if any(v != slice(None) for v in index[:lead]) or not arrays:
        return None
    if not all(a.__class__ is np.ndarray and a.dtype.kind in "iu" and a.size for a in arrays):
        return None
    if len(arrays) > builtins.max(a.ndim for a in arrays):  # fewer axes than arrays (x[rows, labels])
        return None
    try:
        S = np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        return None
    # Each array as it was given (not broadcast: window indices are small, (1, kh, 1, OH, 1)),
    # with axes of length 1 in front up to len(S); it varies only along its own longer axes.
    compact = [(a if a.dtype.kind == "i" else a.astype(np.intp)).reshape((1,) * (len(S) - a.ndim) + a.shape)
               for a in arrays]
    window_axes: list[int | None] = []
    for a in compact:
        varying = [d for d in range(len(S)) if a.shape[d] > 1 and not (np.diff(a, axis=d) == 0).all()]
        window_axes.append(varying[-1] if varying else None)
    used = [w for w in window_axes if w is not None]
    if used != sorted(set(used)):
        return None
    offset_axes = [d for d in range(len(S)) if d not in used]
    if math.prod(S[d] for d in offset_axes) * _MIN_WINDOW_PART > size:
        return None
    at_window_start = tuple(slice(0, 1) if d in used else slice(None) for d in range(len(S)))
    starts, steps = [], []
    offset_shape = tuple(1 if d in used else S[d] for d in range(len(S)))
    for a, w in zip(compact, window_axes):
        step = 1
        if w is not None:
            first = (0,) * len(S)
            step = int(a[first[:w] + (1,) + first[w + 1:]] - a[first])
            position = np.arange(S[w]).reshape((-1,) + (1,) * (len(S) - 1 - w))
            a = a - step * position  # the start, if a is a progression along w
        start = a[at_window_start]
        if step <= 0 or start.min() < 0 or not (a == start).all():
            return None
        starts.append(np.broadcast_to(start, offset_shape).reshape([S[d] for d in offset_axes]))
        steps.append(step)
    trailing = (slice(None),) * (len(shape) - len(index))
    parts = []
    for o in np.ndindex(*(S[d] for d in offset_axes)):
        coordinate = dict(zip(offset_axes, o))
        g_part = (slice(None),) * lead + tuple(coordinate.get(d, slice(None)) for d in range(len(S))) + trailing
        out_part = []
        for start, step, w in zip(starts, steps, window_axes):
            begin = int(start[o])
            out_part.append(begin if w is None else slice(begin, begin + step * S[w], step))
        parts.append((g_part, (slice(None),) * lead + tuple(out_part) + trailing))
    g_axes = [*range(lead), *(None if w is None else lead + w for w in window_axes),
              *range(lead + len(S), lead + len(S) + len(trailing))]
    return parts, g_axes


def _index_put_forward(x: Any, v: Any, index: Any) -> np.ndarray:
    out = np.array(x, copy=True)  # x's dtype: an in-place write does not change it
    try:
        out[index] = v
    except ValueError as e:  # a value that does not fit the indexed part: name both shapes
        raise ValueError(f"t[index] = value: {e} (tensor of shape {np.shape(x)}, value of shape {np.shape(v)})") from None
    return out


def _pad_forward(x: Any, widths: tuple[tuple[int, int], ...]) -> np.ndarray:
    out = np.zeros(tuple(n + a + b for n, (a, b) in zip(np.shape(x), widths)), dtype=np.result_type(x))
    out[_pad_region(widths, np.shape(x))] = x
    return out


def _pad_region(widths: tuple[tuple[int, int], ...], shape: tuple[int, ...]) -> tuple[slice, ...]:
    """Where the unpadded values sit inside the padded array."""
    return tuple(slice(a, a + n) for n, (a, _) in zip(shape, widths))


def _concatenate_vjp(i: int, g: Any, ans: Any, *args: Any) -> Any:
    *shapes, axis = args
    start = 0
    for s in shapes[:i]:
        start += s[axis]
    return getitem(g, (slice(None),) * axis + (slice(start, start + shapes[i][axis]),))


def _stack_vjp(i: int, g: Any, ans: Any, *args: Any) -> Any:
    *shapes, axis = args
    return getitem(g, (slice(None),) * axis + (i,))


def _as_array(x: Any) -> Any:
    """numpy values as they are (arrays and numpy scalars have the methods); others as arrays."""
    return x if isinstance(x, (np.ndarray, np.generic)) else np.asarray(x)


def _astype_forward(x: Any, dtype: np.dtype, source: np.dtype) -> Any:
    return x.astype(dtype) if hasattr(x, "astype") else np.asarray(x, dtype=dtype)[()]


def _array_method(name: str) -> Callable[[Any, Any], Any]:
    """A shape row's forward: ``x.name(param)``, numbers and lists made arrays first.

    ``ndarray_method`` is numpy's method itself: a compiled replay calls it directly where the
    operand is an ndarray (a Python call less than this forward, on every replay)."""
    method = getattr(np.ndarray, name)

    def forward(x: Any, param: Any) -> Any:
        return method(x, param) if x.__class__ is np.ndarray else getattr(_as_array(x), name)(param)

    forward.ndarray_method = method  # type: ignore[attr-defined]
    return forward


def _copy_forward(x: Any) -> Any:
    # in x's memory order, as torch.clone and as backward's own copies (np.array); a numpy
    # scalar is immutable: itself
    return x.copy(order="K") if x.__class__ is np.ndarray else x


_copy_forward.ndarray_method = operator.methodcaller("copy", order="K")  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------
# The table. g: gradient of the output; ans: the output; x, y: the inputs (xs: a shape).
# Binary VJPs may answer in the broadcast shape; the engine sums that down (sum_to).
# ---------------------------------------------------------------------------------------
add = binary("add", operator.add, through, through, saves="none",
             label="+", ufunc=np.add, doc="x + y")
sub = binary("sub", operator.sub, through, lambda g, ans, x, y: -g, saves="none",
             label="-", ufunc=np.subtract, doc="x - y")
mul = binary("mul", operator.mul, lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x,
             label="*", ufunc=np.multiply, doc="x y")
div = binary("div", operator.truediv,  # d(x/y)/dy = -x/y^2 = -(x/y)/y, as PyTorch computes it
             lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * (ans / y), saves="both",
             label="/", ufunc=np.divide, doc="x / y")
power = binary("pow", np.power,  # np.power, never **: numpy scalars' ** rounds differently from arrays'
               lambda g, ans, x, p: g * _power_slope(x, p), _power_vjp_p, saves="both", label="**",
               ufunc=np.power, doc="x^p")
maximum = binary("maximum", np.maximum,  # ties: half the gradient to each side
                 lambda g, ans, x, y: _extreme_vjp(g, x, y, True),
                 lambda g, ans, x, y: _extreme_vjp_y(g, x, y, True), label="max", doc="elementwise max(x, y)")
# d logaddexp/dx = 1 / (1 + e^(y - x)) = e^-logaddexp(0, y - x): at most 1, never overflowing
# (PyTorch's 1 / (1 + e^(y - x)) does, 710 apart), and finite at an infinite input (HIPS
# autograd's e^(x - ans) is inf - inf there, and cancels in its second derivative)
logaddexp = binary("logaddexp", np.logaddexp,
                   lambda g, ans, x, y: g * exp(-logaddexp(0.0, y - x)),
                   lambda g, ans, x, y: g * exp(-logaddexp(0.0, x - y)), saves="inputs",
                   ufunc=np.logaddexp, doc="ln(e^x + e^y)")
minimum = binary("minimum", np.minimum,
                 lambda g, ans, x, y: _extreme_vjp(g, x, y, False),
                 lambda g, ans, x, y: _extreme_vjp_y(g, x, y, False), label="min", doc="elementwise min(x, y)")
matmul = binary("matmul", np.matmul, _matmul_vjp_x, _matmul_vjp_y, label="@", on_error=_matmul_error,
                doc="x @ y (1-D, 2-D, batched)")
where = conditional("where", np.where,  # the gradient reaches only the branch taken
                    lambda g, ans, c, _: where(c, g, 0.0),
                    lambda g, ans, c, _: where(c, 0.0, g), numpy_forward=_mask_select,
                    numpy_forward_min_size=MASK_PRODUCT_MIN_SIZE, doc="x where c, else y")

neg = unary("neg", operator.neg, lambda g, ans, xs: -g, saves="none", label="neg", into=np.negative, doc="-x")
exp = unary("exp", np.exp, lambda g, ans, xs: g * ans, saves="ans", doc="e^x")
log = unary("log", np.log, lambda g, ans, x: g / x, doc="ln x")
log1p = unary("log1p", np.log1p, lambda g, ans, x: g / (x + 1.0), doc="ln(1 + x)")
sqrt = unary("sqrt", np.sqrt, lambda g, ans, xs: g / (ans * 2.0), saves="ans", doc="√x")
abs = unary("abs", np.abs, lambda g, ans, x: g * sign(x), doc="|x| (gradient sign x: 0 at 0)")
sin = unary("sin", np.sin, lambda g, ans, x: g * cos(x), doc="sin x")
cos = unary("cos", np.cos, lambda g, ans, x: -g * sin(x), doc="cos x")
tanh = unary("tanh", np.tanh, lambda g, ans, xs: g * (1.0 - ans * ans), saves="ans", doc="tanh x")
threshold = unary("threshold", _threshold_forward,  # passes g where x > t (and where x is nan)
                  lambda g, ans, x, t, v: where(less_equal(x, t), 0.0, g), params=True,
                  into=_threshold_forward, doc="x where x > t, else v")
clip = unary("clip", _clip_forward, _clip_vjp, params=True, doc="x limited to [lo, hi]")
astype = unary("astype", _astype_forward, lambda g, ans, xs, dtype, source: astype(g, source, dtype),
               params=True, saves="none", doc="x converted to another dtype")
clone = unary("clone", _copy_forward, lambda g, ans, xs: g, saves="none", doc="a copy of x")

sum = unary("sum", lambda x, axes, keepdims: np.add.reduce(x, axes, keepdims=keepdims), _sum_vjp,
            params=True, saves="none", doc="sum over axes")
mean = unary("mean", lambda x, axes, keepdims: np.add.reduce(x, axes, keepdims=keepdims)
             / _reduced_count(np.shape(x), axes), _mean_vjp, params=True, saves="none", doc="mean over axes")
max = unary("max", lambda x, axes, keepdims: np.maximum.reduce(x, axes, keepdims=keepdims), _minmax_vjp,
            params=True, saves="both", doc="largest over axes (ties share the gradient)")
min = unary("min", lambda x, axes, keepdims: np.minimum.reduce(x, axes, keepdims=keepdims), _minmax_vjp,
            params=True, saves="both", doc="smallest over axes (ties share the gradient)")

# The shape rows call the arrays' own methods: numpy's functions (np.reshape...) add a Python
# layer that costs more than the work on small arrays.
reshape = unary("reshape", _array_method("reshape"), lambda g, ans, xs, shape: reshape(g, xs),
                params=True, saves="none", doc="the same values in another shape")
transpose = unary("transpose", _array_method("transpose"),
                  lambda g, ans, xs, axes: transpose(g, _inverse_permutation(axes)), params=True, saves="none",
                  doc="axes permuted")
broadcast_to = unary("broadcast_to", _broadcast_forward, lambda g, ans, xs, shape: sum_to(g, xs, "broadcast_to"),
                     params=True, saves="none", doc="x repeated along new or length-1 axes")
expand_dims = unary("expand_dims", lambda x, axis: _as_array(x)[(slice(None),) * (axis % (np.ndim(x) + 1)) + (None,)],
                    lambda g, ans, xs, axis: reshape(g, xs), params=True, saves="none", doc="a new axis of length 1")
squeeze = unary("squeeze", _array_method("squeeze"), lambda g, ans, xs, axis: reshape(g, xs),
                params=True, saves="none", doc="axes of length 1 removed")
getitem = unary("getitem", lambda x, index: x[index], lambda g, ans, xs, index: scatter_add(g, index, xs),
                params=True, saves="none", label="[]", doc="x[index] (repeated indices accumulate)")
# The adjoint of indexing: zeros of `shape` with g added at `index`. Its own VJP is indexing again.
scatter_add = unary("scatter_add", _scatter_add_forward, lambda g, ans, gs, index, shape: getitem(g, index),
                    params=True, saves="none", doc="zeros with x added at index (the adjoint of x[index])")
pad = unary("pad", _pad_forward, lambda g, ans, xs, widths: getitem(g, _pad_region(widths, xs)),
            params=True, saves="none", doc="x surrounded by zeros")

# x W + b in one step (Dense): the seed's z = a W + b. d/db is g, summed over the batch by the engine.
_affine = nary("affine", _affine_forward, (_affine_vjp_x, _affine_vjp_w, lambda g, ans, x, w, b: g), label="x@W+b",
               into=_affine_forward, doc="x W + b")
_concatenate = nary("concatenate", lambda *a: np.concatenate(a[:-1], axis=a[-1]),
                    per_argument(_concatenate_vjp), saves="none", label="cat", doc="tensors joined along an axis")
_stack = nary("stack", lambda *a: np.stack(a[:-1], axis=a[-1]), per_argument(_stack_vjp), saves="none",
              doc="tensors stacked along a new axis")
# x with v written at index (t[index] = v, recorded): the gradient of the overwritten places is 0.
_index_put_prim = nary("index_put", _index_put_forward,
                  (lambda g, ans, xs, vs, index: _index_put(g, 0.0, index),
                   lambda g, ans, xs, vs, index: getitem(g, index)), saves="none", label="[]=",
                  doc="x with v written at index")


def _index_put(x: Any, v: Any, index: Any) -> Any:
    return apply(_index_put_prim, (x, v), index)


# ---------------------------------------------------------------------------------------
# The names users reach the table by (registered once per op).
# ---------------------------------------------------------------------------------------
def _reflected(op: Any) -> Any:
    def method(self: Tensor, other: Any) -> Tensor:
        return op(other, self)

    return method


def _in_place(op: Any, what: str) -> Any:
    """``t op= other`` and ``t.op_(other)``: the result written into t (see Tensor._change_in_place)."""
    ufunc = op.prim.ufunc

    def method(self: Tensor, other: Any) -> Tensor:
        if other is None or isinstance(other, (str, bytes, complex)):  # (numpy would say it in its own words)
            raise TypeError(f"{what}: cannot compute with operands of types {kind(self)} and {kind(other)}")
        other = _weak(other, self._data)  # a numpy number as the operators take it (float32 stays)

        def write() -> None:  # straight into the buffer, as numpy's -= does
            ufunc(self._data, other._data if isinstance(other, Tensor) else other, out=self._data, casting="same_kind")

        return self._change_in_place(lambda: op(self, other), what, write, (other,))

    method.__name__ = what
    return method


for _op, _name, _dunder, _what in [(add, "add", "add", "+="), (sub, "sub", "sub", "-="), (mul, "mul", "mul", "*="),
                                   (div, "div", "truediv", "/="), (power, "pow", "pow", "**=")]:
    # The op itself is the method and the operator (one call less on the hot path); add and
    # mul are commutative, so they serve as their reflected forms too.
    register(_name, _op, "primitive", operators=(f"__{_dunder}__",))
    register(f"r{_name}", _op if _op in (add, mul) else _reflected(_op), "other", primitives=(_op.prim.name,),
             is_method=False, function=False, operators=(f"__r{_dunder}__",))
    _inplace = _in_place(_op, _what)
    register(f"{_name}_", _inplace, "other", primitives=(_op.prim.name,), function=False,
             operators=(f"__i{_dunder}__",))
register("neg", neg, "primitive", operators=("__neg__",))
register("matmul", matmul, "primitive", operators=("__matmul__",))
register("rmatmul", _reflected(matmul), "other", primitives=("matmul",), is_method=False, function=False,
         operators=("__rmatmul__",))
register("maximum", maximum, "primitive")
register("minimum", minimum, "primitive")
register("logaddexp", floats_of_ints(logaddexp), "primitive")
for _op in (exp, log, log1p, sqrt, sin, cos, tanh, clone):
    register(_op.__name__, _op, "primitive")
register("abs", abs, "primitive", operators=("__abs__",))


@tensor_method("where", is_method=False)
def _where_function(condition: Any, x: Any, y: Any) -> Tensor:
    """Elementwise ``x if condition else y``; the gradient reaches only the branch taken."""
    out = where(condition, x, y)
    return out if isinstance(out, Tensor) else _make(out)


@tensor_method("clip", aliases=("clamp",))
def _clip_method(self: Tensor, min: Any = None, max: Any = None, out: None = None) -> Tensor:
    """x limited to [min, max] (either may be None). The gradient is 1 inside (bounds included).

    A bound that is a Tensor requiring grad gets the gradient where it is the result (x < min,
    x > max), as in PyTorch: x is then chosen with ``where``, a 0-d bound taken in x's dtype. A
    nan stays nan with its gradient going to x, as with number bounds (PyTorch's clamp with
    tensor bounds gives a nan's gradient to neither)."""
    _no_out("clip", out)
    if min is None and max is None:
        raise ValueError("clip: give min, max or both")
    if any(isinstance(b, (str, bytes)) for b in (min, max)):
        raise TypeError(f"clip: the bounds must be numbers or tensors, got {min!r} and {max!r}")
    min, max = (np.asarray(b) if isinstance(b, (list, tuple)) else b for b in (min, max))
    if not any(isinstance(b, Tensor) and b._requires_grad for b in (min, max)):
        # a 0-d bound is a number to a float tensor, as in the operators
        return clip(self, _weak(_data(min), self._data), _weak(_data(max), self._data))
    y = self
    for bound, outside in ((min, less), (max, greater)):
        if bound is not None:
            if isinstance(bound, Tensor) and bound.ndim == 0 and bound.dtype != y.dtype and y.dtype.kind == "f":
                bound = astype(bound, y.dtype, bound.dtype)
            y = where(logical_or(outside(y, bound), isnan(bound)), bound, y)  # a nan bound gives nan, as numpy's
    return y


_threshold = threshold


@tensor_method("threshold")
def _threshold_method(self: Tensor, threshold: float, value: float) -> Tensor:
    """``value`` where x <= threshold, else x (PyTorch's F.threshold); relu is threshold(x, 0, 0)."""
    try:
        return _threshold(self, float(threshold), float(value))
    except (TypeError, ValueError) as e:
        if isinstance(threshold, (int, float, np.number)) and isinstance(value, (int, float, np.number)):
            raise
        raise TypeError(f"threshold: the threshold and the value must be numbers, got {threshold!r} and {value!r}") from e


@tensor_method("astype", aliases=("to",), function=False)
def _astype_method(self: Tensor, dtype: Any) -> Tensor:
    """This tensor converted to ``dtype`` (the gradient converted back). To an integer or bool
    dtype the result is cut from the graph, as in PyTorch. ``to("cpu")`` is the tensor itself
    (PyTorch's code moves to the CPU; here everything is there)."""
    if isinstance(dtype, str) and dtype == "cpu":
        return self
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"astype/to: {dtype!r} is not a numpy dtype (autograd_lite runs on numpy, on the CPU: "
                        "there is no device to move to); give one such as np.float32") from None
    if dtype.kind not in "fiub":
        raise TypeError(f"astype/to: a tensor holds numbers, not {dtype}")
    if dtype == self.dtype:
        return self
    source = self if dtype.kind == "f" else _detach_method(self)
    return astype(source, dtype, self.dtype)


@tensor_method("float", function=False)
def _float32_method(self: Tensor) -> Tensor:
    """This tensor as float32 (PyTorch's ``float()``)."""
    return _astype_method(self, np.float32)


@tensor_method("double", function=False)
def _float64_method(self: Tensor) -> Tensor:
    """This tensor as float64 (PyTorch's ``double()``)."""
    return _astype_method(self, np.float64)


def _no_out(name: str, out: Any, dtype: Any = None) -> None:
    """numpy's np.sum(t) calls t.sum(axis=..., dtype=None, out=None): accept those, refuse others."""
    if out is not None:
        raise TypeError(f"{name}: out= is not supported on Tensors; use the returned tensor")
    if dtype is not None:
        raise TypeError(f"{name}: dtype= is not supported on Tensors; convert with .astype() first")


def _reduction(name: str, op: Any, doc: str) -> Any:
    def method(self: Tensor, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
               keepdim: bool | None = None, dtype: Any = None, out: Any = None) -> Tensor:
        if axis is None and dim is None and keepdim is None and out is None and dtype is None:
            return op(self, None, keepdims is True or bool(keepdims))  # every axis: what _axes makes of it
        if axis.__class__ is int and dim is None and keepdim is None and out is None and dtype is None:
            ndim = self._data.ndim  # one axis, in range: what _axes makes of it, without its checks
            if -ndim <= axis < ndim:
                return op(self, (axis % ndim,), keepdims is True or bool(keepdims))
        _no_out(name, out, dtype)
        if dim is not None:
            axis = dim
        if keepdim is not None:
            keepdims = keepdim
        return op(self, _axes(axis, self.ndim, name, self.shape, reduction=True), bool(keepdims))

    method.__name__ = name
    method.__doc__ = doc + """

        Args:
            axis: None (every element), an axis or a sequence of axes; PyTorch's ``dim`` too.
            keepdims: keep the reduced axes with length 1 (PyTorch's ``keepdim``).
        """
    return method


register("sum", _reduction("sum", sum, "Sum over ``axis``."), "primitive")
register("mean", _reduction("mean", mean, "Mean over ``axis``."), "primitive")
register("max", _reduction("max", max, "Largest values over ``axis`` (numpy's ``max``, PyTorch's ``amax``: values "
                           "only). The gradient is split evenly between tied maxima."), "primitive",
         aliases=("amax",))
register("min", _reduction("min", min, "Smallest values over ``axis`` (PyTorch's ``amin``); the gradient is split "
                           "evenly between ties."), "primitive", aliases=("amin",))


@tensor_method("reshape", aliases=("view",))
def _reshape_method(self: Tensor, *shape: Any, order: str = "C") -> Tensor:
    """The same values in a new shape (one entry may be -1): ``t.reshape(2, 3)`` or ``t.reshape((2, 3))``."""
    if order != "C":
        raise ValueError("reshape: only order='C' is supported")
    shape = _shape_arg(shape)
    try:
        target = tuple(operator.index(s) for s in shape)
    except TypeError:
        raise TypeError(f"reshape: the shape must be integers, got {shape}") from None
    if builtins.min(target, default=0) < -1 or target.count(-1) > 1:
        raise ValueError(f"reshape: invalid shape {target}: sizes of 0 or more, and at most one -1 (the size left)")
    return reshape(self, target)


@tensor_method("flatten", kind="other", primitives=("reshape",))
def _flatten_method(self: Tensor) -> Tensor:
    """The values as one axis."""
    return reshape(self, (-1,))


@tensor_method("transpose")
def _transpose_method(self: Tensor, *axes: Any) -> Tensor:
    """``t.transpose()`` reverses the axes; ``t.transpose(0, 1)`` swaps two (as PyTorch);
    ``t.transpose((2, 0, 1))`` or three or more axes permute (as numpy)."""
    if len(axes) == 2 and all(isinstance(a, (int, np.integer)) for a in axes):
        return _swap(self, axes[0], axes[1], "transpose")
    if not axes or (len(axes) == 1 and axes[0] is None):
        return transpose(self, None)
    return _permute(self, _shape_arg(axes), "transpose")


@tensor_method("permute", kind="other", primitives=("transpose",))
def _permute_method(self: Tensor, *axes: Any) -> Tensor:
    """The axes in a new order: ``t.permute(2, 0, 1)``."""
    return _permute(self, _shape_arg(axes), "permute")


def _permute(x: Tensor, axes: tuple, name: str) -> Tensor:
    ndim = x.ndim
    if len(axes) != ndim:
        raise ValueError(f"{name}: {len(axes)} axes given for a {ndim}-d tensor (need a permutation of all of them)")
    normal = tuple(_axis(a, ndim, name, x.shape) for a in axes)
    if sorted(normal) != list(range(ndim)):
        raise ValueError(f"{name}: {axes} is not a permutation of the axes of a {ndim}-d tensor")
    return transpose(x, normal)


@tensor_method("swapaxes", kind="other", primitives=("transpose",))
def swapaxes(x: Any, axis1: int, axis2: int) -> Any:
    """Swap two axes: a transpose with the permutation that exchanges them."""
    if x.__class__ is np.ndarray and axis1 == -1 and axis2 == -2 and tracer.active is None:
        return x.swapaxes(-1, -2)  # inside a plain backward (the VJPs of matmul): no checks needed
    return _swap(x, axis1, axis2, "swapaxes")


def _swap(x: Any, axis1: int, axis2: int, name: str) -> Any:
    if x.__class__ is np.ndarray and axis1 == -1 and axis2 == -2 and tracer.active is None:
        return x.swapaxes(-1, -2)  # inside a plain backward (the VJPs of matmul): no checks needed
    shape = np.shape(_data(x))
    ndim = len(shape)
    axes = list(range(ndim))
    a, b = _axis(axis1, ndim, name, shape), _axis(axis2, ndim, name, shape)
    axes[a], axes[b] = axes[b], axes[a]
    return transpose(x, tuple(axes))


@tensor_method("broadcast_to", aliases=("expand",))
def _broadcast_method(self: Tensor, *shape: Any) -> Tensor:
    """The values repeated to ``shape`` (numpy's broadcasting rules); the gradient is summed back."""
    shape = _shape_arg(shape)
    try:
        np.broadcast_shapes(self.shape, shape)
        if len(shape) < self.ndim or np.broadcast_shapes(self.shape, shape) != tuple(shape):
            raise ValueError
    except (ValueError, TypeError):
        raise ValueError(f"broadcast_to: a tensor of shape {self.shape} cannot be broadcast to {tuple(shape)}") from None
    return broadcast_to(self, tuple(int(s) for s in shape))


@tensor_method("expand_dims", aliases=("unsqueeze",))
def _expand_dims_method(self: Tensor, axis: int) -> Tensor:
    """A new axis of length 1 at ``axis``."""
    return expand_dims(self, _axis(axis, self.ndim + 1, "expand_dims", self.shape))


@tensor_method("squeeze")
def _squeeze_method(self: Tensor, axis: Any = None) -> Tensor:
    """Axes of length 1 removed (all of them, or those in ``axis``)."""
    axes = _axes(axis, self.ndim, "squeeze", self.shape)
    if axes is not None:
        bad = [a for a in axes if self.shape[a] != 1]
        if bad:
            raise ValueError(f"squeeze: axis {bad[0]} has length {self.shape[bad[0]]}, not 1 (shape {self.shape})")
    return squeeze(self, axes)


def as_index(index: Any) -> Any:
    """An index with Tensors replaced by their arrays (for getitem); without Tensors, itself."""
    if isinstance(index, tuple):
        for i in index:
            if isinstance(i, Tensor):
                return tuple(_data(i) for i in index)
        return index
    return _data(index)


@tensor_method("getitem", operators=("__getitem__",), function=False)
def _getitem_method(self: Tensor, index: Any) -> Tensor:
    """``t[index]``: numpy's basic and advanced indexing; repeated indices accumulate gradients."""
    return getitem(self, as_index(index))


@tensor_method("setitem", kind="other", primitives=("index_put",), operators=("__setitem__",), function=False)
def _setitem_method(self: Tensor, index: Any, value: Any) -> None:
    """``t[index] = value``, in place (see Tensor._change_in_place); recorded when it involves a
    tensor that requires grad (the overwritten elements then get no gradient)."""
    idx = as_index(index)

    def write() -> None:
        self._data[idx] = value._data if isinstance(value, Tensor) else value

    self._change_in_place(lambda: _index_put(self, value, idx), "t[index] = value", write, (value,))


@tensor_method("pad", is_method=False)
def _pad_function(x: Any, pad_width: Any) -> Tensor:
    """x surrounded by zeros: ``pad_width`` is an int (every side of every axis), or one
    (before, after) pair or int per axis, as numpy's ``np.pad``. The gradient is the inner part."""
    x = _t(x)
    if (isinstance(pad_width, tuple) and len(pad_width) == x.ndim
            and all(isinstance(p, tuple) and len(p) == 2 and all(type(a) is int and a >= 0 for a in p)
                    for p in pad_width)):
        return pad(x, pad_width)  # one (before, after) pair of ints per axis already: nothing to convert
    try:
        widths = np.broadcast_to(np.asarray(pad_width, dtype=object), (x.ndim, 2)) if x.ndim else np.zeros((0, 2))
    except ValueError:
        raise ValueError(f"pad: pad_width {pad_width!r} does not fit a tensor of shape {x.shape}: give an int, one "
                         f"(before, after) pair, or {x.ndim} pairs (one per axis)") from None
    try:
        pairs = tuple((operator.index(a), operator.index(b)) for a, b in widths)  # 1.5 is refused, not cut
    except (TypeError, ValueError):
        raise ValueError(f"pad: pad_width must be integers, got {pad_width!r}") from None
    if any(a < 0 or b < 0 for a, b in pairs):
        raise ValueError(f"pad: widths must be >= 0, got {pad_width!r}")
    return pad(x, pairs)


@tensor_method("affine", is_method=False)
def affine(x: Any, weight: Any, bias: Any = None) -> Any:
    """x @ weight + bias, one primitive: weight of shape (in, out), bias (out,) or None.

    The same numbers as the two operations, with one node instead of two and one array fewer.
    """
    ws = np.shape(_data(weight))
    if len(ws) != 2:
        raise ValueError(f"affine: the weight must be 2-D (in, out), got shape {ws}")
    if bias is not None and np.shape(_data(bias)) != ws[1:]:
        raise ValueError(f"affine: bias of shape {np.shape(_data(bias))} for a weight of shape {ws} (need ({ws[1]},))")
    try:
        return apply(_affine, (_t(x), weight, bias))
    except ValueError:
        xs = np.shape(_data(x))
        raise ValueError(f"affine: input of shape {xs} and weight of shape {ws} do not align "
                         "(need (..., n) and (n, m))") from None


@tensor_method("concatenate", is_method=False)
def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    tensors = list(tensors)
    axis = _check_joinable("concatenate", tensors, axis, stacking=False)
    return _t(apply(_concatenate, tensors, axis))


@tensor_method("stack", is_method=False)
def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new axis."""
    tensors = list(tensors)
    axis = _check_joinable("stack", tensors, axis, stacking=True)
    return _t(apply(_stack, tensors, axis))


def _check_joinable(name: str, tensors: list[Any], axis: int, stacking: bool) -> int:
    """Check the shapes; returns the axis as a non-negative int."""
    shapes = [np.shape(_data(t)) for t in tensors]
    if not shapes:
        raise ValueError(f"{name}: needs at least one tensor")
    ndim = len(shapes[0]) + (1 if stacking else 0)
    if ndim == 0:
        raise ValueError(f"{name}: cannot join 0-d tensors along an axis; use stack")
    if not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
        raise ValueError(f"{name}: axis {axis} is out of range for {ndim}-d results (shapes {shapes})")
    axis = int(axis) % ndim
    for s in shapes[1:]:
        if stacking:
            same = s == shapes[0]
        else:
            same = len(s) == len(shapes[0]) and all(a == b for k, (a, b) in enumerate(zip(s, shapes[0])) if k != axis)
        if not same:
            rule = "the same shape" if stacking else f"the same shape except along axis {axis}"
            raise ValueError(f"{name}: tensors must have {rule}, got shapes {shapes}")
    return axis
