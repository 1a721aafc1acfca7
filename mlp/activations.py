"""Activation layers (the seed's nn/activations.py): each one composite of autograd_lite."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograd_lite import Tensor
from autograd_lite import functional as F

from .module import Module, as_input


class Activation(Module):
    """A layer applying ``fn`` elementwise; inputs may be Tensors, arrays or lists."""

    fn: Callable[[Tensor], Tensor]

    def forward(self, x: Any) -> Tensor:
        return type(self).fn(x if isinstance(x, Tensor) else as_input(x))

    def config(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sigmoid(Activation):
    """σ(x) = 1 / (1 + e^-x), elementwise; stable at any input."""

    fn = staticmethod(F.sigmoid)


class ReLU(Activation):
    """max(x, 0), elementwise (gradient 0 at 0)."""

    fn = staticmethod(F.relu)


class Tanh(Activation):
    """tanh x, elementwise."""

    fn = staticmethod(F.tanh)


class Softmax(Module):
    """e^x_i / sum_j e^x_j along ``axis`` (the last by default)."""

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = axis

    def forward(self, x: Any) -> Tensor:
        return F.softmax(x if isinstance(x, Tensor) else as_input(x), self.axis)

    def config(self) -> dict[str, Any]:
        return {"axis": self.axis}

    def __repr__(self) -> str:
        return f"Softmax(axis={self.axis})"
