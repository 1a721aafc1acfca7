"""Every primitive against central finite differences: first and second order, every shape.

Shapes follow HIPS autograd's check_grads: (), (3,), (2, 3), (1, 3), and every pair of them for
binary operations, so that broadcasting in both directions is covered. Inputs are kept off the
points where an op is not differentiable (0 for abs/log/sqrt, ties for max).
"""

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor

from .helpers import SHAPE_PAIRS, SHAPES, check_grads, distinct, leaf

BINARY = {
    "add": (lambda x, y: x + y, {}, {}),
    "sub": (lambda x, y: x - y, {}, {}),
    "mul": (lambda x, y: x * y, {}, {}),
    "div": (lambda x, y: x / y, {}, {"lo": 0.5, "hi": 2.0}),
    "pow": (lambda x, y: x ** y, {"lo": 0.5, "hi": 2.0}, {}),
}


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
def test_binary_arithmetic(name, shapes, rng):
    fn, x_range, y_range = BINARY[name]
    x = leaf(shapes[0], rng, **x_range)
    y = leaf(shapes[1], rng, **y_range)
    check_grads(fn, x, y)


@pytest.mark.parametrize("fn", [al.maximum, al.minimum], ids=["maximum", "minimum"])
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
def test_maximum_minimum(fn, shapes, rng):
    x = distinct(shapes[0], rng)
    y = distinct(shapes[1], rng, offset=0.1)  # interleaved with x, never equal to it
    check_grads(fn, x, y)


@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
def test_logaddexp(shapes, rng):
    check_grads(al.logaddexp, leaf(shapes[0], rng, lo=-3.0, hi=3.0), leaf(shapes[1], rng, lo=-3.0, hi=3.0))


