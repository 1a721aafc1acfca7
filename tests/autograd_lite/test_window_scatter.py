"""The adjoint of a window gather (col2im): scatter_add's slice-by-slice path.

``x[:, channels, rows, cols]`` with a convolution's window indices is an advanced index whose
places repeat (overlapping windows); its VJP adds the repeated gradients. The slice-by-slice
path must give np.add.at's sums bit for bit (same terms, same order), recognise exactly the
indices it can serve, and leave every other index to np.add.at.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as al
from autograd_lite import Tensor, ops

from .helpers import check_grads


def windows(channels: int, height: int, width: int, kernel: tuple[int, int], stride: tuple[int, int]):
    """Index arrays of shape (channels, kh, kw, out_h, out_w), as a convolution builds them."""
    (kh, kw), (sh, sw) = kernel, stride
    oh, ow = (height - kh) // sh + 1, (width - kw) // sw + 1
    ch = np.arange(channels).reshape(-1, 1, 1, 1, 1)
    rows = np.arange(kh).reshape(1, -1, 1, 1, 1) + sh * np.arange(oh).reshape(1, 1, 1, -1, 1)
    cols = np.arange(kw).reshape(1, 1, -1, 1, 1) + sw * np.arange(ow).reshape(1, 1, 1, 1, -1)
    return ch, rows, cols


def reference(g: np.ndarray, index: tuple, shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(shape, dtype=g.dtype)
    np.add.at(out, index, g)
    return out


def wild(shape: tuple[int, ...], rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
    """Values of magnitudes from 1e-8 to 1e8: a different order of the additions changes the sums."""
    return (rng.standard_normal(shape) * 10.0 ** rng.integers(-8, 9, shape)).astype(dtype)


CONV_CASES = [  # (batch, channels, height, width, kernel, stride)
    (8, 1, 10, 10, (3, 3), (1, 1)),
    (8, 3, 9, 7, (3, 3), (2, 2)),
    (4, 2, 12, 11, (4, 2), (3, 1)),
    (6, 4, 8, 8, (2, 2), (2, 2)),  # non-overlapping: every place once
    (3, 2, 7, 9, (1, 3), (1, 2)),
    (16, 8, 6, 6, (5, 5), (1, 1)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_window_scatter_equals_add_at_bit_for_bit(case, dtype, rng):
    n, c, h, w, kernel, stride = case
    index = (slice(None), *windows(c, h, w, kernel, stride))
    g = wild((n, *np.broadcast_shapes(*(a.shape for a in index[1:]))), rng, dtype)
    assert ops._window_slices(index, (n, c, h, w), g.size) is not None  # the fast path serves it
    out = ops._scatter_add_forward(g, index, (n, c, h, w))
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, reference(g, index, (n, c, h, w)))


@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_window_scatter_lays_its_output_out_as_g_and_sums_the_same(case, rng):
    """A convolution's patch gradient lies batch last in memory; col2im's output follows it
    (numpy's += runs 3x faster when both sides walk memory alike), with the same sums."""
    n, c, h, w, kernel, stride = case
    index = (slice(None), *windows(c, h, w, kernel, stride))
    S = np.broadcast_shapes(*(a.shape for a in index[1:]))
    g = np.moveaxis(wild((*S, n), rng), -1, 0)  # (n, *S), batch fastest in memory
    out = ops._scatter_add_forward(g, index, (n, c, h, w))
    np.testing.assert_array_equal(out, reference(np.ascontiguousarray(g), index, (n, c, h, w)))
    assert out.strides[0] == out.itemsize  # the batch is the fastest axis, as in g
    assert not out.flags.c_contiguous or n == 1
    c_ordered = ops._scatter_add_forward(np.ascontiguousarray(g), index, (n, c, h, w))
    assert c_ordered.flags.c_contiguous  # a C-ordered g gets a C-ordered output


def test_window_scatter_takes_one_slice_per_kernel_offset():
    index = (slice(None), *windows(3, 10, 10, (3, 3), (1, 1)))
    parts, g_axes = ops._window_slices(index, (32, 3, 10, 10), 32 * 3 * 9 * 64)
    assert g_axes == [0, 1, 4, 5]  # the batch, then the channel, row and column window axes of g
    assert len(parts) == 9
    g_part, out_part = parts[5]  # kernel offset (1, 2)
    assert g_part == (slice(None), slice(None), 1, 2, slice(None), slice(None))
    assert out_part == (slice(None), slice(0, 3, 1), slice(1, 9, 1), slice(2, 10, 1))


def test_a_single_channel_is_indexed_by_an_integer():
    index = (slice(None), *windows(1, 6, 6, (2, 2), (2, 2)))
    parts, g_axes = ops._window_slices(index, (64, 1, 6, 6), 64 * 36)
    assert g_axes == [0, None, 4, 5]  # no axis of g walks along the one channel
    assert parts[0][1] == (slice(None), 0, slice(0, 6, 2), slice(0, 6, 2))


def test_trailing_axes_and_unsigned_indices(rng):
    ch, rows, cols = windows(2, 8, 8, (3, 3), (1, 1))
    index = (slice(None), ch.astype(np.uint16), rows.astype(np.uint8), cols.astype(np.uint32))
    shape = (5, 2, 8, 8, 3)  # an axis after the indexed ones stays a slice
    g = wild((5, 2, 3, 3, 6, 6, 3), rng)
    assert ops._window_slices(index, shape, g.size) is not None
    np.testing.assert_array_equal(ops._scatter_add_forward(g, index, shape), reference(g, index, shape))


NOT_WINDOWS = {  # name: (index, shape of x)
    "repeated indices": ((np.array([0, 0, 2, 0, 1, 1] * 20),), (3, 50)),
    "negative indices": ((slice(None), np.arange(-3, 3).reshape(-1, 1) + np.zeros((1, 40), int)), (6, 6)),
    "decreasing steps": ((slice(None), (5 - np.arange(6)).reshape(-1, 1) + np.zeros((1, 40), int)), (6, 6)),
    "a value repeated along a varying axis": ((slice(None), np.repeat(np.arange(3), 2).reshape(-1, 1)
                                          + np.zeros((1, 40), int)), (6, 6)),
    "two arrays on one window axis": ((slice(None), np.arange(6), np.arange(6)), (2, 6, 6)),
    "a slice that is not full": ((slice(1, None), *windows(1, 6, 6, (2, 2), (1, 1))[1:]), (3, 6, 6)),
    "a boolean mask": ((np.arange(6 * 6).reshape(6, 6) % 3 == 0,), (6, 6)),
    "window axes out of order": ((slice(None), np.arange(3).reshape(1, -1), np.arange(4).reshape(-1, 1)), (2, 3, 4)),
}


@pytest.mark.parametrize("name", NOT_WINDOWS)
def test_other_indices_are_left_to_add_at_and_still_right(name, rng):
    index, shape = NOT_WINDOWS[name]
    g = wild(np.zeros(shape)[index].shape, rng)
    assert ops._window_slices(index, shape, 10**9) is None
    np.testing.assert_array_equal(ops._scatter_add_forward(g, index, shape), reference(g, index, shape))


def test_few_elements_per_slice_are_left_to_add_at():
    index = (slice(None), *windows(1, 5, 5, (3, 3), (1, 1)))
    assert ops._window_slices(index, (2, 1, 5, 5), 2 * 9 * 9) is None  # 9 slices of 18 elements
    assert ops._window_slices(index, (64, 1, 5, 5), 64 * 9 * 9) is not None


@st.composite
def window_like_index(draw):
    """Slices then 1..3 integer arrays built as start(offset axes) + step * position(window axis),
    sometimes spoiled, so that both paths run."""
    lead = draw(st.integers(0, 2))
    m = draw(st.integers(1, 3))
    offset = [draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 2)))]
    extents = [draw(st.integers(1, 4)) for _ in range(m)]
    steps = [draw(st.integers(1, 3)) for _ in range(m)]
    S = (*offset, *extents)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    arrays, dims = [], []
    for k in range(m):
        start = rng.integers(0, 3, size=(*offset, *(1,) * m))
        position = np.arange(extents[k]).reshape((-1,) + (1,) * (m - 1 - k))
        a = start + steps[k] * position
        if draw(st.booleans()) and draw(st.booleans()):  # spoil it: any values, repeats likely
            a = rng.integers(0, 4, size=S)
        arrays.append(np.broadcast_to(a, S).copy())
        dims.append(int(arrays[-1].max()) + 1 + draw(st.integers(0, 2)))
    shape = (*(draw(st.integers(1, 3)) for _ in range(lead)), *dims, *(draw(st.integers(1, 2)) for _ in
                                                                        range(draw(st.integers(0, 1)))))
    return (*(slice(None),) * lead, *arrays), shape, rng


