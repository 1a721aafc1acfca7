"""pad: zeros around x; its VJP is the inner slice of the gradient, and the slice's VJP is pad again."""

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor

from .helpers import check_grads, leaf

CASES = [  # (shape, pad_width)
    ((3,), 2),
    ((3,), ((1, 0),)),
    ((2, 3), ((0, 0), (1, 2))),
    ((2, 3), (2, 1)),
    ((2, 1, 3, 4), ((0, 0), (0, 0), (1, 1), (2, 0))),
    ((1, 2, 2, 2), 1),
    ((2, 3), 0),
]


@pytest.mark.parametrize(("shape", "widths"), CASES, ids=str)
def test_pad_gradients_first_and_second_order(shape, widths, rng):
    x = leaf(shape, rng)
    check_grads(lambda t: al.pad(t, widths) ** 2, x)  # squared: a second derivative that is not 0


def test_pad_values_and_gradient():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = al.pad(x, ((1, 0), (0, 2)))
    np.testing.assert_array_equal(y.data, [[0, 0, 0, 0], [1, 2, 0, 0], [3, 4, 0, 0]])
    (y * np.arange(12.0).reshape(3, 4)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[4, 5], [8, 9]])  # the weights at x's places


def test_pad_keeps_float32():
    x = Tensor(np.ones((2, 2), np.float32), requires_grad=True)
    y = al.pad(x, 1)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


@pytest.mark.parametrize(("widths", "message"), [
    (-1, r"pad: widths must be >= 0, got -1"),
    (((1, 1), (1, 1), (1, 1)), r"pad: pad_width \(\(1, 1\), \(1, 1\), \(1, 1\)\) does not fit a tensor of shape "
                               r"\(2, 3\): give an int, one \(before, after\) pair, or 2 pairs"),
    (1.5, r"pad: pad_width must be integers, got 1.5"),
])
def test_bad_widths_are_refused(widths, message):
    with pytest.raises(ValueError, match=message):
        al.pad(np.ones((2, 3)), widths)


def test_pad_matches_pytorch(rng):
    torch = pytest.importorskip("torch")
    for shape, widths in CASES[2:5]:
        x0 = rng.standard_normal(shape)
        pairs = np.broadcast_to(np.asarray(widths), (len(shape), 2))
        torch_pad = tuple(int(v) for pair in pairs[::-1] for v in pair)  # last axis first, as F.pad wants
        w = rng.standard_normal(tuple(n + a + b for n, (a, b) in zip(shape, pairs)))
        x = Tensor(x0, requires_grad=True)
        (al.pad(x, widths) * w).sum().backward()
        xt = torch.tensor(x0, requires_grad=True)
        yt = torch.nn.functional.pad(xt, torch_pad)
        (yt * torch.tensor(w)).sum().backward()
        np.testing.assert_array_equal(al.pad(x0, widths), yt.detach().numpy())
        np.testing.assert_array_equal(x.grad.data, xt.grad.numpy())
