"""Gradients laid out in memory as the values they meet: the same numbers, fewer slow loops.

numpy runs elementwise work on operands that walk memory in different orders in tiny inner
loops (5x slower on a max-pool's windows). A convolution leaves its output batch last in
memory; the max VJP puts the incoming gradient in its input's order before spreading it, and
col2im's output takes the order of the patch gradients. These tests hold the numbers equal
to the C-ordered computation, bit for bit, and the orders as promised.
"""

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor
from mlp.im2col import conv2d, max_pool2d

from .helpers import check_grads


def batch_last(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Values of ``shape`` stored with the first axis fastest, as a convolution leaves them."""
    return np.moveaxis(rng.standard_normal((*shape[1:], shape[0])), -1, 0)


def with_ties(a: np.ndarray) -> np.ndarray:
    """a (6-d, batch first) with equal pairs along axes 1 and 3 in half the samples each, so
    that many windows and rows have a tied maximum or minimum, and the rest do not."""
    b = a.copy(order="K")  # keeps the batch-last order
    b[:3, :, :, 0] = b[:3, :, :, 1]
    b[3:, 0] = b[3:, 2]
    return b


@pytest.mark.parametrize("reduce", ["max", "min"])
@pytest.mark.parametrize("axes", [(3, 5), (1,), (0, 2), None])
def test_max_gradient_of_a_batch_last_input_equals_the_c_ordered_one(reduce, axes, rng):
    values = with_ties(batch_last((6, 3, 2, 2, 4, 2), rng))
    assert values.strides[0] == values.itemsize and 0.4 * values.size < len(np.unique(values)) < values.size
    g = rng.standard_normal(np.shape(getattr(np, reduce)(values, axis=axes)))
    grads = []
    for data in (values, np.ascontiguousarray(values)):
        x = Tensor(data, requires_grad=True)
        getattr(x, reduce)(axis=axes).backward(g)
        grads.append(x.grad.data)
    np.testing.assert_array_equal(grads[0], grads[1])
    if axes is not None:
        assert grads[0].strides[0] == grads[0].itemsize  # spread in the input's order: batch fastest


def test_max_pool_gradient_after_a_convolution_keeps_the_batch_last_order(rng):
    x = Tensor(rng.standard_normal((8, 2, 6, 6)))
    w = Tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    z = conv2d(x, w, padding=1)
    assert z.data.strides[0] == z.data.itemsize  # the convolution's output lies batch last
    z.retain_grad()
    out = max_pool2d(al.relu(z), 2)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    assert z.grad.data.strides[0] == z.grad.data.itemsize
    reference = Tensor(np.ascontiguousarray(z.data), requires_grad=True)
    max_pool2d(al.relu(reference), 2).backward(g)
    np.testing.assert_array_equal(z.grad.data, reference.grad.data)


def test_max_of_a_batch_last_input_first_and_second_order(rng):
    x = Tensor(batch_last((4, 3, 2, 2), rng), requires_grad=True)
    check_grads(lambda t: (t * t).max(axis=(1, 3)) ** 2, x)


def test_col2im_output_follows_the_patch_gradient_and_gives_the_input_gradient(rng):
    x = Tensor(rng.standard_normal((8, 3, 7, 7)), requires_grad=True)
    w = Tensor(rng.standard_normal((4, 3, 3, 3)))
    g = rng.standard_normal((8, 4, 7, 7))
    conv2d(x, w, padding=1).backward(g)
    assert x.grad.data.strides[0] == x.grad.data.itemsize  # batch last, as the patch gradient
    gw = np.einsum("nfij,fckl->ncklij", g, w.data)  # each window's gradient, col2im by hand below
    expected = np.zeros((8, 3, 9, 9))
    for a in range(3):
        for b in range(3):
            expected[:, :, a:a + 7, b:b + 7] += gw[:, :, a, b]
    np.testing.assert_allclose(x.grad.data, expected[:, :, 1:8, 1:8], rtol=1e-12, atol=1e-12)
