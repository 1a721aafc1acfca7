"""Exact gradients where small engines go wrong: the corners issue 10 found, each pinned.

Every value here is the calculus done by hand (or PyTorch's documented convention), not the
engine's own output.
"""

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor
from autograd_lite.ops import sum_to


def derivatives(f, x0: float, order: int) -> list[float]:
    """f'(x0), f''(x0), ... up to ``order``, by repeated grad(create_graph=True)."""
    x = Tensor(x0, requires_grad=True)
    out, values = f(x), []
    for _ in range(order):
        if not out.requires_grad:  # a constant: every further derivative is 0
            values.append(0.0)
            continue
        (out,) = al.grad(out, [x], create_graph=True, allow_unused=True)
        out = out if out is not None else Tensor(0.0)
        values.append(out.item())
    return values


# --------------------------------------------------------------------- permutations
@pytest.mark.parametrize("axes", [(-1, 0), (1, -2)])
def test_permute_with_mixed_sign_axes_2d(axes):
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    V = np.arange(1.0, 7.0).reshape(3, 2)
    x.permute(*axes).backward(V)
    np.testing.assert_array_equal(x.grad.data, V.T)  # d sum(x^T V) / dx = V^T


@pytest.mark.parametrize("axes", [(0, -1, 1), (-1, 0, -2), (2, -3, 1)])
def test_transpose_with_mixed_sign_axes_3d(axes):
    x = Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    y = al.transpose(x, axes)
    V = np.random.default_rng(0).standard_normal(y.shape)
    y.backward(V)
    positive = tuple(a % 3 for a in axes)
    np.testing.assert_array_equal(x.grad.data, V.transpose(np.argsort(positive)))


def test_sum_to_only_sums_broadcast_axes_and_refuses_the_rest():
    g = np.arange(6.0).reshape(3, 2)
    with pytest.raises(RuntimeError, match=r"VJP of 'transpose'.*\(3, 2\).*\(2, 3\).*not a broadcast"):
        sum_to(g, (2, 3), "transpose")  # same size, wrong shape: once reshaped into place silently
    np.testing.assert_array_equal(sum_to(np.ones((4, 2, 3)), (2, 1)), np.full((2, 1), 12.0))
    np.testing.assert_array_equal(sum_to(np.ones((1, 3)), (3,)), np.ones(3))  # drop a length-1 axis
    np.testing.assert_array_equal(sum_to(np.ones(3), (1, 3)), np.ones((1, 3)))  # add one
    with pytest.raises(RuntimeError):
        sum_to(np.ones(3), (2, 3))  # would need copying, not summing


# --------------------------------------------------------------------- powers
def test_zero_exponent_has_zero_gradient_at_zero():
    x = Tensor([0.0, 2.0], requires_grad=True)
    (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])  # PyTorch: 0, not 0 * 0^-1 = nan


def test_array_exponent_holding_zero_at_zero():
    x = Tensor([0.0, 0.0, 3.0], requires_grad=True)
    p = Tensor([0.0, 2.0, 0.0], requires_grad=True)
    (x**p).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(p.grad.data, [0.0, 0.0, np.log(3.0)])  # d/dp 0^p = 0 for p >= 0


def test_power_derivatives_of_every_order_at_zero():
    assert derivatives(lambda x: x**1, 0.0, 3) == [1.0, 0.0, 0.0]  # second derivative was nan
    assert derivatives(lambda x: x**2, 0.0, 3) == [0.0, 2.0, 0.0]
    assert derivatives(lambda x: x**3, 0.0, 4) == [0.0, 0.0, 6.0, 0.0]


