"""Activation layers (the seed's nn/activations.py): each one composite of autograd_lite."""

from __future__ import annotations

from typing import Any

from autograd_lite import Tensor
from autograd_lite import functional as F

from .module import Module, as_input


class Sigmoid(Module):
    """σ(x) = 1 / (1 + e^-x), elementwise; stable at any input."""

    def forward(self, x: Any) -> Tensor:
        return F.sigmoid(as_input(x))

    def __repr__(self) -> str:
        return "Sigmoid()"


class ReLU(Module):
    """max(x, 0), elementwise (gradient 0 at 0)."""

    def forward(self, x: Any) -> Tensor:
        return F.relu(as_input(x))

    def __repr__(self) -> str:
        return "ReLU()"


class Tanh(Module):
    """tanh x, elementwise."""

    def forward(self, x: Any) -> Tensor:
        return as_input(x).tanh()

    def __repr__(self) -> str:
        return "Tanh()"


class Softmax(Module):
    """e^x_i / sum_j e^x_j along ``axis`` (the last by default)."""

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = axis

    def forward(self, x: Any) -> Tensor:
        return F.softmax(as_input(x), self.axis)

    def __repr__(self) -> str:
        return f"Softmax(axis={self.axis})"
