"""One registration per op: every primitive is reachable, checked and documented.

The primitive table is the single source of an op; these tests fail when a new primitive has
no gradcheck case (first and second order: check_grads runs both) or no line in the README's
op list, so an op cannot be added half-way.
"""

import os
import re
import threading

import numpy as np

import autograd_lite as al
from autograd_lite import primitive
from autograd_lite.api import TABLE

from . import test_functional as functional_cases
from . import test_primitives as cases

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Recorder:
    """Stands in for al.compile's tracer: notes every primitive applied."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.thread = threading.get_ident()  # the tracer's protocol: whose trace, and whether backward runs
        self.in_backward = False

    def apply(self, prim, operands, params, out) -> None:
        self.names.add(prim.name)


def _run(fn, *shapes, recorder) -> None:
    rng = np.random.default_rng(0)
    inputs = [al.Tensor(rng.uniform(0.5, 2.0, s), requires_grad=True) for s in shapes]
    primitive.tracer.active = recorder
    try:
        fn(*inputs)
    finally:
        primitive.tracer.active = None


def primitives_with_gradient_checks() -> set[str]:
    """The primitives applied as forward operations by the cases test_primitives.py and
    test_functional.py check to first and second order."""
    rec = Recorder()
    for fn, *_ in cases.BINARY.values():
        _run(fn, (2, 3), (2, 3), recorder=rec)
    for fn, _ in cases.UNARY.values():
        _run(fn, (2, 3), recorder=rec)
    for fn, shape in (*cases.SHAPE_OPS.values(), *cases.EXTRA.values()):
        _run(fn, shape, recorder=rec)
    for shapes in cases.MATMUL_SHAPES:
        _run(lambda a, b: a @ b, *shapes, recorder=rec)
    for op in ("sum", "mean", "max", "min"):
        _run(lambda t, op=op: getattr(t, op)(axis=0), (2, 3), recorder=rec)
    _run(lambda a, b, c: al.affine(a, b, c), (2, 3), (3, 4), (4,), recorder=rec)
    _run(lambda a, b: al.concatenate([a, b]), (2, 3), (2, 3), recorder=rec)
    _run(lambda a, b: al.stack([a, b]), (2, 3), (2, 3), recorder=rec)
    _run(lambda a, b: al.maximum(a, b) + al.minimum(a, b), (3,), (3,), recorder=rec)
    _run(lambda a, b: al.where(np.array([True, False, True]), a, b), (3,), (3,), recorder=rec)
    for fn, _ in functional_cases.ACTIVATIONS.values():
        _run(fn, (2, 3), recorder=rec)
    for fn in (al.softmax, al.log_softmax, al.logsumexp, lambda t: al.mse(t, np.ones((2, 3))),
               lambda t: al.bce(t * 0.3, np.ones((2, 3))), lambda t: al.bce_with_logits(t, np.ones((2, 3))),
               lambda t: al.cross_entropy(t, np.array([0, 2]))):
        _run(fn, (2, 3), recorder=rec)
    return rec.names


# Checked otherwise, with the reason: finite differences cannot see through float32 rounding.
CHECKED_DIRECTLY = {"astype": "test_primitives.test_astype_converts_the_gradient_back_at_every_order"}


def test_every_differentiable_primitive_has_first_and_second_order_checks():
    differentiable = {name for name in TABLE if al.PRIMITIVES[name].differentiable}
    missing = differentiable - primitives_with_gradient_checks() - set(CHECKED_DIRECTLY)
    assert not missing, f"primitives with no gradcheck case in test_primitives.py: {sorted(missing)}"


def _readme_op_list() -> str:
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    match = re.search(r"<!-- ops -->(.*?)<!-- /ops -->", text, flags=re.S)
    assert match, "README.md has no op list between <!-- ops --> and <!-- /ops -->"
    return match.group(1)


def test_every_op_is_in_the_readmes_op_list():
    listed = set(re.findall(r"`([a-z_0-9]+)`", _readme_op_list()))
    documented_primitives = set(TABLE)
    composites = {name for name, e in al.OPS.items() if e.kind == "composite"}
    missing = (documented_primitives | composites) - listed
    assert not missing, f"ops missing from the README's op list: {sorted(missing)}"


def test_methods_and_functions_come_from_the_registrations():
    for name, entry in al.OPS.items():
        if entry.is_method:
            for method in (name, *entry.aliases):
                assert getattr(al.Tensor, method) is entry.method, method
        if entry.function:
            assert hasattr(al, entry.function), entry.function
