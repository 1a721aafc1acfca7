"""THE PRIMITIVE TABLE: each primitive's numpy forward beside its vector-Jacobian products.

Read a row as calculus: ``exp = unary("exp", np.exp, lambda g, ans, x: g * ans)`` says
d/dx e^x = e^x, so the gradient flowing back to x is ``g * ans``. A VJP receives the output's
gradient ``g``, the output ``ans`` and the forward's arguments (with ``save_inputs=False``,
only their shapes for one-argument ops and None for two-argument ones: what those VJPs need).
Every VJP is written with the functions of this table and Python operators, which act on
numpy arrays in a plain backward and on Tensors, recording a new graph, under
``create_graph=True``: that is all higher-order gradients need.

A binary VJP may return its gradient in the broadcast shape of the output; the engine then
sums it down to the argument's shape with :func:`sum_to` (the adjoint of broadcasting), in one
place for every op. Everything not here (sigmoid, softmax, losses...) is a composite in
``functional.py``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .primitive import apply, binary, conditional, nary, per_argument, unary
from .tensor import Tensor, _make

# Inside this module sum/abs/max/min are the primitives below, not Python's builtins.


def _data(v: Any) -> Any:
    """The numpy value of a Tensor (or the value itself): for masks that carry no gradient."""
    return v.data if isinstance(v, Tensor) else v


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    """``axis`` (None, an int or a tuple) as a tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    return tuple(int(a) % ndim if ndim else int(a) for a in axis)


