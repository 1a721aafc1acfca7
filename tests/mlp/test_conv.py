"""Conv2D, MaxPool2D, AvgPool2D, Flatten: against PyTorch (values, gradients, second order),
central differences, and every bad argument refused naming the layer and the shapes."""

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor, ops
from mlp import AvgPool2D, Conv2D, CrossEntropy, Dense, Flatten, MaxPool2D, NeuralNetwork, ReLU
from mlp.im2col import avg_pool2d, conv2d, max_pool2d, window_indices

from ..autograd_lite.helpers import check_grads

# (batch, in channels, height, width, out channels, kernel, stride, padding): strides, paddings,
# channel counts, odd and non-square sizes, kernels as large as the padded input
CONV_CASES = [
    (2, 1, 8, 8, 4, 3, 1, 1),
    (3, 3, 7, 9, 5, 3, 2, 0),
    (2, 2, 9, 7, 3, (2, 3), (1, 2), (1, 0)),
    (1, 4, 5, 5, 2, 5, 1, 0),
    (2, 1, 3, 3, 2, 5, 1, 1),
    (4, 3, 11, 10, 6, (3, 1), (3, 2), (2, 1)),
    (2, 2, 6, 6, 3, 1, 1, 0),
]
POOL_CASES = [  # (shape, kernel, stride)
    ((2, 3, 8, 8), 2, None),
    ((2, 2, 7, 9), 2, None),  # the last row and column are dropped, as PyTorch
    ((1, 3, 9, 7), 3, 2),
    ((2, 1, 6, 6), (2, 3), (1, 2)),
    ((3, 2, 5, 5), 3, 1),
    ((1, 1, 4, 6), (1, 2), None),
]