def test_logaddexp_gradients_at_infinite_and_huge_inputs():
    """The VJP is 1 / (1 + e^(y - x)) written as e^-logaddexp(0, y - x): no inf - inf where an input
    is infinite (e^(x - ans) would give nan there) and no overflow at 1000 apart (1 + e^(y - x)
    would warn), as PyTorch's values."""
    x = Tensor([np.inf, -np.inf, 1000.0, -1000.0, 0.0], requires_grad=True)
    y = Tensor([1.0, 1.0, -1000.0, 1000.0, 0.0], requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # (underflow is numpy's default "ignore")
        out = al.logaddexp(x, y)
        out.sum().backward()
    np.testing.assert_array_equal(out.data, [np.inf, 1.0, 1000.0, 1000.0, np.log(2.0)])
    np.testing.assert_array_equal(x.grad.data, [1.0, 0.0, 1.0, 0.0, 0.5])
    np.testing.assert_array_equal(y.grad.data, [0.0, 1.0, 0.0, 1.0, 0.5])


def test_logaddexp_second_derivative_in_the_tails(rng):
    """Inputs up to 1600 apart: the gradient σ(x - y) and the Hessian σ(x - y) σ(y - x) (times
    [[1, -1], [-1, 1]]) within 1e-14 of the formulas, relative, wherever they are normal numbers
    (PyTorch's own second derivative is nan beyond 355 apart)."""
    x, y = (rng.choice([-1.0, 1.0], 200) * rng.uniform(20.0, 800.0, 200) for _ in range(2))
    X, Y = Tensor(x, requires_grad=True), Tensor(y, requires_grad=True)
    gx, _ = al.grad(al.logaddexp(X, Y).sum(), [X, Y], create_graph=True)
    hxx, hxy = al.grad(gx.sum(), [X, Y])
    e = np.exp(-np.abs(x - y))
    slope = np.where(x >= y, 1.0, e) / (1.0 + e)
    curvature = e / (1.0 + e) ** 2
    normal = curvature > 1e-300
    np.testing.assert_allclose(gx.data, slope, rtol=1e-14, atol=0)
    np.testing.assert_allclose(hxx.data[normal], curvature[normal], rtol=1e-14, atol=0)
    np.testing.assert_allclose(hxy.data[normal], -curvature[normal], rtol=1e-14, atol=0)


def test_maximum_splits_ties_evenly():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = Tensor([2.0, 2.0, 2.0], requires_grad=True)
    al.maximum(x, y).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(y.grad.data, [1.0, 0.5, 0.0])


@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
def test_where_routes_the_gradient_to_the_branch_taken(shapes, rng):
    x = leaf(shapes[0], rng)
    y = leaf(shapes[1], rng)
    cond = rng.uniform(size=np.broadcast_shapes(shapes[0], shapes[1])) > 0.5
    check_grads(lambda a, b: al.where(cond, a, b), x, y)


def test_where_gives_exact_zeros_to_the_branch_not_taken():
    x = Tensor([1.0, -1.0], requires_grad=True)
    with np.errstate(invalid="ignore"):
        taken, other = x * 2, x.log()  # log(-1) is nan in the forward
    y = al.where(x.data > 0, taken, other)
    g_taken, g_other = al.grad(y.sum(), [taken, other], retain_graph=True)
    np.testing.assert_array_equal(g_taken.data, [1.0, 0.0])
    np.testing.assert_array_equal(g_other.data, [0.0, 1.0])
    y.sum().backward()  # log's VJP g / x sees g = 0 where x = 1: no nan reaches x
    np.testing.assert_array_equal(x.grad.data, [2.0, -1.0])


UNARY = {
    "neg": (lambda x: -x, {}),
    "exp": (lambda x: x.exp(), {}),
    "log": (lambda x: x.log(), {"lo": 0.5, "hi": 2.0}),
    "log1p": (lambda x: x.log1p(), {"lo": -0.5, "hi": 2.0}),
    "sqrt": (lambda x: x.sqrt(), {"lo": 0.5, "hi": 2.0}),
    "abs": (lambda x: x.abs(), {"away_from_zero": 0.2}),
    "sin": (lambda x: x.sin(), {"lo": -3.0, "hi": 3.0}),
    "cos": (lambda x: x.cos(), {"lo": -3.0, "hi": 3.0}),
    "tanh": (lambda x: x.tanh(), {"lo": -2.0, "hi": 2.0}),
    "pow_number": (lambda x: x ** 3, {}),
    "square": (lambda x: x ** 2, {}),
    "pow_fraction": (lambda x: x ** 1.5, {"lo": 0.5, "hi": 2.0}),
    "rpow": (lambda x: 3.0 ** x, {}),
    "clip": (lambda x: x.clip(-0.5, 0.5), {}),
    "clip_lower_only": (lambda x: x.clip(min=0.1), {}),
    "threshold_relu": (lambda x: al.threshold(x, 0.0, 0.0), {"away_from_zero": 0.2}),
    "threshold_value": (lambda x: al.threshold(x, 0.1, -2.0), {"away_from_zero": 0.2}),
}


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_unary(name, shape, rng):
    fn, x_range = UNARY[name]
    x = leaf(shape, rng, **x_range)
    if name.startswith("clip"):  # keep off the clip boundaries
        x = Tensor(np.where(np.abs(np.abs(x.data) - 0.5) < 0.05, 0.3, x.data), requires_grad=True)
        x = Tensor(np.where(np.abs(x.data - 0.1) < 0.05, 0.3, x.data), requires_grad=True)
    check_grads(fn, x)


def test_clip_passes_gradient_inside_and_at_the_bounds_only():
    x = Tensor([-2.0, -1.0, 0.0, 1.0, 2.0], requires_grad=True)
    x.clip(-1.0, 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 1, 1, 1, 0])


def test_abs_gradient_at_zero_is_zero():
    x = Tensor([0.0], requires_grad=True)
    x.abs().sum().backward()
    assert x.grad.item() == 0.0


REDUCTION_CASES = [
    (shape, axis)
    for shape in [(3,), (2, 3), (1, 3), (2, 3, 2)]
    for axis in [None, 0, -1, (0, 1), (-1, 0)]
    if not (isinstance(axis, tuple) and len(shape) < 2)
]


