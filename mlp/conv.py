"""Image layers: Conv2D, MaxPool2D, AvgPool2D and Flatten, on (batch, channels, height, width)
inputs as in PyTorch. Each one is a composition of the engine's primitives (``mlp.im2col``):
no gradient formula is written by hand.

>>> net = NeuralNetwork(CrossEntropy())
>>> for layer in (Conv2D(1, 8, 3, padding=1), ReLU(), MaxPool2D(2), Flatten(), Dense(8 * 4 * 4, 10)):
...     net.add(layer)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_lite import Tensor

from .im2col import check_images, convolve, pair, pool
from .module import Module, Parameter, as_input, he_normal, positive_int


def _size(p: tuple[int, int]) -> str:
    return f"{p[0]}x{p[1]}"


def _setting(p: tuple[int, int]) -> int | tuple[int, int]:
    """A pair as the constructor takes it: one int when both sides agree."""
    return p[0] if p[0] == p[1] else p


class Conv2D(Module):
    """2-d convolution: ``out[n, f] = b[f] + sum_c W[f, c] ⋆ x[n, c]`` (cross-correlation, as
    PyTorch's Conv2d), with kernels W of shape (out_channels, in_channels, kh, kw).

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size, stride, padding: an int or a (height, width) pair; padding adds zeros on
            both sides of each image.
        rng: a numpy Generator (or a seed) for the initial weights; numpy's global random state otherwise.

    W starts as ``randn(...) * sqrt(2 / fan_in)``, fan_in = in_channels * kh * kw (He
    initialisation, as ``Dense``), b as zeros. Input (N, C, H, W), output (N, F, OH, OW) with
    OH = (H + 2 padding - kh) // stride + 1.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 rng: np.random.Generator | int | None = None) -> None:
        super().__init__()
        self.in_channels = positive_int(in_channels, "in_channels", "Conv2D")
        self.out_channels = positive_int(out_channels, "out_channels", "Conv2D")
        self.kernel_size = pair(kernel_size, "kernel_size", "Conv2D")
        self.stride = pair(stride, "stride", "Conv2D")
        self.padding = pair(padding, "padding", "Conv2D", minimum=0)
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        self.weight = Parameter(he_normal(shape, fan_in, rng, "Conv2D"))
        self.bias = Parameter(np.zeros(self.out_channels))

    def forward(self, x: Any) -> Tensor:
        x = as_input(x)
        check_images(self, x.shape, self.kernel_size, self.padding, channels=self.in_channels)
        return convolve(x, self.weight, self.bias, self.stride, self.padding)

    def config(self) -> dict[str, Any]:
        return {"in_channels": self.in_channels, "out_channels": self.out_channels,
                "kernel_size": _setting(self.kernel_size), "stride": _setting(self.stride),
                "padding": _setting(self.padding)}

    def __repr__(self) -> str:
        extra = ""
        if self.stride != (1, 1):
            extra += f", stride {_setting(self.stride)}"
        if self.padding != (0, 0):
            extra += f", padding {_setting(self.padding)}"
        return f"Conv2D({self.in_channels} -> {self.out_channels}, {_size(self.kernel_size)}{extra})"


class _Pool(Module):
    """A window reduction over (N, C, H, W) inputs; stride None means the kernel (side by side)."""

    reduce: str

    def __init__(self, kernel_size: Any, stride: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = pair(kernel_size, "kernel_size", name)
        self.stride = self.kernel_size if stride is None else pair(stride, "stride", name)

    def forward(self, x: Any) -> Tensor:
        x = as_input(x)
        check_images(self, x.shape, self.kernel_size)
        return pool(x, self.kernel_size, self.stride, self.reduce)

    def config(self) -> dict[str, Any]:
        return {"kernel_size": _setting(self.kernel_size), "stride": _setting(self.stride)}

    def __repr__(self) -> str:
        stride = "" if self.stride == self.kernel_size else f", stride {_setting(self.stride)}"
        return f"{type(self).__name__}({_size(self.kernel_size)}{stride})"


class MaxPool2D(_Pool):
    """The largest value of each window (PyTorch's MaxPool2d without padding or dilation).

    Where a window holds equal maxima the gradient is split evenly between them; PyTorch
    gives it all to one. After a ReLU the ties are zeros, whose gradient the ReLU stops.
    """

    reduce = "max"


class AvgPool2D(_Pool):
    """The mean of each window (PyTorch's AvgPool2d without padding)."""

    reduce = "mean"


class Flatten(Module):
    """Every axis but the batch as one: (N, C, H, W) -> (N, C H W), in C order (as PyTorch)."""

    def forward(self, x: Any) -> Tensor:
        x = as_input(x)
        if x.ndim < 1:
            raise ValueError(f"Flatten(): expects a batch axis first, got a 0-d input (shape {x.shape})")
        return x.reshape(x.shape[0], -1)

    def config(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        return "Flatten()"
