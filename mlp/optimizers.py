"""Optimizers: how a step moves the parameters, given the gradients backward() left in .grad.

Updates act on the parameters' numpy data directly: an update is not part of any graph.
Names, update rules and defaults follow PyTorch's (torch.optim.SGD / RMSprop / Adam), but for
one default: SGD's lr is 0.01, the seed's (the demos and the seed's API rely on it), where
PyTorch 2's is 0.001.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd_lite import Tensor

from .module import Parameter, checked_number


def parameter_list(params: Any, owner: str) -> list[Tensor]:
    """``params`` as a list of distinct leaf Tensors, or an error naming what is wrong.

    One Tensor is iterable (over its rows), so ``SGD(p)`` would hold the rows, copies that
    nothing reads, and train nothing; a parameter listed twice would be stepped twice (PyTorch
    warns that this will become an error); a computed Tensor is no weight to update.
    """
    if isinstance(params, (Tensor, np.ndarray)) or not isinstance(params, Iterable):
        raise TypeError(f"{owner}: params must be a list of Parameters, e.g. [p] or net.parameters(), got "
                        f"{type(params).__name__}" + (" (one tensor)" if isinstance(params, Tensor) else ""))
    params = list(params)
    if not params:
        raise ValueError(f"{owner}: got an empty parameter list")
    first: dict[int, int] = {}
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{owner}: params[{i}] ({type(p).__name__}) is not a Parameter (or Tensor); pass a list "
                            "of Parameters, e.g. net.parameters()")
        if not p.is_leaf:
            raise ValueError(f"{owner}: params[{i}] was computed by an operation, not a leaf Tensor: an optimizer "
                             "updates weights, Parameters, not results computed from them")
        j = first.setdefault(id(p), i)
        if j != i:
            raise ValueError(f"{owner}: params[{i}] is params[{j}] again; list each parameter once (it would be "
                             "stepped twice), e.g. net.parameters(), which lists a shared one once")
    return params


class Optimizer:
    """Base class: holds the parameters and the learning rate; ``step()`` updates, ``zero_grad()``
    forgets the gradients. Parameters without a gradient (unused in the last backward) are skipped."""

    def __init__(self, params: Iterable[Parameter], lr: float) -> None:
        self.params = parameter_list(params, type(self).__name__)
        self.lr = lr
        self.state: dict[int, dict[str, Any]] = {}  # per parameter, by id

    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = self._setting("lr", value, "a positive number")

    def _setting(self, what: str, value: Any, rule: str = "a number >= 0") -> float:
        """A hyperparameter checked as every optimizer checks them (``checked_number``), errors
        naming this optimizer, the setting and the value."""
        return checked_number(value, what, type(self).__name__, rule)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        for p in self.params:
            if p.grad is not None:
                self.update(p, p.grad.data, self.state.setdefault(id(p), {}))

    def update(self, p: Parameter, g: np.ndarray, state: dict[str, Any]) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr})"


class SGD(Optimizer):
    """p -= lr * g, with optional momentum (v = momentum v + g), Nesterov look-ahead
    (step along g + momentum v) and weight decay (g += weight_decay p).

    lr defaults to 0.01, the seed's; PyTorch 2's SGD defaults to 0.001."""

    def __init__(self, params: Iterable[Parameter], lr: float = 0.01, momentum: float = 0.0,
                 nesterov: bool = False, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = self._setting("momentum", momentum)
        self.weight_decay = self._setting("weight_decay", weight_decay)
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"SGD: nesterov must be True or False, got {nesterov!r}")
        if nesterov and self.momentum == 0:
            raise ValueError("SGD: nesterov=True needs a momentum > 0 (PyTorch's rule), e.g. momentum=0.9")
        self.nesterov = bool(nesterov)

    def step(self) -> None:
        if self.momentum or self.weight_decay:
            return super().step()
        lr = self.lr
        for p in self.params:  # plain SGD needs no state: the common case, kept short
            if p.grad is not None:
                p.data -= lr * p.grad.data

    def update(self, p: Parameter, g: np.ndarray, state: dict[str, Any]) -> None:
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        if self.momentum:
            v = state.get("velocity")
            v = g.copy() if v is None else self.momentum * v + g
            state["velocity"] = v
            g = g + self.momentum * v if self.nesterov else v
        p.data -= self.lr * g


class RMSProp(Optimizer):
    """s = alpha s + (1 - alpha) g^2;  p -= lr g / (sqrt(s) + eps).

    alpha > 1 is accepted, as PyTorch accepts it. eps must be positive (PyTorch also takes 0):
    with eps = 0 a weight whose gradient is 0 from the start becomes 0 / 0 = nan."""

    def __init__(self, params: Iterable[Parameter], lr: float = 0.01, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.alpha = self._setting("alpha", alpha)
        self.eps = self._setting("eps", eps, "a positive number")
        self.weight_decay = self._setting("weight_decay", weight_decay)

    def update(self, p: Parameter, g: np.ndarray, state: dict[str, Any]) -> None:
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        s = state.get("square_avg")
        s = (1 - self.alpha) * g * g if s is None else self.alpha * s + (1 - self.alpha) * g * g
        state["square_avg"] = s
        p.data -= self.lr * g / (np.sqrt(s) + self.eps)


class Adam(Optimizer):
    """m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  p -= lr m^ / (sqrt(v^) + eps),
    with the bias corrections m^ = m / (1 - b1^t) and v^ = v / (1 - b2^t).

    eps must be positive (PyTorch also takes 0): with eps = 0 a weight whose gradient is 0
    from the start becomes 0 / 0 = nan."""

    def __init__(self, params: Iterable[Parameter], lr: float = 0.001, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"Adam: betas must be a pair of numbers (beta1, beta2), e.g. (0.9, 0.999), got {betas!r}")
        self.betas = (self._setting("betas[0]", betas[0], "a number in [0, 1)"),
                      self._setting("betas[1]", betas[1], "a number in [0, 1)"))
        self.eps = self._setting("eps", eps, "a positive number")
        self.weight_decay = self._setting("weight_decay", weight_decay)

    def update(self, p: Parameter, g: np.ndarray, state: dict[str, Any]) -> None:
        b1, b2 = self.betas
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        m = state.get("m")
        v = state.get("v")
        m = (1 - b1) * g if m is None else b1 * m + (1 - b1) * g
        v = (1 - b2) * g * g if v is None else b2 * v + (1 - b2) * g * g
        state["m"], state["v"] = m, v
        t = state["t"] = state.get("t", 0) + 1  # this parameter's own step count, as PyTorch
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        p.data -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
