"""autograd_lite: a small, exact reverse-mode automatic differentiation engine on numpy.

>>> import autograd_lite as al
>>> x = al.Tensor(-4.0, requires_grad=True)
>>> y = (x * x + x).relu()
>>> y.backward()
>>> x.grad
Tensor(-7.)

The ``al.`` functions (``al.exp``, ``al.sum``, ``al.sigmoid``, ``al.cross_entropy``...) are built
from the registrations of the ops (see ``registry.py``): ``sorted(al.OPS)`` lists them.
"""

from . import functional
from .api import FUNCTIONS as _FUNCTIONS
from .compile import CompiledFunction, NotCompilable, compile
from .engine import BackwardStep, backward, backward_pass, grad, trace_backward
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .node import Node, creation_number
from .primitive import PRIMITIVES, Primitive
from .registry import ENTRIES as OPS
from .tensor import Tensor, as_tensor

globals().update(_FUNCTIONS)

tensor = Tensor

__version__ = "0.2.0"

__all__ = [
    "Tensor", "tensor", "as_tensor", "Node", "Primitive", "PRIMITIVES", "OPS", "BackwardStep", "creation_number",
    "backward", "backward_pass", "grad", "trace_backward", "gradcheck", "gradgradcheck", "GradcheckError",
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "functional",
    "compile", "CompiledFunction", "NotCompilable",
    *sorted(_FUNCTIONS),
]
