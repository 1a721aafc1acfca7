"""Convolution and pooling composed from the engine's primitives: im2col is one gather.

A convolution's output, for an input x of shape (N, C, H, W), a kernel W of shape
(F, C, kh, kw), strides (sh, sw) and a bias b:

    out[n, f, i, j] = b[f] + sum_{c, di, dj} W[f, c, di, dj] x[n, c, sh i + di, sw j + dj]

im2col gathers every window of x at once, with one indexing operation:

    patches = x[:, channels, rows, cols]             # (N, C, kh, kw, OH, OW)
    channels[c] = c,  rows[di, i] = di + sh i,  cols[dj, j] = dj + sw j

(integer arrays that broadcast to (C, kh, kw, OH, OW), built once per shape). numpy lays an
advanced index's result out with the sliced axis, the batch, last in memory: seen as
(C kh kw) x (OH OW N), ``patches`` is already a matrix, and one matmul with W reshaped to
(F, C kh kw) computes every output. (With ``x[:, :, rows, cols]`` the channels would sit
after the batch in memory, and the matrix would cost a transposing copy.)

No gradient formula is written here. Backward runs the VJPs of the same primitives: the matmul's
give dW and the patches' gradient, and the gather's, a scatter that adds the gradients of
overlapping windows where they came from, *is* col2im. Padding is the ``pad`` primitive
(its VJP is a slice). Pooling with stride equal to the kernel is a reshape and a max (or a
mean) over two axes; overlapping pooling, the same gather and a max. The engine's max splits
the gradient evenly between equal maxima of a window, where PyTorch gives all of it to one.

A convolution is 10 primitives whatever the size of its input: the graph of a CNN step
stays small enough to draw (one node per operation, not one per window).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

import autograd_lite as al
from autograd_lite import Tensor

from .module import as_input

Pair = tuple[int, int]


def pair(value: Any, what: str, owner: str, minimum: int = 1) -> Pair:
    """An int or a pair of ints (height, width), each at least ``minimum``, as a pair;
    anything else is refused with a message naming ``owner`` (a layer or a function)."""
    items = (value, value) if isinstance(value, (int, np.integer)) else value
    try:
        ok = len(items) == 2 and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= minimum
                                     for v in items)
    except TypeError:
        ok = False
    if not ok or isinstance(value, bool):
        kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{owner}: {what} must be {kind} or a pair of them (height, width), got {value!r}")
    return int(items[0]), int(items[1])


def output_size(size: int, kernel: int, stride: int) -> int:
    """Windows of ``kernel`` at steps of ``stride`` that fit in ``size`` (the rest is dropped, as PyTorch)."""
    return (size - kernel) // stride + 1


@functools.lru_cache(maxsize=128)
def window_indices(channels: int, height: int, width: int, kernel: Pair, stride: Pair) -> tuple[np.ndarray, ...]:
    """The index arrays of the window gather: (channels, rows, cols), read-only, broadcasting
    to (channels, kh, kw, OH, OW); built once per shape and kept (128 shapes at most)."""
    (kh, kw), (sh, sw) = kernel, stride
    oh, ow = output_size(height, kh, sh), output_size(width, kw, sw)
    index = (np.arange(channels).reshape(-1, 1, 1, 1, 1),
             np.arange(kh).reshape(1, -1, 1, 1, 1) + sh * np.arange(oh).reshape(1, 1, 1, -1, 1),
             np.arange(kw).reshape(1, 1, -1, 1, 1) + sw * np.arange(ow).reshape(1, 1, 1, 1, -1))
    for a in index:
        a.flags.writeable = False  # shared by every call with this shape
    return index


def check_images(owner: Any, shape: tuple[int, ...], kernel: Pair, padding: Pair = (0, 0),
                 channels: int | None = None) -> None:
    """Refuse, naming ``owner`` (a layer, or a function's name) and the shapes, an input that is
    not (N, C, H, W), has the wrong number of channels, or is smaller than the kernel (after
    padding)."""
    if len(shape) != 4:
        hint = ""
        if len(shape) == 3:
            hint = ("; images without a channel axis, (batch, height, width)? add it: X[:, None] (for summary(): "
                    "input_shape=(1, height, width)); one image of shape (channels, height, width)? X[None]")
        elif len(shape) == 2:
            hint = "; flat rows? reshape them to (batch, channels, height, width)"
        raise ValueError(f"{_name(owner)}: expects a 4-d input (batch, channels, height, width), got shape "
                         f"{shape}{hint}")
    if channels is not None and shape[1] != channels:
        raise ValueError(f"{_name(owner)}: expects {channels} input channel{'s' * (channels != 1)}, got {shape[1]} "
                         f"(input shape {shape})")
    (kh, kw), (ph, pw) = kernel, padding
    h, w = shape[2] + 2 * ph, shape[3] + 2 * pw
    if kh > h or kw > w:
        padded = f", {h}x{w} after padding" if ph or pw else ""
        raise ValueError(f"{_name(owner)}: the {kh}x{kw} kernel is larger than the input's {shape[2]}x{shape[3]} "
                         f"images (input shape {shape}{padded})")


def _name(owner: Any) -> str:
    return owner if isinstance(owner, str) else repr(owner)  # a layer's repr only when there is an error


def conv2d(x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0) -> Tensor:
    """2-d convolution (PyTorch's cross-correlation) of x (N, C, H, W) with weight (F, C, kh, kw).

    Returns (N, F, OH, OW), OH = (H + 2 ph - kh) // sh + 1 (and OW alike).

    >>> conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))).shape
    (1, 1, 2, 2)
    """
    x, weight = as_input(x), as_input(weight)
    if weight.ndim != 4:
        raise ValueError(f"conv2d: the weight must be 4-d (out_channels, in_channels, kh, kw), got shape "
                         f"{weight.shape}")
    f, c, kh, kw = weight.shape
    stride, padding = pair(stride, "stride", "conv2d"), pair(padding, "padding", "conv2d", minimum=0)
    check_images("conv2d", x.shape, (kh, kw), padding, channels=c)
    if bias is not None and np.shape(bias) != (f,):
        raise ValueError(f"conv2d: the bias must have shape ({f},), one per output channel, got {np.shape(bias)}")
    return convolve(x, weight, None if bias is None else as_input(bias), stride, padding)


def convolve(x: Tensor, weight: Tensor, bias: Tensor | None, stride: Pair, padding: Pair) -> Tensor:
    """:func:`conv2d` on arguments already checked (Tensors, pairs): what ``Conv2D`` runs."""
    f, c, kh, kw = weight.shape
    (ph, pw) = padding
    if ph or pw:
        x = al.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    n, _, h, w = x.shape
    channels, rows, cols = window_indices(c, h, w, (kh, kw), stride)
    oh, ow = rows.shape[3], cols.shape[4]
    patches = x[:, channels, rows, cols]  # (N, C, kh, kw, OH, OW), in memory (C, kh, kw, OH, OW, N)
    matrix = patches.transpose((1, 2, 3, 4, 5, 0)).reshape(c * kh * kw, oh * ow * n)  # a view
    out = weight.reshape(f, c * kh * kw) @ matrix  # (F, OH OW N)
    if bias is not None:
        out = out + bias.reshape(f, 1)
    return out.reshape(f, oh, ow, n).transpose((3, 0, 1, 2))


def pool(x: Tensor, kernel: Pair, stride: Pair, reduce: str) -> Tensor:
    """``reduce`` ("max" or "mean") over each window of x (N, C, H, W), arguments already
    checked: what the pooling layers run."""
    n, c, h, w = x.shape
    (kh, kw), (sh, sw) = kernel, stride
    oh, ow = output_size(h, kh, sh), output_size(w, kw, sw)
    if stride == kernel:  # windows side by side: a reshape puts each one on two axes of its own
        if (oh * kh, ow * kw) != (h, w):
            x = x[:, :, :oh * kh, :ow * kw]  # the rows and columns no window covers
        windows, axes = x.reshape(n, c, oh, kh, ow, kw), (3, 5)
    else:  # overlapping (or gapped) windows: the convolution's gather
        windows, axes = x[(slice(None), *window_indices(c, h, w, kernel, stride))], (2, 3)
    return getattr(windows, reduce)(axis=axes)


def _pool(name: str, reduce: str, x: Any, kernel_size: Any, stride: Any) -> Tensor:
    x = as_input(x)
    kernel = pair(kernel_size, "kernel_size", name)
    stride = kernel if stride is None else pair(stride, "stride", name)
    check_images(name, x.shape, kernel)
    return pool(x, kernel, stride, reduce)


def max_pool2d(x: Any, kernel_size: Any, stride: Any = None) -> Tensor:
    """The largest value of each kernel_size window, at steps of ``stride`` (default: the
    kernel, windows side by side). Ties share the gradient evenly (PyTorch gives it to one).

    >>> max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2).data[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    return _pool("max_pool2d", "max", x, kernel_size, stride)


def avg_pool2d(x: Any, kernel_size: Any, stride: Any = None) -> Tensor:
    """The mean of each kernel_size window, at steps of ``stride`` (default: the kernel)."""
    return _pool("avg_pool2d", "mean", x, kernel_size, stride)
