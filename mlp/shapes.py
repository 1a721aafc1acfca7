"""Shapes through a stack of layers: a forward run layer by layer, whose first refusal names
the layer, what it was given and the shape (as Keras's summary does, shapes come from running
the layers, not from knowing their types)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd_lite import Tensor

from .module import Module


def batch_shape(shape: Sequence[int]) -> str:
    """(32, 8, 4, 4) as "(batch, 8, 4, 4)"."""
    return "(" + ", ".join(["batch", *map(str, shape[1:])]) + ")"


def run_checked(layers: Sequence[Module], x: Tensor, caller: str, keep: bool = False) -> Any:
    """Run ``x`` through ``layers``; returns the output, or with ``keep=True`` the list of every
    layer's output.

    A layer that refuses its input (ValueError, TypeError, IndexError) is reported as
    ``"{caller}: layer 2 (Dense(4 -> 1)) cannot take the output of layer 1 (Sigmoid()): expects
    4 input features (the last axis), got 3 (input shape (4, 3))"`` (the shape added when the
    layer's message lacks it), with the same exception type.
    """
    outputs = []
    out = x
    for i, layer in enumerate(layers):
        try:
            result = layer(out)
        except (ValueError, TypeError, IndexError) as e:
            message = str(e)
            if message.startswith(f"{layer!r}: "):  # the layer named itself: once is enough
                message = message[len(repr(layer)) + 2:]
            source = "X" if i == 0 else f"the output of layer {i - 1} ({layers[i - 1]!r})"
            shape = str(tuple(out.shape))
            if shape not in message:
                source += f", shape {shape}"
            raise type(e)(f"{caller}: layer {i} ({layer!r}) cannot take {source}: {message}") from None
        if not isinstance(result, Tensor):
            raise TypeError(f"{caller}: layer {i} ({layer!r}) returned a {type(result).__name__}, not a Tensor; a "
                            "layer's forward must compute with autograd_lite operations")
        outputs.append(result)
        out = result
    return outputs if keep else out
