"""Composites: gradients against finite differences, values against direct formulas, and
finite values and gradients at extreme inputs."""

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor
from autograd_lite import functional as F

from .helpers import SHAPES, check_grads, leaf

ACTIVATIONS = {
    "sigmoid": (F.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    "relu": (F.relu, lambda x: np.maximum(x, 0)),
    "tanh": (F.tanh, np.tanh),
    "softplus": (F.softplus, lambda x: np.log1p(np.exp(x))),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_activation_gradients(name, shape, rng):
    fn, _ = ACTIVATIONS[name]
    x = leaf(shape, rng, lo=-3, hi=3, away_from_zero=0.1 if name == "relu" else 0.0)
    check_grads(fn, x)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_values(name, rng):
    fn, reference = ACTIVATIONS[name]
    x = rng.uniform(-5, 5, size=(4, 5))
    np.testing.assert_allclose(fn(Tensor(x)).data, reference(x), rtol=1e-14, atol=1e-300)


def test_sigmoid_keeps_relative_precision_in_the_far_tail():
    x = np.array([-40.0, -700.0, 40.0])
    np.testing.assert_allclose(F.sigmoid(Tensor(x)).data, [np.exp(-40) / (1 + np.exp(-40)), np.exp(-700), 1.0],
                               rtol=1e-14)


def test_sigmoid_value_and_gradient_keep_relative_precision_over_the_whole_range():
    """Against σ and σ' written on each side of 0 from e = e^-|x| (a few ulps): within 1e-14,
    relative, wherever σ' is a normal number (|x| < 708). PyTorch's σ (1 - σ) is 1e-3 off at
    x = 30 and 0 beyond 37; e^(x - logaddexp(0, x)) would be 1e-2 off at x = 30."""
    x = np.concatenate([np.linspace(-708.0, 708.0, 2001), np.linspace(-40.0, 40.0, 2001)])
    e = np.exp(-np.abs(x))
    value = np.where(x >= 0, 1.0, e) / (1.0 + e)
    slope = e / (1.0 + e) ** 2
    t = Tensor(x, requires_grad=True)
    s = F.sigmoid(t)
    s.sum().backward()
    np.testing.assert_allclose(s.data, value, rtol=1e-14, atol=0)
    np.testing.assert_allclose(t.grad.data, slope, rtol=1e-14, atol=0)


def test_sigmoid_at_infinities_has_the_limits_and_zero_gradient():
    t = Tensor([-np.inf, np.inf], requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = F.sigmoid(t)
        s.sum().backward()
    np.testing.assert_array_equal(s.data, [0.0, 1.0])
    np.testing.assert_array_equal(t.grad.data, [0.0, 0.0])  # as PyTorch


def test_sigmoid_gradient_at_zero_is_one_quarter():
    x = Tensor([0.0, -0.0], requires_grad=True)
    F.sigmoid(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.25, 0.25])


def test_composites_at_zero_have_the_true_derivative():
    """0 is where abs/max/where kinks sit inside composites, and a common input (zero biases)."""
    for fn, expected in [(F.sigmoid, 0.25), (F.softplus, 0.5), (F.tanh, 1.0),
                         (lambda t: F.bce_with_logits(t, np.zeros(1)), 0.5),
                         (lambda t: F.bce_with_logits(t, np.ones(1)), -0.5)]:
        x = Tensor([0.0], requires_grad=True)
        fn(x).sum().backward()
        assert x.grad.item() == pytest.approx(expected, rel=1e-15)


def test_relu_gradient_at_zero_is_zero():
    x = Tensor([0.0], requires_grad=True)
    F.relu(x).sum().backward()
    assert x.grad.item() == 0.0


def test_relu_keeps_nan_and_maps_minus_infinity_to_zero_as_pytorch():
    out = F.relu(Tensor([np.nan, -np.inf, -0.0, 2.0])).data
    assert np.isnan(out[0]) and out[1] == 0.0 and not np.signbit(out[2]) and out[3] == 2.0


def test_relu_gradient_is_exactly_zero_where_the_upstream_gradient_is_infinite():
    x = Tensor([-1.0, 0.0, 4.0], requires_grad=True)
    with np.errstate(divide="ignore"):
        F.relu(x).sqrt().sum().backward()  # d sqrt(0) = inf reaches the two zeros of relu
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.25])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("trap", ["inf", "-inf", "nan", "huge", "none"])
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_a_large_masks_gradient_is_np_where_whatever_the_upstream_gradient_holds(dtype, trap, layout):
    """On a large mask a plain backward multiplies the gradient by the mask when a sum says the
    gradient is finite: an inf or nan off the mask must still give 0, as np.where does (0 * inf
    is nan), in either memory order and dtype, and huge finite values must keep their numbers."""
    from autograd_lite.ops import MASK_PRODUCT_MIN_SIZE, _mask_select

    rng = np.random.default_rng(7)
    shape = (64, MASK_PRODUCT_MIN_SIZE // 32)
    g = rng.standard_normal(shape).astype(dtype)
    mask = rng.random(shape) > 0.5
    traps = {"inf": np.inf, "-inf": -np.inf, "nan": np.nan, "huge": np.finfo(dtype).max / 4, "none": 1.0}
    off = np.argwhere(~mask)[:3]
    g[tuple(off.T)] = traps[trap]
    if layout == "transposed":
        g, mask = g.T, mask.T
    for c, x, y, want in ((mask, g, 0.0, np.where(mask, g, 0.0)), (~mask, 0.0, g, np.where(~mask, 0.0, g))):
        got = _mask_select(c, x, y)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)  # (a zero may be -0.0 here)
        assert not np.isnan(got[~mask]).any()