def test_gradient_with_respect_to_the_exponent_follows_pytorch_at_nonpositive_bases():
    x = Tensor([-2.0, 0.0, 0.0])
    p = Tensor([2.0, 2.0, -1.0], requires_grad=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        (x**p).sum().backward()
    assert np.isnan(p.grad.data[0]) and p.grad.data[1] == 0.0 and p.grad.data[2] == -np.inf


# --------------------------------------------------------------------- smooth composites
def test_softplus_is_smooth_at_zero_at_every_order():
    # softplus' = sigmoid: 1/2, 1/4, 0, -1/8 at 0
    assert derivatives(al.softplus, 0.0, 4) == pytest.approx([0.5, 0.25, 0.0, -0.125], abs=1e-15)


def test_bce_with_logits_is_smooth_at_zero_logits():
    """Zero-initialised logits sit exactly at the old kink: the curvature there was 0, not 1/4."""
    def loss(x):
        return al.bce_with_logits(x, np.array(1.0))

    assert derivatives(loss, 0.0, 3) == pytest.approx([-0.5, 0.25, 0.0], abs=1e-15)


def test_sigmoid_derivatives_at_zero():
    assert derivatives(al.sigmoid, 0.0, 3) == pytest.approx([0.25, 0.0, -0.125], abs=1e-15)


# --------------------------------------------------------------------- reductions
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min"])
@pytest.mark.parametrize("axis", [0, -1, (0,)])
def test_a_0d_tensor_reduced_with_an_explicit_axis(name, axis):
    x = Tensor(0.7, requires_grad=True)
    y = getattr(al, name)(x, axis)
    assert y.shape == () and y.item() == 0.7
    y.backward()
    assert x.grad.item() == 1.0


def test_logsumexp_over_an_empty_axis_is_minus_infinity():
    x = Tensor(np.zeros((2, 0)), requires_grad=True)
    y = al.logsumexp(x, 1)
    assert y.shape == (2,) and np.all(y.data == -np.inf)
    y.sum().backward()
    assert x.grad.shape == (2, 0)
    assert al.logsumexp(Tensor(np.zeros((2, 0))), 1, keepdims=True).shape == (2, 1)


def test_max_with_ties_splits_the_gradient_as_pytorchs_amax():
    x = Tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 0.5, 0.5], [0.5, 0.5, 0.0]])


# --------------------------------------------------------------------- nan: one rule
def test_nan_inputs_get_the_gradient_everywhere():
    """The rule: the gradient goes to the input the output came from; a nan input makes a nan
    output, so it gets the gradient. (PyTorch is not consistent here: relu and threshold pass
    it, clamp blocks it, maximum gives it to both sides.)"""
    nan = np.nan
    for fn in (al.relu, lambda t: al.threshold(t, 0.0, 0.0), lambda t: al.threshold(t, 0.5, -1.0),
               lambda t: t.clip(0.0, 1.0), lambda t: al.maximum(t, 0.0), lambda t: al.minimum(t, 0.0)):
        x = Tensor([nan], requires_grad=True)
        fn(x).sum().backward()
        assert x.grad.data.tolist() == [1.0]
    x, y = Tensor([nan, 1.0], requires_grad=True), Tensor([0.0, nan], requires_grad=True)
    al.maximum(x, y).sum().backward()
    assert x.grad.data.tolist() == [1.0, 0.0] and y.grad.data.tolist() == [0.0, 1.0]


def test_relu_gradient_at_zero_is_zero():
    x = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    al.relu(x).sum().backward()
    assert x.grad.data.tolist() == [0.0, 0.0, 1.0]


def test_abs_gradient_at_zero_is_zero():
    x = Tensor([-2.0, 0.0, 2.0], requires_grad=True)
    x.abs().sum().backward()
    assert x.grad.data.tolist() == [-1.0, 0.0, 1.0]


# --------------------------------------------------------------------- ownership
def test_under_create_graph_each_leaf_owns_its_gradient():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward(create_graph=True)
    assert a.grad is not b.grad and a.grad.data is not b.grad.data
    assert a.grad.data.tolist() == [1.0, 1.0] and b.grad.data.tolist() == [1.0, 1.0]
    c = Tensor([2.0, 3.0], requires_grad=True)
    (a * c).sum().backward(create_graph=True)  # gradients keep their graphs through the copy
    (g,) = al.grad(a.grad.sum(), [c])
    assert g.data.tolist() == [1.0, 1.0]


def test_under_create_graph_no_gradient_is_a_view_of_another_or_the_one_given():
    # a reshape's gradient is a view of the other leaf's: clipping one in place changed both
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([[3.0, 4.0]], requires_grad=True)
    ((a.reshape(1, 2) + b) ** 2).sum().backward(create_graph=True)
    assert not np.shares_memory(a.grad.data, b.grad.data)
    with al.no_grad():
        b.grad.mul_(0.5)
    assert a.grad.data.tolist() == [8.0, 12.0]  # torch's
    # the gradient passed in reaches w unchanged: w.grad was that very tensor
    v = Tensor([1.0, 1.0])
    for output in (lambda w: w, lambda w: w + 0.0):
        w = Tensor([1.0, 2.0], requires_grad=True)
        output(w).backward(v, create_graph=True)
        assert w.grad is not v and not np.shares_memory(w.grad.data, v.data)
        w.grad.data[0] = 5.0
        assert v.data.tolist() == [1.0, 1.0]
