"""What NeuralNetwork.train checks before the first step: the data, the settings, the
optimizer, and the network and the loss run once over all of X without a graph.

Everything here raises (or warns) where the mistake shows, naming it and the fix; nothing
changes the network but its remembered input shape, once all checks pass.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_lite import Tensor, no_grad

from .activations import Softmax
from .loss import CrossEntropy, Loss
from .module import as_input, checked_number
from .optimizers import SGD, Optimizer
from .shapes import run_checked

if TYPE_CHECKING:
    from .network import NeuralNetwork

Callback = Callable[[int, float, "NeuralNetwork"], Any]

CHECK_ROWS = 4096  # rows per forward when train() checks the whole data set before the first step


def make_optimizer(net: NeuralNetwork, optimizer: Any, learning_rate: float | None) -> Optimizer:
    """The optimizer train() steps: ``optimizer`` (an instance, checked to hold the network's
    parameters) or a class (SGD by default) made over them with ``learning_rate``."""
    if learning_rate is not None:
        checked_number(learning_rate, "learning_rate", "train()", "a positive number")
    if isinstance(optimizer, Optimizer):
        _check_holds_our_parameters(net, optimizer)
        if learning_rate is not None:
            optimizer.lr = learning_rate
        return optimizer
    if learning_rate is None:
        raise ValueError("train(): give a learning_rate (or an optimizer instance)")
    cls = SGD if optimizer is None else optimizer
    if not (isinstance(cls, type) and issubclass(cls, Optimizer)):
        raise TypeError(f"train(): optimizer must be an Optimizer class or instance, got {optimizer!r}")
    return cls(net.parameters(), lr=learning_rate)

def _check_holds_our_parameters(net: NeuralNetwork, optimizer: Optimizer) -> None:
    """An optimizer made over another network's parameters would step those and leave this
    one untouched: refused. One that misses some of ours (made before the last add()?): warned."""
    theirs = {id(p) for p in optimizer.params}
    ours = list(net.named_parameters())
    missing = [name for name, p in ours if id(p) not in theirs]
    name = type(optimizer).__name__
    if ours and len(missing) == len(ours):
        raise ValueError(
            f"train(): the optimizer {optimizer!r} was built over other parameters, none of this network's, so "
            f"training would change nothing here; build it over this network's, {name}(net.parameters(), "
            f"lr=...), or pass the class and a learning rate, optimizer={name}, learning_rate=..."
        )
    if missing:
        warnings.warn(
            f"train(): the optimizer {optimizer!r} does not hold {', '.join(missing)}: these will not be trained "
            f"(if it was built before the last add(), build it again over net.parameters())",
            stacklevel=4,  # the caller of train()
        )

def check_data(net: NeuralNetwork, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """X and y as arrays, X (and float y) in the parameters' dtype, after checking that they are
    numbers, finite, and as many samples each, and that X has a samples axis and more."""
    net.loss_for("train()")
    if not net.layers:
        raise RuntimeError("the network has no layers: add() some first")
    Xa = np.asarray(X.data if isinstance(X, Tensor) else X)
    ya = np.asarray(y.data if isinstance(y, Tensor) else y)
    for name, a in (("X", Xa), ("y", ya)):
        if a.dtype.kind not in "fiub":
            raise TypeError(f"train(): {name} must hold numbers, got dtype {a.dtype}")
    if Xa.ndim < 2:
        raise ValueError(f"train(): X must have a samples axis and at least one more, shape (samples, features) "
                         f"or (samples, channels, height, width), got shape {Xa.shape}; one feature per "
                         "sample? reshape X to (samples, 1)")
    if len(Xa) == 0:
        raise ValueError("train(): X has no samples")
    if ya.ndim == 0:
        raise ValueError(f"train(): y must hold one target per sample, {len(Xa)} for X's {len(Xa)} samples "
                         f"(shape ({len(Xa)},) or ({len(Xa)}, ...)), got the single value {ya.item()!r} (shape ())")
    if len(ya) != len(Xa):
        raise ValueError(f"train(): X has {len(Xa)} samples but y has {len(ya)} (shapes {Xa.shape} and {ya.shape})")
    dtype = net.dtype
    Xa = Xa.astype(dtype, copy=False)
    if ya.dtype.kind not in "iu":
        ya = ya.astype(dtype, copy=False)
    for name, a in (("X", Xa), ("y", ya)):
        bad = ~np.isfinite(a) if a.dtype.kind == "f" else None
        if bad is not None and bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(f"train(): {name} contains {a[where]} at index {where}; clean the data first")
    return Xa, ya

def check_compatible(net: NeuralNetwork, X: np.ndarray, y: np.ndarray) -> None:
    """The forward and the loss over all of X, without a graph, before the first step: the
    first chunk layer by layer, so that a layer that cannot take what the one before gives is
    named with the shapes; then outputs the loss cannot learn from whatever the target (one
    output for CrossEntropy), and whatever the loss refuses (a target of the wrong shape, a
    class index out of range, a prediction outside [0, 1] for BCE) is refused with the
    data's shapes, not a batch's."""
    loss_fn = net.loss_for("train()")
    if isinstance(loss_fn, CrossEntropy) and isinstance(net.layers[-1], Softmax):
        warnings.warn(
            "train(): the last layer is a Softmax, and CrossEntropy applies softmax itself (it takes raw scores): "
            "softmax is applied twice, which squeezes the outputs and slows learning; remove the last Softmax "
            "(predict() then gives raw scores, and predict_proba() their softmax)",
            stacklevel=3,  # the caller of train()
        )
    with no_grad():
        first = run_checked(net.layers, as_input(X[:CHECK_ROWS]), "train()").data
        if isinstance(loss_fn, Loss):  # before the loss, whose refusal below would be taken for a shape mismatch
            loss_fn.check_output(first.shape, "train()")
        out = np.concatenate([first] + [net.forward(X[i:i + CHECK_ROWS]).data
                                        for i in range(CHECK_ROWS, len(X), CHECK_ROWS)])
        try:
            loss_fn(out, y)
        except (ValueError, TypeError) as e:
            if out.size == y.size and out.shape != y.shape:
                raise type(e)(
                    f"train(): {loss_fn!r} cannot compare the network's output for X, shape {out.shape}, with y, "
                    f"shape {y.shape}: reshape y to {out.shape}, e.g. y.reshape{out.shape}"
                ) from None
            raise type(e)(
                f"train(): {loss_fn!r} refused the network's output for X, shape {out.shape}, and y, shape "
                f"{y.shape}: {e}"
            ) from None
    net.input_shape = X.shape[1:]


def flag(value: Any, what: str) -> bool:
    """``value`` if it is True or False (a numpy bool too); else a TypeError naming ``what``:
    a string such as "no" is true, so it would silently mean yes."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"train(): {what} must be True or False, got {value!r}")
    return bool(value)


def callbacks_list(callbacks: Any) -> list[Callback]:
    """``callbacks`` (None, one function or several) as a list of functions, or a TypeError."""
    if callbacks is None:
        return []
    hooks = [callbacks] if callable(callbacks) else callbacks
    try:
        hooks = list(hooks)
    except TypeError:
        hooks = None
    if hooks is None or not all(callable(h) for h in hooks):
        raise TypeError(
            f"train(): callbacks must be a function f(epoch, loss, network) or a list of them, got {callbacks!r}"
        )
    return hooks