@settings(max_examples=60, deadline=None)
@given(window_like_index(), st.sampled_from([np.float64, np.float32]), st.sampled_from([0, 64]))
def test_any_window_like_index_scatters_as_add_at(case, dtype, min_part):
    index, shape, rng = case
    g = wild(np.zeros(shape)[index].shape, rng, dtype)
    saved = ops._MIN_WINDOW_PART
    ops._MIN_WINDOW_PART = min_part  # 0: the slice path whenever the index allows it
    try:
        out = ops._scatter_add_forward(g, index, shape)
    finally:
        ops._MIN_WINDOW_PART = saved
    np.testing.assert_array_equal(out, reference(g, index, shape))


GRAD_CASES = [((2, 1, 5, 5), (3, 3), (1, 1)), ((2, 2, 6, 5), (2, 3), (2, 1)), ((1, 3, 4, 4), (2, 2), (2, 2))]


@pytest.mark.parametrize(("shape", "kernel", "stride"), GRAD_CASES, ids=str)
def test_window_gather_gradients_first_and_second_order(shape, kernel, stride, rng, monkeypatch):
    monkeypatch.setattr(ops, "_MIN_WINDOW_PART", 0)  # small shapes: force the slice path
    index = windows(shape[1], shape[2], shape[3], kernel, stride)
    weights = rng.standard_normal(np.zeros(shape)[(slice(None), *index)].shape)
    x = Tensor(rng.standard_normal(shape), requires_grad=True)
    # squared, so that the second derivative is not zero: d2/dx2 sums over the repeated places
    check_grads(lambda t: ((t[(slice(None), *index)] * weights) ** 2).sum(), x)