def test_softplus_gradient_at_zero_is_one_half():
    x = Tensor(0.0, requires_grad=True)
    F.softplus(x).backward()
    assert x.grad.item() == 0.5


@pytest.mark.parametrize("shape", [(3,), (2, 3), (1, 3), (2, 3, 2)], ids=str)
@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax], ids=["softmax", "log_softmax"])
def test_softmax_family_gradients(fn, shape, rng):
    x = leaf(shape, rng, lo=-2, hi=2)
    check_grads(lambda t: fn(t, -1), x)
    check_grads(lambda t: fn(t, 0), x)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_logsumexp_over_every_shape(shape, rng):
    check_grads(lambda t: F.logsumexp(t), leaf(shape, rng, lo=-2, hi=2))


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("loss", ["mse", "bce", "bce_with_logits"])
def test_elementwise_losses_over_every_shape(loss, shape, rng):
    target = rng.uniform(size=shape)
    pred = leaf(shape, rng, lo=0.1, hi=0.9) if loss == "bce" else leaf(shape, rng, lo=-2, hi=2)
    check_grads(lambda p: getattr(F, loss)(p, target), pred)


@pytest.mark.parametrize(("shape", "target"), [((3,), np.array(1)), ((2, 3), np.array([0, 2])),
                                               ((1, 3), np.array([2])), ((2, 2, 3), np.array([[0, 1], [2, 2]]))],
                         ids=str)
def test_cross_entropy_over_shapes(shape, target, rng):
    check_grads(lambda x: F.cross_entropy(x, target), leaf(shape, rng, lo=-2, hi=2))
    probabilities = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    check_grads(lambda x: F.cross_entropy(x, probabilities), leaf(shape, rng, lo=-2, hi=2))