@pytest.mark.parametrize("op", ["sum", "mean", "max", "min"])
@pytest.mark.parametrize(("shape", "axis"), REDUCTION_CASES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions(op, shape, axis, keepdims, rng):
    x = distinct(shape, rng)
    check_grads(lambda t: getattr(t, op)(axis=axis, keepdims=keepdims), x)


@pytest.mark.parametrize("op", ["sum", "mean", "max", "min"])
def test_reductions_of_a_scalar(op, rng):
    check_grads(lambda t: getattr(t, op)(), leaf((), rng))


def test_max_splits_the_gradient_between_ties():
    x = Tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 0.5, 0.5], [0, 0, 0]])
    x.grad = None
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 0.5, 0.5], [1, 0, 0]])


MATMUL_SHAPES = [
    ((2, 3), (3, 4)),     # matrix @ matrix
    ((2, 3), (3,)),       # matrix @ vector
    ((3,), (3, 4)),       # vector @ matrix
    ((3,), (3,)),         # inner product
    ((2, 2, 3), (3, 4)),  # batch @ matrix (broadcast)
    ((3,), (2, 3, 4)),    # vector @ batch
    ((2, 2, 3), (3,)),    # batch @ vector
    ((2, 1, 2, 3), (3, 3, 2)),  # batch dims broadcast both ways
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul(shapes, rng):
    check_grads(lambda a, b: a @ b, leaf(shapes[0], rng), leaf(shapes[1], rng))


SHAPE_OPS = {
    "reshape": (lambda x: x.reshape(3, 2), (2, 3)),
    "reshape_infer": (lambda x: x.reshape(-1), (2, 3)),
    "transpose": (lambda x: x.T, (2, 3)),
    "permute": (lambda x: x.transpose((2, 0, 1)), (2, 3, 2)),
    "swapaxes": (lambda x: x.transpose(0, 2), (2, 3, 2)),
    "broadcast_to": (lambda x: x.broadcast_to((4, 2, 3)), (1, 3)),
    "broadcast_scalar": (lambda x: x.broadcast_to((2, 3)), ()),
    "expand_dims": (lambda x: x.expand_dims(1), (2, 3)),
    "squeeze": (lambda x: x.squeeze(0), (1, 3)),
    "squeeze_all": (lambda x: x.squeeze(), (1, 3)),
    "getitem_int": (lambda x: x[1], (2, 3)),
    "getitem_slice": (lambda x: x[:, 1:], (2, 3)),
    "getitem_step": (lambda x: x[::-1, ::2], (2, 3)),
    "getitem_none_ellipsis": (lambda x: x[None, ..., 0], (2, 3)),
    "getitem_repeated": (lambda x: x[[0, 1, 1, 0, 1]], (2, 3)),
    "getitem_pairs": (lambda x: x[np.array([0, 1, 1]), np.array([2, 0, 2])], (2, 3)),
    "getitem_mask": (lambda x: x[np.array([[True, False, True], [False, True, True]])], (2, 3)),
    "getitem_tensor_index": (lambda x: x[Tensor(np.array([2, 2, 0]))], (3,)),
}


@pytest.mark.parametrize("name", SHAPE_OPS)
def test_shape_ops(name, rng):
    fn, shape = SHAPE_OPS[name]
    check_grads(fn, leaf(shape, rng))


def test_repeated_indices_accumulate():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 0.0, 1.0])


def test_repeated_row_and_column_pairs_accumulate():
    """x[rows, cols] with 1-D index arrays (a cross-entropy's pick) whose pairs repeat: the
    gradients of a repeated pair add up; an index array that is a Tensor is its values."""
    x = Tensor(np.zeros((3, 4)), requires_grad=True)
    rows, cols = np.array([0, 2, 0, 1, 0]), np.array([1, 3, 1, 0, 2])
    (x[rows, Tensor(cols)] * Tensor([1.0, 2.0, 4.0, 8.0, 16.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 5.0, 16.0, 0.0], [8.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 2.0]])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate(axis, rng):
    check_grads(lambda a, b, c: al.concatenate([a, b, c], axis=axis),
                leaf((2, 3), rng), leaf((2, 3), rng), leaf((2, 3), rng))


def test_concatenate_unequal_lengths(rng):
    check_grads(lambda a, b: al.concatenate([a, b], axis=1), leaf((2, 1), rng), leaf((2, 3), rng))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_stack(axis, rng):
    check_grads(lambda a, b: al.stack([a, b], axis=axis), leaf((2, 3), rng), leaf((2, 3), rng))


