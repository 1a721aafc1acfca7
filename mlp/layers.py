"""Dense: the affine layer y = x W + b (the seed's nn/layers.py), with He initialisation."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_lite import Tensor, affine

from .module import Module, Parameter, as_input, he_normal, positive_int


class Dense(Module):
    """y = x @ W + b, with W of shape (input_size, output_size) and b of shape (output_size,).

    W starts as ``randn(input_size, output_size) * sqrt(2 / input_size)`` (He initialisation)
    and b as zeros, as in the seed. The normal draws come from numpy's global random state, so
    ``np.random.seed(0)`` makes a script reproducible, or from ``rng`` (a numpy Generator, or a seed).
    """

    def __init__(self, input_size: int, output_size: int, rng: np.random.Generator | int | None = None) -> None:
        super().__init__()
        self.input_size = positive_int(input_size, "input_size", "Dense")
        self.output_size = positive_int(output_size, "output_size", "Dense")
        self.weight = Parameter(he_normal((self.input_size, self.output_size), self.input_size, rng, "Dense"))
        self.bias = Parameter(np.zeros(self.output_size))

    @property
    def weights(self) -> Parameter:
        """The seed's name for ``weight``."""
        return self.weight

    def forward(self, x: Any) -> Tensor:
        if not isinstance(x, Tensor):
            x = as_input(x)
        shape = x.shape
        if not shape or shape[-1] != self.input_size:
            raise ValueError(f"{self!r}: expects {self.input_size} input features (the last axis), got "
                             f"{shape[-1] if shape else 'a 0-d input'} (input shape {shape})")
        return affine(x, self.weight, self.bias)  # x @ W + b, as one primitive

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.input_size,)

    def config(self) -> dict[str, Any]:
        return {"input_size": self.input_size, "output_size": self.output_size}

    def __repr__(self) -> str:
        return f"Dense({self.input_size} -> {self.output_size})"