@pytest.mark.parametrize("axis", [None, 0, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp(axis, keepdims, rng):
    x = leaf((2, 3), rng, lo=-2, hi=2)
    check_grads(lambda t: F.logsumexp(t, axis, keepdims), x)
    expected = np.log(np.sum(np.exp(x.data), axis=axis, keepdims=keepdims))
    np.testing.assert_allclose(F.logsumexp(x, axis, keepdims).data, expected, rtol=1e-14)


def test_softmax_values_sum_to_one_and_match_the_formula(rng):
    x = rng.standard_normal((3, 4))
    s = F.softmax(Tensor(x)).data
    np.testing.assert_allclose(s.sum(axis=-1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(s, np.exp(x) / np.exp(x).sum(-1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(F.log_softmax(Tensor(x)).data, np.log(s), rtol=1e-13)


EXTREME = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])


@pytest.mark.parametrize(
    "fn",
    [F.sigmoid, F.softplus, F.tanh, lambda x: F.softmax(x), lambda x: F.log_softmax(x),
     lambda x: F.logsumexp(x), lambda x: F.bce_with_logits(x, np.array([0.0, 1.0, 0.0, 1.0, 0.0])),
     lambda x: F.cross_entropy(x.reshape(1, 5), np.array([4])),
     lambda x: F.bce(F.sigmoid(x), np.array([1.0, 1.0, 0.0, 0.0, 0.0]))],
    ids=["sigmoid", "softplus", "tanh", "softmax", "log_softmax", "logsumexp", "bce_with_logits",
         "cross_entropy", "bce_of_sigmoid"],
)
def test_finite_value_and_gradient_at_extreme_inputs(fn):
    x = Tensor(EXTREME, requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):  # no inf/nan made
        y = fn(x)
        y.sum().backward()
    assert np.all(np.isfinite(y.data))
    assert np.all(np.isfinite(x.grad.data))


def test_sigmoid_at_extremes_has_exact_limits():
    x = Tensor([-1000.0, 1000.0], requires_grad=True)
    s = F.sigmoid(x)
    np.testing.assert_array_equal(s.data, [0.0, 1.0])
    s.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])


def test_log_softmax_at_extremes_is_exact():
    x = Tensor([[1000.0, 0.0, -1000.0]], requires_grad=True)
    np.testing.assert_array_equal(F.log_softmax(x).data, [[0.0, -1000.0, -2000.0]])


@pytest.mark.parametrize("shape", [(4,), (2, 3)], ids=str)
def test_mse(shape, rng):
    p, t = leaf(shape, rng), rng.standard_normal(shape)
    check_grads(lambda a: F.mse(a, t), p)
    assert F.mse(p, t).item() == pytest.approx(np.mean((p.data - t) ** 2), rel=1e-14)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce(reduction, rng):
    p = leaf((2, 3), rng, lo=0.05, hi=0.95)
    t = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.3]])
    check_grads(lambda a: F.bce(a, t, reduction=reduction), p)
    expected = -(t * np.log(p.data) + (1 - t) * np.log(1 - p.data))
    got = F.bce(p, t, reduction=reduction).data
    ref = {"mean": expected.mean(), "sum": expected.sum(), "none": expected}[reduction]
    np.testing.assert_allclose(got, ref, rtol=1e-14)


def test_bce_is_finite_at_predictions_of_exactly_zero_and_one():
    p = Tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    loss = F.bce(p, np.array([0.0, 1.0, 1.0, 0.0]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(p.grad.data))


def test_bce_with_logits_equals_bce_of_sigmoid(rng):
    x = leaf((2, 3), rng, lo=-4, hi=4)
    t = rng.uniform(size=(2, 3))
    check_grads(lambda a: F.bce_with_logits(a, t), x)
    np.testing.assert_allclose(F.bce_with_logits(x, t).data, F.bce(F.sigmoid(x), t).data, rtol=1e-12)


def test_cross_entropy_with_indices_and_one_hot(rng):
    x = leaf((4, 3), rng, lo=-2, hi=2)
    idx = np.array([0, 2, 1, 2])
    check_grads(lambda a: F.cross_entropy(a, idx), x)
    one_hot = np.eye(3)[idx]
    assert F.cross_entropy(x, idx).item() == pytest.approx(F.cross_entropy(x, one_hot).item(), rel=1e-15)
    logp = x.data - np.log(np.exp(x.data).sum(1, keepdims=True))
    assert F.cross_entropy(x, idx).item() == pytest.approx(-logp[np.arange(4), idx].mean(), rel=1e-14)


def test_cross_entropy_gradient_is_softmax_minus_target(rng):
    x = Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    idx = np.array([0, 2, 1, 2])
    F.cross_entropy(x, idx).backward()
    np.testing.assert_allclose(x.grad.data, (F.softmax(x).data - np.eye(3)[idx]) / 4, rtol=1e-12, atol=1e-15)


def test_cross_entropy_accepts_indices_stored_as_floats():
    x = Tensor(np.zeros((2, 3)))
    assert F.cross_entropy(x, Tensor([0, 2])).item() == pytest.approx(np.log(3))


def test_loss_shape_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(4,\)"):
        F.mse(Tensor(np.zeros((4, 1))), np.zeros(4))
    with pytest.raises(ValueError, match="cross_entropy: target of shape"):
        F.cross_entropy(Tensor(np.zeros((4, 3))), np.zeros(5))
    with pytest.raises(ValueError, match="out of range for 3 classes"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0, 3]))
    with pytest.raises(ValueError, match="reduction"):
        F.mse(Tensor(np.zeros(2)), np.zeros(2), reduction="avg")