def distinct(shape, rng):
    """Values far apart: no ties in any window, even after the 1e-6 nudges of gradcheck."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.1 + rng.uniform(0, 0.01, n)).reshape(shape) - n * 0.05


def torch_conv(torch, case):
    _, _, _, _, _, kernel, stride, padding = case
    return lambda x, w, b: torch.nn.functional.conv2d(x, w, b, stride, padding)


def conv_inputs(case, rng, dtype=np.float64):
    n, c, h, w, f, kernel, _, _ = case
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    return (rng.standard_normal((n, c, h, w)).astype(dtype), rng.standard_normal((f, c, kh, kw)).astype(dtype),
            rng.standard_normal(f).astype(dtype))


# ------------------------------------------------------------------------------ against PyTorch
@pytest.mark.parametrize(("case", "dtype"), [(c, np.float64) for c in CONV_CASES]
                         + [pytest.param(c, np.float32, marks=[pytest.mark.slow] if i > 2 else [])
                            for i, c in enumerate(CONV_CASES)], ids=str)
def test_conv2d_matches_pytorch(case, dtype, rng):
    torch = pytest.importorskip("torch")
    x0, w0, b0 = conv_inputs(case, rng, dtype)
    stride, padding = case[6], case[7]
    x, w, b = (Tensor(v, requires_grad=True) for v in (x0, w0, b0))
    out = conv2d(x, w, b, stride, padding)
    g0 = rng.standard_normal(out.shape).astype(dtype)
    (out * g0).sum().backward()
    xt, wt, bt = (torch.tensor(v, requires_grad=True) for v in (x0, w0, b0))
    ot = torch_conv(torch, case)(xt, wt, bt)
    (ot * torch.tensor(g0)).sum().backward()
    tol = 1e-12 if dtype == np.float64 else 2e-4
    assert out.dtype == dtype and all(t.grad.dtype == dtype for t in (x, w, b))
    np.testing.assert_allclose(out.data, ot.detach().numpy(), rtol=tol, atol=tol)
    for ours, theirs in ((x, xt), (w, wt), (b, bt)):
        np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("case", CONV_CASES[:4], ids=str)
def test_second_order_through_conv_matches_pytorch(case, rng):
    """A gradient penalty: d/dW and d/dx of |d(sum conv(x)^2)/dx|^2, double backward in both."""
    torch = pytest.importorskip("torch")
    x0, w0, b0 = conv_inputs(case, rng)
    stride, padding = case[6], case[7]
    x, w, b = (Tensor(v, requires_grad=True) for v in (x0, w0, b0))
    gx, = al.grad((conv2d(x, w, b, stride, padding) ** 2).sum(), [x], create_graph=True)
    (gx ** 2).sum().backward()
    xt, wt, bt = (torch.tensor(v, requires_grad=True) for v in (x0, w0, b0))
    gxt, = torch.autograd.grad((torch_conv(torch, case)(xt, wt, bt) ** 2).sum(), [xt], create_graph=True)
    (gxt ** 2).sum().backward()
    for ours, theirs in ((x, xt), (w, wt), (b, bt)):
        np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize(("pool", "name"), [(max_pool2d, "max_pool2d"), (avg_pool2d, "avg_pool2d")])
@pytest.mark.parametrize(("shape", "kernel", "stride"), POOL_CASES, ids=str)
def test_pooling_matches_pytorch_on_tie_free_inputs(pool, name, shape, kernel, stride, rng):
    torch = pytest.importorskip("torch")
    x0 = distinct(shape, rng)
    x = Tensor(x0, requires_grad=True)
    out = pool(x, kernel, stride)
    g0 = rng.standard_normal(out.shape)
    (out * g0).sum().backward()
    xt = torch.tensor(x0, requires_grad=True)
    ot = getattr(torch.nn.functional, name)(xt, kernel, stride)
    (ot * torch.tensor(g0)).sum().backward()
    np.testing.assert_allclose(out.data, ot.detach().numpy(), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-14, atol=1e-14)


def test_layers_match_pytorch_modules(rng):
    """A whole CNN (conv, relu, pool, flatten, dense) and its loss, with the same weights."""
    torch = pytest.importorskip("torch")
    np.random.seed(3)
    net = NeuralNetwork(CrossEntropy())
    for layer in (Conv2D(2, 4, 3, padding=1), ReLU(), MaxPool2D(2), Conv2D(4, 3, (2, 3), stride=(1, 2)), ReLU(),
                  AvgPool2D((2, 1), stride=1), Flatten(), Dense(3 * 2 * 1, 5)):
        net.add(layer)
    X, y = rng.standard_normal((6, 2, 8, 9)), rng.integers(0, 5, 6)
    model = torch.nn.Sequential(torch.nn.Conv2d(2, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                torch.nn.Conv2d(4, 3, (2, 3), stride=(1, 2)), torch.nn.ReLU(),
                                torch.nn.AvgPool2d((2, 1), stride=1), torch.nn.Flatten(),
                                torch.nn.Linear(6, 5)).double()
    with torch.no_grad():
        for (name, p), tp in zip(net.named_parameters(), model.parameters()):
            tp.copy_(torch.tensor(p.data.T if name.endswith("7.weight") else p.data))
    loss = net.loss_function(net.forward(X), y)
    loss.backward()
    tloss = torch.nn.functional.cross_entropy(model(torch.tensor(X)), torch.tensor(y))
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-13)
    for (name, p), tp in zip(net.named_parameters(), model.parameters()):
        theirs = tp.grad.numpy().T if name.endswith("7.weight") else tp.grad.numpy()
        np.testing.assert_allclose(p.grad.data, theirs, rtol=1e-11, atol=1e-13, err_msg=name)


# ------------------------------------------------------------------------------ central differences
@pytest.mark.parametrize("case", [(1, 2, 4, 5, 2, 3, 1, 1), (2, 1, 5, 4, 2, (2, 3), 2, 0),
                                  pytest.param((1, 2, 3, 3, 1, 2, 1, 1), marks=pytest.mark.slow)], ids=str)
@pytest.mark.parametrize("slice_path", [False, True], ids=["add.at", "slices"])
def test_conv2d_gradcheck(case, slice_path, rng, monkeypatch):
    if slice_path:
        monkeypatch.setattr(ops, "_MIN_WINDOW_PART", 0)  # col2im slice by slice even for tiny shapes
    x, w, b = (Tensor(v, requires_grad=True) for v in conv_inputs(case, rng))
    check_grads(lambda a, c, d: conv2d(a, c, d, case[6], case[7]) ** 2, x, w, b)


@pytest.mark.parametrize(("pool", "shape", "kernel", "stride"), [
    (max_pool2d, (1, 2, 4, 4), 2, None), (max_pool2d, (1, 1, 5, 4), 3, (1, 2)),
    (avg_pool2d, (2, 1, 4, 5), 2, None), (avg_pool2d, (1, 2, 4, 4), 3, 1),
], ids=str)
def test_pooling_gradcheck(pool, shape, kernel, stride, rng):
    x = Tensor(distinct(shape, rng), requires_grad=True)
    check_grads(lambda t: pool(t, kernel, stride) ** 2, x)


def test_max_pool_splits_the_gradient_between_tied_maxima():
    """PyTorch gives a tied window's gradient to one element; the engine's max splits it."""
    x = Tensor(np.array([[[[1.0, 3.0], [3.0, 0.0]]]]), requires_grad=True)
    max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data[0, 0], [[0.0, 0.5], [0.5, 0.0]])


def test_a_conv_is_a_few_nodes_whatever_the_number_of_windows(rng):
    """One node per operation of the conv, not one per window: the graph stays drawable."""
    def nodes(size):
        x = Tensor(rng.standard_normal((2, 3, size, size)), requires_grad=True)
        w = Tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
        return len(al.trace_backward(max_pool2d(al.relu(conv2d(x, w, np.zeros(4), 1, 1)), 2).sum()))

    assert nodes(6) == nodes(30) <= 15


def test_window_indices_are_built_once_per_shape_and_read_only():
    first = window_indices(3, 10, 10, (3, 3), (1, 1))
    assert window_indices(3, 10, 10, (3, 3), (1, 1)) is first
    assert [a.shape for a in first] == [(3, 1, 1, 1, 1), (1, 3, 1, 8, 1), (1, 1, 3, 1, 8)]
    with pytest.raises(ValueError, match="read-only"):
        first[1][0, 0, 0, 0, 0] = 5


# ------------------------------------------------------------------------------ layers
def test_conv2d_layer_he_initialisation_from_the_global_random_state():
    np.random.seed(0)
    layer = Conv2D(3, 8, (3, 5))
    np.random.seed(0)
    np.testing.assert_array_equal(layer.weight.data, np.random.randn(8, 3, 3, 5) * np.sqrt(2 / 45))
    np.testing.assert_array_equal(layer.bias.data, np.zeros(8))
    rng_layer = Conv2D(3, 8, 3, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(rng_layer.weight.data,
                                  np.random.default_rng(1).standard_normal((8, 3, 3, 3)) * np.sqrt(2 / 27))


def test_layer_reprs_and_output_shapes():
    x = np.ones((2, 3, 9, 8))
    cases = [(Conv2D(3, 4, 3), "Conv2D(3 -> 4, 3x3)", (2, 4, 7, 6)),
             (Conv2D(3, 4, (3, 2), stride=2, padding=(1, 0)), "Conv2D(3 -> 4, 3x2, stride 2, padding (1, 0))",
              (2, 4, 5, 4)),
             (MaxPool2D(2), "MaxPool2D(2x2)", (2, 3, 4, 4)),
             (MaxPool2D(3, stride=(1, 2)), "MaxPool2D(3x3, stride (1, 2))", (2, 3, 7, 3)),
             (AvgPool2D((2, 4)), "AvgPool2D(2x4)", (2, 3, 4, 2)),
             (Flatten(), "Flatten()", (2, 216))]
    for layer, text, shape in cases:
        assert repr(layer) == text and layer(x).shape == shape


BAD_ARGUMENTS = [
    (lambda: Conv2D(0, 4, 3), r"^Conv2D: in_channels must be a positive integer, got 0$"),
    (lambda: Conv2D(3, -2, 3), r"^Conv2D: out_channels must be a positive integer, got -2$"),
    (lambda: Conv2D(3, 4, 0), r"^Conv2D: kernel_size must be a positive integer or a pair of them \(height, width\), "
                              r"got 0$"),
    (lambda: Conv2D(3, 4, (3, -1)), r"^Conv2D: kernel_size must be a positive integer or a pair of them"),
    (lambda: Conv2D(3, 4, (3, 3, 3)), r"^Conv2D: kernel_size must be .*, got \(3, 3, 3\)$"),
    (lambda: Conv2D(3, 4, 2.5), r"^Conv2D: kernel_size must be .*, got 2.5$"),
    (lambda: Conv2D(3, 4, 3, stride=0), r"^Conv2D: stride must be a positive integer or a pair of them"),
    (lambda: Conv2D(3, 4, 3, padding=-1), r"^Conv2D: padding must be an integer >= 0 or a pair of them"),
    (lambda: Conv2D(3.0, 4, 3), r"^Conv2D: in_channels must be a positive integer, got 3.0$"),
    (lambda: MaxPool2D(0), r"^MaxPool2D: kernel_size must be a positive integer or a pair of them"),
    (lambda: MaxPool2D(2, stride=-1), r"^MaxPool2D: stride must be a positive integer or a pair of them"),
    (lambda: AvgPool2D(True), r"^AvgPool2D: kernel_size must be a positive integer or a pair of them .*got True$"),
]


@pytest.mark.parametrize(("make", "message"), BAD_ARGUMENTS, ids=[m for _, m in BAD_ARGUMENTS])
def test_bad_layer_arguments_are_refused_naming_the_layer(make, message):
    with pytest.raises(ValueError, match=message):
        make()


BAD_INPUTS = [
    (Conv2D(3, 4, 3), (2, 3, 8), r"^Conv2D\(3 -> 4, 3x3\): expects a 4-d input \(batch, channels, height, width\), "
                                 r"got shape \(2, 3, 8\); images without a channel axis, \(batch, height, width\)\? "
                                 r"add it: X\[:, None\] .*one image of shape \(channels, height, width\)\? X\[None\]$"),
    (Conv2D(3, 4, 3), (2, 64), r"^Conv2D\(3 -> 4, 3x3\): expects a 4-d input .*, got shape \(2, 64\); flat rows\? "
                               r"reshape them to \(batch, channels, height, width\)$"),
    (Conv2D(3, 4, 3), (2, 1, 8, 8), r"^Conv2D\(3 -> 4, 3x3\): expects 3 input channels, got 1 \(input shape "
                                    r"\(2, 1, 8, 8\)\)$"),
    (Conv2D(1, 4, 5), (2, 1, 4, 6), r"^Conv2D\(1 -> 4, 5x5\): the 5x5 kernel is larger than the input's 4x6 images "
                                    r"\(input shape \(2, 1, 4, 6\)\)$"),
    (Conv2D(1, 4, 5, padding=(0, 1)), (2, 1, 4, 6), r"^Conv2D\(1 -> 4, 5x5, padding \(0, 1\)\): the 5x5 kernel is "
                                                    r"larger than the input's 4x6 images \(input shape \(2, 1, 4, 6\), "
                                                    r"4x8 after padding\)$"),
    (MaxPool2D(3), (1, 2, 2, 5), r"^MaxPool2D\(3x3\): the 3x3 kernel is larger than the input's 2x5 images"),
    (AvgPool2D(2), (4, 4), r"^AvgPool2D\(2x2\): expects a 4-d input .*got shape \(4, 4\)"),
    (Flatten(), (), r"^Flatten\(\): expects a batch axis first, got a 0-d input"),
]


@pytest.mark.parametrize(("layer", "shape", "message"), BAD_INPUTS, ids=[m for _, _, m in BAD_INPUTS])
def test_bad_inputs_are_refused_naming_the_layer_and_the_shapes(layer, shape, message):
    with pytest.raises(ValueError, match=message):
        layer(np.ones(shape))


def test_conv2d_function_checks_its_weight_and_bias():
    with pytest.raises(ValueError, match=r"conv2d: the weight must be 4-d .*got shape \(4, 3\)"):
        conv2d(np.ones((1, 3, 5, 5)), np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"conv2d: the bias must have shape \(4,\), one per output channel, got "
                                         r"\(3,\)"):
        conv2d(np.ones((1, 3, 5, 5)), np.ones((4, 3, 3, 3)), np.ones(3))


@pytest.mark.parametrize("layer", [Conv2D(2, 3, 3, padding=1), MaxPool2D(2), AvgPool2D(3, stride=1), Flatten()])
def test_float32_in_float32_out(layer):
    layer.astype(np.float32)
    x = Tensor(np.ones((2, 2, 6, 6), np.float32), requires_grad=True)
    out = layer(x)
    out.sum().backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in layer.parameters())
