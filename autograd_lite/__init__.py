"""autograd_lite: a small, exact reverse-mode automatic differentiation engine on numpy.

>>> import autograd_lite as al
>>> x = al.Tensor(-4.0, requires_grad=True)
>>> y = (x * x + x).relu()
>>> y.backward()
>>> x.grad
Tensor(-7.)
"""

from .tensor import Tensor, as_tensor  # noqa: I001  (tensor first: it wires up the other modules)
from . import functional
from .engine import BackwardStep, backward, grad, trace_backward
from .functional import bce, bce_with_logits, cross_entropy, mse, one_hot
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .routines import (  # noqa: A004  (al.sum, al.abs, al.max... shadow builtins by design, as numpy's)
    abs,
    affine,
    broadcast_to,
    clip,
    concatenate,
    cos,
    exp,
    expand_dims,
    log,
    log1p,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    pow,
    relu,
    reshape,
    sigmoid,
    sin,
    softmax,
    softplus,
    sqrt,
    squeeze,
    stack,
    sum,
    tanh,
    threshold,
    transpose,
    where,
)
from .primitive import Node, Primitive, creation_number

tensor = Tensor

__version__ = "0.1.0"

__all__ = [
    "Tensor", "tensor", "as_tensor", "Node", "Primitive", "BackwardStep", "creation_number",
    "backward", "grad", "trace_backward", "gradcheck", "gradgradcheck", "GradcheckError",
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "functional", "relu", "sigmoid", "softplus", "softmax", "log_softmax", "logsumexp",
    "mse", "bce", "bce_with_logits", "cross_entropy", "one_hot",
    "abs", "affine", "clip", "concatenate", "cos", "exp", "expand_dims", "log", "log1p", "matmul",
    "maximum", "mean", "minimum", "pow", "reshape", "sin", "sqrt", "squeeze", "stack", "sum",
    "tanh", "threshold", "transpose", "where", "broadcast_to", "max", "min",
]