def test_module_level_functions_return_tensors():
    for fn in (al.exp, al.sigmoid, al.relu, al.tanh, al.sum, al.softmax):
        assert isinstance(fn(np.array([1.0, -1.0])), Tensor)
    assert isinstance(al.where(np.array([True]), 1.0, 2.0), Tensor)


@pytest.mark.parametrize("bounds", [(1.5, None), (None, 2.5), (1.5, 2.5)], ids=str)
def test_clip_with_tensor_bounds_that_require_grad_gives_them_their_gradient(bounds):
    """clamp(min=lo) with lo a Tensor: lo is the result where x < lo, so the gradient there is
    lo's (it was dropped: the bounds went in as numbers), as torch.clamp gives it."""
    weights = np.array([1.0, 2.0, 3.0, 4.0])
    x = Tensor([1.0, 2.0, 3.0, 3.5], requires_grad=True)
    lo, hi = (None if b is None else Tensor(b, requires_grad=True) for b in bounds)
    (x.clamp(min=lo, max=hi) * weights).sum().backward()
    low = np.array([1.0, 2.0, 3.0, 3.5]) < (bounds[0] if bounds[0] is not None else -np.inf)
    high = np.array([1.0, 2.0, 3.0, 3.5]) > (bounds[1] if bounds[1] is not None else np.inf)
    inside = ~(low | high)
    np.testing.assert_array_equal(x.grad.data, weights * inside)
    if lo is not None:
        assert lo.grad.item() == weights[low].sum()
    if hi is not None:
        assert hi.grad.item() == weights[high].sum()
    torch = pytest.importorskip("torch")
    tx = torch.tensor([1.0, 2.0, 3.0, 3.5], dtype=torch.float64, requires_grad=True)
    tlo, thi = (None if b is None else torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in bounds)
    (torch.clamp(tx, min=tlo, max=thi) * torch.from_numpy(weights)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())
    for ours, theirs in ((lo, tlo), (hi, thi)):
        if ours is not None:
            assert ours.grad.item() == theirs.grad.item()


def test_clip_with_a_0d_tensor_bound_keeps_float32():
    x = Tensor(np.array([1.0, 2.0, 3.0], np.float32), requires_grad=True)
    y = x.clamp(min=Tensor(1.5, requires_grad=True))
    assert y.dtype == np.float32 and y.data.tolist() == [1.5, 2.0, 3.0]


@pytest.mark.parametrize("requires_grad", [False, True])
def test_clip_by_a_tensor_does_not_depend_on_whether_the_bound_requires_grad(requires_grad):
    """A 0-d float64 bound of a float32 tensor gave float64 without grad and float32 with it;
    a nan bound gave nan without grad (as numpy and torch) and no change with it."""
    x = Tensor(np.array([0.5, 1.0, 3.0], np.float32), requires_grad=True)
    y = x.clamp(min=Tensor(1.5, requires_grad=requires_grad))
    assert y.dtype == np.float32 and y.data.tolist() == [1.5, 1.5, 3.0]
    z = Tensor([0.5, 1.0]).clip(Tensor(np.nan, requires_grad=requires_grad), 1.0)
    assert np.isnan(z.data).all()
