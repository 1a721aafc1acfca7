"""Property-based tests: random shapes and values for the elementwise and reduction ops."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as al
from autograd_lite import Tensor

SETTINGS = settings(max_examples=40, deadline=None)

shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)


def arrays(shape, lo=-2.0, hi=2.0):
    return hnp.arrays(np.float64, shape, elements=st.floats(lo, hi, allow_nan=False, width=64))


# op, its derivative (for a direct check of the VJP), and the input range
ELEMENTWISE = {
    "exp": (lambda t: t.exp(), np.exp, (-2, 2)),
    "log": (lambda t: t.log(), lambda x: 1 / x, (0.1, 3)),
    "sqrt": (lambda t: t.sqrt(), lambda x: 0.5 / np.sqrt(x), (0.1, 3)),
    "sin": (lambda t: t.sin(), np.cos, (-3, 3)),
    "cos": (lambda t: t.cos(), lambda x: -np.sin(x), (-3, 3)),
    "tanh": (lambda t: t.tanh(), lambda x: 1 - np.tanh(x) ** 2, (-3, 3)),
    "sigmoid": (lambda t: t.sigmoid(), lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2, (-5, 5)),
    "square": (lambda t: t ** 2, lambda x: 2 * x, (-2, 2)),
    "reciprocal": (lambda t: 1 / t, lambda x: -1 / x**2, (0.2, 3)),
}


@st.composite
def elementwise_case(draw):
    name = draw(st.sampled_from(sorted(ELEMENTWISE)))
    fn, dfn, (lo, hi) = ELEMENTWISE[name]
    x = draw(arrays(draw(shapes), lo, hi))
    return fn, dfn, x


@SETTINGS
@given(elementwise_case())
def test_elementwise_gradient_is_the_derivative(case):
    fn, dfn, x = case
    t = Tensor(x, requires_grad=True)
    fn(t).sum().backward()
    assert t.grad.shape == x.shape
    np.testing.assert_allclose(t.grad.data, dfn(x), rtol=1e-12, atol=1e-14)


@SETTINGS
@given(elementwise_case())
def test_elementwise_passes_gradcheck(case):
    fn, _, x = case
    assert al.gradcheck(fn, (Tensor(x, requires_grad=True),))


@st.composite
def broadcast_pair(draw):
    a, b = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)).input_shapes
    return draw(arrays(a)), draw(arrays(b, 0.5, 2.0))


@SETTINGS
@given(broadcast_pair(), st.sampled_from(["add", "sub", "mul", "div"]))
def test_binary_ops_broadcast_and_reduce_gradients(pair, op):
    x, y = pair
    fn = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b,
          "mul": lambda a, b: a * b, "div": lambda a, b: a / b}[op]
    tx, ty = Tensor(x, requires_grad=True), Tensor(y, requires_grad=True)
    out = fn(tx, ty)
    np.testing.assert_allclose(out.data, fn(x, y), rtol=1e-15)
    out.sum().backward()
    assert tx.grad.shape == x.shape and ty.grad.shape == y.shape
    assert al.gradcheck(fn, (tx, ty))


@st.composite
def reduction_case(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    n = int(np.prod(shape))
    values = draw(st.permutations(range(n)))  # distinct values: no ties for max/min
    x = np.asarray(values, dtype=np.float64).reshape(shape) * 0.25
    axis = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1),
                          st.sets(st.integers(0, len(shape) - 1), min_size=1).map(tuple)))
    return x, axis, draw(st.booleans()), draw(st.sampled_from(["sum", "mean", "max", "min"]))


@SETTINGS
@given(reduction_case())
def test_reductions_match_numpy_and_gradcheck(case):
    x, axis, keepdims, op = case
    t = Tensor(x, requires_grad=True)
    out = getattr(t, op)(axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(out.data, getattr(np, op)(x, axis=axis, keepdims=keepdims), rtol=1e-15)
    assert al.gradcheck(lambda a: getattr(a, op)(axis=axis, keepdims=keepdims), (t,))


@SETTINGS
@given(hnp.arrays(np.float64, shapes, elements=st.floats(-1e3, 1e3, allow_nan=False, width=64)))
def test_sigmoid_and_softplus_stay_finite_for_any_input(x):
    t = Tensor(x, requires_grad=True)
    with np.errstate(under="ignore"):
        (t.sigmoid() + al.softplus(t)).sum().backward()
    assert np.all(np.isfinite(t.grad.data))
    assert np.all((t.grad.data >= 0) & (t.grad.data <= 1.25 + 1e-12))


@pytest.mark.parametrize("op", ["sum", "mean", "max", "min"])
@pytest.mark.parametrize("axis", [1, -1])
def test_a_reduction_over_one_axis_records_it_non_negative(op, axis):
    """The Node keeps the axis as a non-negative int (the design's rule for what Nodes save),
    keepdims as a bool, whichever way they were given; values and gradient as numpy's."""
    x = np.array([[1.0, 4.0, 2.0], [3.0, -1.0, 5.0]])
    t = Tensor(x, requires_grad=True)
    out = getattr(t, op)(axis=axis, keepdims=1)
    axes, keepdims = out.grad_fn.a1
    assert axes == (1,) and keepdims is True
    np.testing.assert_array_equal(out.data, getattr(np, op)(x, axis=1, keepdims=True))
    out.backward(np.array([[2.0], [3.0]]))
    expected = {"sum": [[2.0, 2.0, 2.0], [3.0, 3.0, 3.0]], "mean": [[2 / 3, 2 / 3, 2 / 3], [1.0, 1.0, 1.0]],
                "max": [[0.0, 2.0, 0.0], [0.0, 0.0, 3.0]], "min": [[2.0, 0.0, 0.0], [0.0, 3.0, 0.0]]}[op]
    np.testing.assert_array_equal(t.grad.data, expected)