def sum_to(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` down to ``shape``: the adjoint of broadcasting ("unbroadcast").

    Leading axes that broadcasting added are summed away; axes of size 1 in ``shape`` are
    summed with keepdims. d/dx of broadcast_to(x, s) is sum_to(g, x.shape).
    """
    gshape = g.shape
    if gshape == shape:
        return g
    if g.size == math.prod(shape):  # only axes of length 1 to drop: (1, 3) -> (3,) is a reshape
        return reshape(g, shape)
    lead = len(gshape) - len(shape)
    ones = tuple(lead + i for i, n in enumerate(shape) if n == 1 and gshape[lead + i] != 1)
    if not ones:
        return sum(g, tuple(range(lead)), False)
    return reshape(sum(g, tuple(range(lead)) + ones, True), shape)


def _unreduce(g: Any, shape: tuple[int, ...], axis: Any, keepdims: bool) -> Any:
    """Give a reduction's gradient its reduced axes back (as size 1), ready to broadcast."""
    if keepdims or axis is None:  # a full reduction's 0-d result broadcasts as it is
        return g
    kept = list(shape)
    for a in _axes(axis, len(shape)):
        kept[a] = 1
    return reshape(g, tuple(kept))


def _reduced_count(shape: tuple[int, ...], axis: Any) -> int:
    if axis is None:
        return math.prod(shape)
    return math.prod(shape[a] for a in _axes(axis, len(shape)))


def _sum_vjp(g: Any, ans: Any, xs: tuple[int, ...], axis: Any, keepdims: bool) -> Any:
    """d sum(x)/dx = 1: every element of x gets the gradient of the sum it went into."""
    return broadcast_to(_unreduce(g, xs, axis, keepdims), xs)


def _mean_vjp(g: Any, ans: Any, xs: tuple[int, ...], axis: Any, keepdims: bool) -> Any:
    """d mean(x)/dx = 1/n, n the number of elements averaged."""
    return broadcast_to(_unreduce(g / _reduced_count(xs, axis), xs, axis, keepdims), xs)


def _tie_weights(x: Any, y: Any) -> np.ndarray:
    """Where maximum(x, y) takes x: 1, where x == y: 1/2 (ties share the gradient), else 0."""
    xd, yd = _data(x), _data(y)
    return (xd > yd) + 0.5 * (xd == yd)


def _minmax_vjp(g: Any, ans: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """max/min over axis: the gradient goes to the extreme elements, split evenly between ties."""
    xd = _data(x)
    hit = xd == _unreduce(_data(ans), xd.shape, axis, keepdims)
    share = hit / hit.sum(axis=_axes(axis, xd.ndim), keepdims=True)
    return _unreduce(g, xd.shape, axis, keepdims) * share


def _power_slope(x: Any, p: Any) -> Any:
    """p x^(p-1), with the common square done in one multiplication."""
    if isinstance(p, (int, float)) and p == 2:
        return 2 * x
    return p * x ** (p - 1)


def _matmul_vjp_x(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """d(x @ y)/dx = g @ y^T, with 1-D operands promoted and dropped as numpy does.

    The engine sums any broadcast batch axes away.
    """
    if y.ndim == 1:  # (..., n, k) @ (k,) -> (..., n): outer product with y
        return expand_dims(g, -1) * y
    if x.ndim == 1:  # (k,) @ (..., k, m) -> (..., m)
        return squeeze(y @ expand_dims(g, -1), -1)
    return g @ y.swapaxes(-1, -2)


def _matmul_vjp_y(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """d(x @ y)/dy = x^T @ g, with the same 1-D rules."""
    if x.ndim == 1 and y.ndim == 1:  # inner product
        return g * x
    if x.ndim == 1:  # (k,) @ (..., k, m) -> (..., m)
        return expand_dims(x, -1) * expand_dims(g, -2)
    if y.ndim == 1:  # (..., n, k) @ (k,) -> (..., n)
        return squeeze(x.swapaxes(-1, -2) @ expand_dims(g, -1), -1)
    return x.swapaxes(-1, -2) @ g


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


def _affine_forward(x: Any, w: Any, b: Any) -> Any:
    out = x @ w
    if b is None:
        return out
    if out.__class__ is np.ndarray and out.dtype == b.dtype:
        out += b  # in place: the product is a fresh array, so this saves an allocation
        return out
    return out + b


def _affine_vjp_x(g: Any, ans: Any, x: Any, w: Any, b: Any) -> Any:
    """d(x W + b)/dx = g W^T."""
    return g @ w.swapaxes(-1, -2)


def _affine_vjp_w(g: Any, ans: Any, x: Any, w: Any, b: Any) -> Any:
    """d(x W + b)/dW = x^T g, summed over every leading (batch) axis."""
    if x.ndim == 1:
        return expand_dims(x, -1) * expand_dims(g, -2)
    if x.ndim > 2:
        x, g = reshape(x, (-1, x.shape[-1])), reshape(g, (-1, g.shape[-1]))
    return x.swapaxes(-1, -2) @ g


def _threshold_forward(x: Any, threshold: float, value: float) -> Any:
    if value == threshold:  # max(x, t): the same numbers (nan kept, -0.0 -> 0.0), twice as fast
        return np.maximum(x, threshold)
    return np.where(x <= threshold, value, x)


def _threshold_vjp(g: Any, ans: Any, x: Any, threshold: float, value: float) -> Any:
    """1 where x > t, else 0. With value == t the output tells the same (ans > t), and it was
    just read by the next layer's backward: still in cache, unlike x."""
    passed = _data(ans) > threshold if value == threshold else ~(_data(x) <= threshold)
    return where(passed, g, 0.0)


def _mask_select(c: Any, x: Any, y: Any) -> Any:
    """np.where(c, x, y) for numpy values, as backward uses it: a gradient kept where a boolean
    mask holds and zeroed elsewhere. That is a multiplication by the mask, twice as fast as
    np.where, and equal to it when the gradient is finite (else 0 * inf = nan): one sum tells,
    and np.where handles the rest. (Zeros may come out as -0.0, which equals 0.0.)"""
    if c.__class__ is np.ndarray and c.dtype == np.bool_:
        if y.__class__ is float and y == 0.0 and x.__class__ is np.ndarray and math.isfinite(_total(x)):
            return x * c
        if x.__class__ is float and x == 0.0 and y.__class__ is np.ndarray and math.isfinite(_total(y)):
            return y * ~c
    return np.where(c, x, y)


_total = functools.partial(np.add.reduce, axis=None)  # x.sum() without numpy's Python-level wrapper


def _clip_forward(x: Any, lo: Any, hi: Any) -> Any:
    # np.clip goes through Python-level dispatch; two ufuncs are several times faster on small arrays
    if lo is not None:
        x = np.maximum(x, lo)
    if hi is not None:
        x = np.minimum(x, hi)
    return x


def _broadcast_forward(x: Any, shape: tuple[int, ...]) -> np.ndarray:
    # A writable copy; np.broadcast_to's read-only view costs ~3 us of Python-level checks.
    out = np.empty(shape, dtype=x.dtype if hasattr(x, "dtype") else np.result_type(x))
    out[...] = x
    return out


def _clip_mask(x: Any, lo: Any, hi: Any) -> np.ndarray:
    xd = _data(x)
    inside = np.ones(xd.shape, dtype=bool)
    if lo is not None:
        inside &= xd >= lo
    if hi is not None:
        inside &= xd <= hi
    return inside


def _inverse_permutation(axes: Sequence[int] | None) -> tuple[int, ...] | None:
    return None if axes is None else tuple(np.argsort(axes))


def _is_basic_index(index: Any) -> bool:
    """True when indexing selects each element at most once (ints, slices, None, Ellipsis)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)) for i in items)


def _scatter_add_forward(g: np.ndarray, index: Any, shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(shape, dtype=g.dtype if g.dtype.kind == "f" else np.float64)
    if _is_basic_index(index):
        out[index] = g
    else:
        np.add.at(out, index, g)  # repeated indices accumulate
    return out


def _concatenate_vjp(i: int, g: Any, ans: Any, *args: Any) -> Any:
    *shapes, axis = args
    axis = axis % len(shapes[i])
    start = 0
    for s in shapes[:i]:
        start += s[axis]
    return getitem(g, (slice(None),) * axis + (slice(start, start + shapes[i][axis]),))


def _stack_vjp(i: int, g: Any, ans: Any, *args: Any) -> Any:
    *shapes, axis = args
    axis = axis % (len(shapes[i]) + 1)
    return getitem(g, (slice(None),) * axis + (i,))


# ---------------------------------------------------------------------------------------
# The table. g: gradient of the output; ans: the output; x, y: the inputs (xs: a shape).
# Binary VJPs may answer in the broadcast shape; the engine sums that down (sum_to).
# ---------------------------------------------------------------------------------------

add = binary("add", np.add, lambda g, ans, x, y: g, lambda g, ans, x, y: g, save_inputs=False, label="+")
sub = binary("sub", np.subtract, lambda g, ans, x, y: g, lambda g, ans, x, y: -g, save_inputs=False, label="-")
mul = binary("mul", np.multiply, lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x, label="*")
div = binary("div", np.divide,  # d(x/y)/dy = -x/y^2 = -ans/y
             lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * ans / y, label="/")
power = binary("pow", np.power,  # d/dx x^p = p x^(p-1);  d/dp x^p = x^p log x  (0 where x <= 0)
               lambda g, ans, x, p: g * _power_slope(x, p),
               lambda g, ans, x, p: g * ans * log(where(_data(x) > 0, x, 1.0)), label="**")
maximum = binary("maximum", np.maximum,  # ties: half the gradient to each side
                 lambda g, ans, x, y: g * _tie_weights(x, y),
                 lambda g, ans, x, y: g * _tie_weights(y, x), label="max")
minimum = binary("minimum", np.minimum,
                 lambda g, ans, x, y: g * _tie_weights(y, x),
                 lambda g, ans, x, y: g * _tie_weights(x, y), label="min")
matmul = binary("matmul", np.matmul, _matmul_vjp_x, _matmul_vjp_y, label="@", on_error=_matmul_error)
where = conditional("where", np.where,  # the gradient reaches only the branch taken
                    lambda g, ans, c, x, y: where(c, g, 0.0),
                    lambda g, ans, c, x, y: where(c, 0.0, g), numpy_forward=_mask_select)

neg = unary("neg", np.negative, lambda g, ans, xs: -g, save_inputs=False, label="neg")
exp = unary("exp", np.exp, lambda g, ans, xs: g * ans, save_inputs=False)
log = unary("log", np.log, lambda g, ans, x: g / x)
log1p = unary("log1p", np.log1p, lambda g, ans, x: g / (1 + x))
sqrt = unary("sqrt", np.sqrt, lambda g, ans, xs: g / (2 * ans), save_inputs=False)
abs = unary("abs", np.abs, lambda g, ans, x: g * np.sign(_data(x)))  # d|x| = sign x (0 at 0)
sin = unary("sin", np.sin, lambda g, ans, x: g * cos(x))
cos = unary("cos", np.cos, lambda g, ans, x: -g * sin(x))
tanh = unary("tanh", np.tanh, lambda g, ans, xs: g * (1 - ans * ans), save_inputs=False)
threshold = unary("threshold", _threshold_forward, _threshold_vjp, params=True)
clip = unary("clip", _clip_forward, lambda g, ans, x, lo, hi: where(_clip_mask(x, lo, hi), g, 0.0), params=True)

sum = unary("sum", lambda x, axis, keepdims: np.add.reduce(x, axis, keepdims=keepdims), _sum_vjp,
            params=True, save_inputs=False)
mean = unary("mean", lambda x, axis, keepdims: np.add.reduce(x, axis, keepdims=keepdims) / _reduced_count(x.shape, axis),
             _mean_vjp, params=True, save_inputs=False)
max = unary("max", lambda x, axis, keepdims: np.maximum.reduce(x, axis, keepdims=keepdims), _minmax_vjp,
            params=True)
min = unary("min", lambda x, axis, keepdims: np.minimum.reduce(x, axis, keepdims=keepdims), _minmax_vjp,
            params=True)

reshape = unary("reshape", lambda x, shape: x.reshape(shape), lambda g, ans, xs, shape: reshape(g, xs),
                params=True, save_inputs=False)
transpose = unary("transpose", lambda x, axes: x.transpose(axes),
                  lambda g, ans, xs, axes: transpose(g, _inverse_permutation(axes)), params=True, save_inputs=False)
broadcast_to = unary("broadcast_to", _broadcast_forward, lambda g, ans, xs, shape: sum_to(g, xs),
                     params=True, save_inputs=False)
expand_dims = unary("expand_dims", np.expand_dims, lambda g, ans, xs, axis: reshape(g, xs),
                    params=True, save_inputs=False)
squeeze = unary("squeeze", np.squeeze, lambda g, ans, xs, axis: reshape(g, xs), params=True, save_inputs=False)
getitem = unary("getitem", lambda x, index: x[index], lambda g, ans, xs, index: scatter_add(g, index, xs),
                params=True, save_inputs=False, label="[]")
# The adjoint of indexing: zeros of `shape` with g added at `index`. Its own VJP is indexing again.
scatter_add = unary("scatter_add", _scatter_add_forward, lambda g, ans, gs, index, shape: getitem(g, index),
                    params=True, save_inputs=False)

# x W + b in one step (Dense): the seed's z = a W + b. d/db is g, summed over the batch by the engine.
_affine = nary("affine", _affine_forward, (_affine_vjp_x, _affine_vjp_w, lambda g, ans, x, w, b: g), label="x@W+b")
_concatenate = nary("concatenate", lambda *a: np.concatenate(a[:-1], axis=a[-1]),
                    per_argument(_concatenate_vjp), save_inputs=False, label="cat")
_stack = nary("stack", lambda *a: np.stack(a[:-1], axis=a[-1]), per_argument(_stack_vjp), save_inputs=False)


def affine(x: Any, weight: Any, bias: Any = None) -> Any:
    """x @ weight + bias, one primitive: weight of shape (in, out), bias (out,) or None.

    The same numbers as the two operations, with one node instead of two and one array fewer.
    """
    ws = _data(weight).shape
    if bias is not None and _data(bias).shape != ws[1:]:
        raise ValueError(f"affine: bias of shape {_data(bias).shape} for a weight of shape {ws} (need ({ws[1]},))")
    try:
        return apply(_affine, (x, weight, bias))
    except ValueError:
        xs = np.shape(_data(x))
        raise ValueError(f"affine: input of shape {xs} and weight of shape {ws} do not align "
                         "(need (..., n) and (n, m))") from None


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Any:
    """Join tensors along an existing axis."""
    _check_joinable("concatenate", tensors, axis, stacking=False)
    return apply(_concatenate, tensors, axis)


def stack(tensors: Sequence[Any], axis: int = 0) -> Any:
    """Join tensors of one shape along a new axis."""
    _check_joinable("stack", tensors, axis, stacking=True)
    return apply(_stack, tensors, axis)


def _check_joinable(name: str, tensors: Sequence[Any], axis: int, stacking: bool) -> None:
    shapes = [np.shape(_data(t)) for t in tensors]
    if not shapes:
        raise ValueError(f"{name}: needs at least one tensor")
    ndim = len(shapes[0]) + (1 if stacking else 0)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}: axis {axis} is out of range for {ndim}-d results (shapes {shapes})")
    for s in shapes[1:]:
        if stacking:
            same = s == shapes[0]
        else:
            same = len(s) == len(shapes[0]) and all(
                a == b for k, (a, b) in enumerate(zip(s, shapes[0])) if k != axis % ndim
            )
        if not same:
            rule = "the same shape" if stacking else f"the same shape except along axis {axis}"
            raise ValueError(f"{name}: tensors must have {rule}, got shapes {shapes}")


def swapaxes(x: Any, axis1: int, axis2: int) -> Any:
    """Swap two axes: a transpose with the permutation that exchanges them."""
    axes = list(range(np.ndim(_data(x))))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, tuple(axes))


def as_index(index: Any) -> Any:
    """An index with Tensors replaced by their arrays (for getitem)."""
    if isinstance(index, tuple):
        return tuple(_data(i) for i in index)
    return _data(index)


# ---------------------------------------------------------------------------------------
# Comparisons: elementwise and not differentiable; bool tensors carry no graph.
# ---------------------------------------------------------------------------------------

def _comparison(name: str, fn: Any) -> Any:
    def compare(x: Any, y: Any) -> Any:
        xd, yd = _data(x), _data(y)
        try:
            out = fn(xd, yd)
        except ValueError:
            raise ValueError(f"{name}: shapes {np.shape(xd)} and {np.shape(yd)} do not broadcast together") from None
        if isinstance(x, Tensor) or isinstance(y, Tensor):
            return _make(np.asarray(out))
        return out

    compare.__name__ = name
    return compare


less = _comparison("less", np.less)
less_equal = _comparison("less_equal", np.less_equal)
greater = _comparison("greater", np.greater)
greater_equal = _comparison("greater_equal", np.greater_equal)
equal = _comparison("equal", np.equal)
not_equal = _comparison("not_equal", np.not_equal)