def test_concatenate_with_a_constant(rng):
    check_grads(lambda a: al.concatenate([a, np.ones((1, 3))], axis=0), leaf((2, 3), rng))


def test_every_gradient_has_its_inputs_shape(rng):
    """grad.shape == data.shape, for leaves of every shape in a broadcasting expression."""
    shapes = [(), (3,), (1, 3), (2, 1), (2, 3), (4, 1, 3)]
    leaves = [leaf(s, rng) for s in shapes]
    out = leaves[0]
    for t in leaves[1:]:
        out = (out * t).tanh() + t.exp()
    out.sum().backward()
    for t in leaves:
        assert t.grad.shape == t.shape



AFFINE_SHAPES = [((3,), (3, 4), (4,)), ((2, 3), (3, 4), (4,)), ((2, 2, 3), (3, 4), (4,)), ((2, 3), (3, 1), (1,))]


@pytest.mark.parametrize("shapes", AFFINE_SHAPES, ids=str)
def test_affine(shapes, rng):
    x, w, b = (leaf(s, rng) for s in shapes)
    check_grads(lambda a, c, d: al.affine(a, c, d), x, w, b)
    np.testing.assert_allclose(al.affine(x, w, b).data, x.data @ w.data + b.data, rtol=1e-15)


def test_affine_without_bias_and_shape_errors(rng):
    x, w = leaf((2, 3), rng), leaf((3, 4), rng)
    check_grads(lambda a, c: al.affine(a, c), x, w)
    with pytest.raises(ValueError, match=r"affine: input of shape \(2, 3\) and weight of shape \(4, 3\)"):
        al.affine(x, np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"affine: bias of shape \(3,\)"):
        al.affine(x, w, np.ones(3))


@pytest.mark.parametrize("bias", [(2,), (1,), (4, 2), (1, 2), ()], ids=str)
def test_affines_forward_is_x_w_plus_b_for_any_bias_that_broadcasts(bias, rng):
    """affine() takes a bias of shape (m,) only; the primitive itself (al.PRIMITIVES) adds any
    bias that broadcasts, in place only where that gives x W + b's shape."""
    x, w, b = rng.standard_normal(3), rng.standard_normal((3, 2)), rng.standard_normal(bias)
    got = al.PRIMITIVES["affine"].forward(x, w, b)
    want = x @ w + b
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


# Primitives that the tables above do not reach as forward operations of their own.
EXTRA = {
    "clone": (lambda x: x.clone() * x, (2, 3)),
    "pad_each_axis": (lambda x: al.pad(x, ((1, 0), (2, 1))), (2, 3)),
    "pad_all_sides": (lambda x: al.pad(x, 1) ** 2, (3,)),
    "scatter_add": (lambda x: al.ops.scatter_add(x, (np.array([0, 2, 0]),), (4, 3)), (3, 3)),
    "index_put": (lambda x: _put(x * 1.0, (slice(None), 1), x[:, 0] * 2.0), (2, 3)),
    "index_put_repeated_rows": (lambda x: _put(x * 1.0, np.array([0, 2]), x[1] ** 2), (3, 2)),
}


def _put(h, index, value):
    h[index] = value  # recorded: h's grad_fn becomes index_put
    return h


def test_astype_converts_the_gradient_back_at_every_order():
    """Finite differences cannot see through float32 rounding, so astype is checked directly."""
    x = Tensor(np.array([0.5, -1.5], dtype=np.float32), requires_grad=True)
    w = Tensor([2.0, 3.0], requires_grad=True)
    y = (x.astype(np.float64) ** 2 * w).sum()
    (g,) = al.grad(y, [x], create_graph=True)
    assert g.dtype == np.float32 and g.tolist() == [2.0, -9.0]  # 2 x w
    (gw,) = al.grad(g.sum(), [w])
    assert gw.tolist() == [1.0, -3.0]  # 2 x


@pytest.mark.parametrize("name", EXTRA)
def test_extra_primitives(name, rng):
    fn, shape = EXTRA[name]
    check_grads(fn, leaf(shape, rng))