def test_overlapping_windows_add_up_their_gradients():
    x = Tensor(np.zeros((1, 1, 3, 3)), requires_grad=True)
    x[(slice(None), *windows(1, 3, 3, (2, 2), (1, 1)))].sum().backward()
    np.testing.assert_array_equal(x.grad.data[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


def test_window_gather_matches_pytorch(rng):
    torch = pytest.importorskip("torch")
    for (n, c, h, w, kernel, stride), dtype in itertools.product(CONV_CASES[:3], (np.float64, np.float32)):
        index = windows(c, h, w, kernel, stride)
        x0 = rng.standard_normal((n, c, h, w)).astype(dtype)
        out_shape = x0[(slice(None), *index)].shape
        g0 = rng.standard_normal(out_shape).astype(dtype)
        x = Tensor(x0, requires_grad=True)
        (x[(slice(None), *index)] * g0).sum().backward()
        xt = torch.tensor(x0, requires_grad=True)
        tindex = (slice(None), *(torch.as_tensor(a) for a in index))
        (xt[tindex] * torch.tensor(g0)).sum().backward()
        assert x.grad.dtype == dtype
        tol = 1e-13 if dtype == np.float64 else 1e-5
        np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=tol, atol=tol)


def test_backward_through_a_window_gather_takes_the_slice_path(monkeypatch):
    served = []

    def spy(index, shape, size):
        parts = find(index, shape, size)
        served.append(parts is not None)
        return parts

    find = ops._window_slices
    monkeypatch.setattr(ops, "_window_slices", spy)
    index = (slice(None), *windows(2, 8, 8, (3, 3), (1, 1)))
    x = Tensor(np.ones((16, 2, 8, 8)), requires_grad=True)
    g, = al.grad(x[index].sum(), [x])
    assert served == [True]
    np.testing.assert_array_equal(g.data, reference(np.ones((16, 2, 3, 3, 6, 6)), index, x.shape))
