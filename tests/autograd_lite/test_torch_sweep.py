"""Every public op and composite against PyTorch 2.13 (issue 10): value, gradient, Hessian-vector
product in float64 to 1e-9 relative / 1e-10 absolute, and the dtype rules in float32.

The cases (our call, torch's, input domains, shapes) are in ``torch_cases.py``; the random
programs with reuse in ``torch_programs.py``. Each case runs on every one of its input shapes:

* value: ``ours(*x)`` against ``theirs(*x)``, same shape and dtype;
* grad: ``out.backward(V)`` (the gradient of ``(out * V).sum()``) for a random V, every input;
* hvp: ``g = grad(out, x, V, create_graph=True)``, then ``grad((g * U).sum(), x)``, both compared;
* float32: outputs and every kind of gradient (plain backward, ``create_graph``, ``retain_grad()``
  on an intermediate, ``al.grad``) are float32 for float32 inputs, the values close to torch's.

Every gradient must also have its tensor's shape and dtype. A disagreement found is recorded
on its case as a strict xfail ("issue 10: ..."); the corner points where PyTorch defines a
derivative are separate tests below. The bulk is marked slow (CI runs it); a plain run checks
the table's coverage, the corners, and one shape of a few representative cases.
"""

from __future__ import annotations

import functools
import os
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor
from autograd_lite import functional as F

torch = pytest.importorskip("torch")

from ..conftest import run_slow  # noqa: E402
from . import torch_cases as tc  # noqa: E402  (imports torch: after the skip)
from . import torch_programs as tp  # noqa: E402

RTOL, ATOL = 1e-9, 1e-10  # the bar, float64
F32_RTOL, F32_ATOL = 1e-4, 1e-5  # float32 against torch's float32


# ------------------------------------------------------------------------------ inputs


def _to_torch(consts: dict[str, Any]) -> dict[str, Any]:
    """The constants for torch's side: arrays as tensors (a copy), anything else as it is."""
    return {k: torch.from_numpy(np.array(v)) if isinstance(v, np.ndarray) else v for k, v in consts.items()}


@dataclass
class Draw:
    """One (case, shapes) draw: the inputs, the constants, the output cotangent V, the input directions U."""

    arrays: list[np.ndarray]
    consts: dict[str, Any]
    V: np.ndarray
    U: list[np.ndarray]

    def torch_consts(self) -> dict[str, Any]:
        return _to_torch(self.consts)


def draw(case: tc.Case, shapes: tuple, dtype: Any = np.float64) -> Draw:
    """Seeded by the case and shapes only: a failure reproduces alone (``-k``) and in the full run."""
    rng = np.random.default_rng(zlib.crc32(f"{case.name}|{shapes}".encode()))
    arrays = [np.asarray(d(rng, s), dtype=np.float64) for d, s in zip(case.domains, shapes)]
    consts = {k: np.asarray(v) if isinstance(v, np.generic) else v
              for k, v in (case.consts(rng, shapes) if case.consts else {}).items()}
    with torch.no_grad():  # torch's output shape, for V
        out = case.theirs(*map(torch.from_numpy, arrays), **_to_torch(consts))
    out_shape = tuple(out.shape)
    V = rng.standard_normal(out_shape)
    U = [rng.standard_normal(a.shape) for a in arrays]

    def cast(a: Any) -> Any:
        return a.astype(dtype) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a

    return Draw([cast(a) for a in arrays], {k: cast(v) for k, v in consts.items()}, cast(V), [cast(u) for u in U])


# ------------------------------------------------------------------------------ both sides


def _zeros_for_none(gs: Sequence[Any], arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
    out = []
    for g, a in zip(gs, arrays):
        if g is None:
            out.append(np.zeros_like(a))
        elif isinstance(g, Tensor):
            out.append(g.data)
        else:
            out.append(g.detach().numpy(force=True))  # force: torch answers some zeros with a ZeroTensor
    return out


def _check_like(gs: Sequence[Any], xs: Sequence[Tensor], what: str) -> None:
    """Every gradient has its tensor's shape and dtype."""
    for i, (g, x) in enumerate(zip(gs, xs)):
        if g is None:
            continue
        assert isinstance(g, Tensor), f"{what}[{i}] is a {type(g).__name__}"
        assert g.shape == x.shape, f"{what}[{i}]: shape {g.shape} for a tensor of shape {x.shape}"
        assert g.dtype == x.dtype, f"{what}[{i}]: dtype {g.dtype} for a tensor of dtype {x.dtype}"


def ours_forward(case: tc.Case, d: Draw) -> tuple[list[Tensor], Tensor]:
    xs = [Tensor(a, requires_grad=True) for a in d.arrays]
    return xs, case.ours(*xs, **d.consts)


def theirs_forward(case: tc.Case, d: Draw) -> tuple[list[Any], Any]:
    ts = [torch.tensor(a, requires_grad=True) for a in d.arrays]
    return ts, case.theirs(*ts, **d.torch_consts())


def ours_hvp(xs: list[Tensor], out: Tensor, V: np.ndarray, U: list[np.ndarray]) -> tuple[tuple, tuple]:
    """(first-order gradients under create_graph, Hessian-vector products); None where unused."""
    gs = al.grad(out, xs, grad_outputs=V, create_graph=True, allow_unused=True)
    terms = [(g * Tensor(u)).sum() for g, u in zip(gs, U) if g is not None and g.requires_grad]
    if not terms:  # the gradient is constant: the Hessian is 0
        return gs, (None,) * len(xs)
    return gs, al.grad(functools.reduce(lambda a, b: a + b, terms), xs, allow_unused=True)


def torch_backward(out: Any, V: np.ndarray) -> None:
    """torch's gradient of (out * V).sum(): the same as out.backward(V), which lazily imports
    about a second of torch modules on its first call."""
    (out * torch.from_numpy(V)).sum().backward()


def theirs_hvp(ts: list[Any], out: Any, V: np.ndarray, U: list[np.ndarray]) -> tuple[tuple, tuple]:
    gs = torch.autograd.grad((out * torch.from_numpy(V)).sum(), ts, create_graph=True, allow_unused=True)
    terms = [(g * torch.from_numpy(u)).sum() for g, u in zip(gs, U) if g is not None and g.requires_grad]
    if not terms:
        return gs, (None,) * len(ts)
    return gs, torch.autograd.grad(sum(terms), ts, allow_unused=True)


def assert_close(ours: Sequence[np.ndarray], theirs: Sequence[np.ndarray], what: str,
                 rtol: float = RTOL, atol: float = ATOL) -> None:
    for i, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, strict=True, err_msg=f"{what}[{i}]")


def assert_value(case: tc.Case, out: Tensor, ref: Any, what: str, rtol: float = RTOL, atol: float = ATOL) -> None:
    """The output against torch's: floats within the tolerances, bools and integers exactly
    (dtype included). An op without a derivative must not record one: every input requires grad."""
    assert isinstance(out, Tensor)
    expected = ref.detach().numpy()
    if expected.dtype.kind == "f":
        assert_close([out.data], [expected], what, rtol, atol)
    else:
        np.testing.assert_array_equal(out.data, expected, strict=True, err_msg=what)
    if not case.differentiable:
        assert not out.requires_grad and out.grad_fn is None, f"{case.name}: the result requires grad"


# ------------------------------------------------------------------------------ parametrization


def _sid(shapes: tuple) -> str:
    return "|".join(str(s).replace(" ", "") for s in shapes)


def _shapes_for(case: tc.Case, check: str) -> list[tuple]:
    """Every shape in float64; float32's dtype rules on the first, a middle and the last shapes.
    An op without a derivative has value checks only; a case that converts dtypes itself has no
    float32 checks (they expect float32 out for float32 in)."""
    if (not case.differentiable and check not in (tc.VALUE, tc.F32_VALUE)) or (not case.f32 and check in tc.F32):
        return []
    shapes = list(case.shapes)
    if check in tc.F32 and len(shapes) > 3:
        shapes = [shapes[0], shapes[len(shapes) // 2], shapes[-1]]
    return shapes


def params(check: str, slow: bool) -> list[Any]:
    """One pytest param per (case, shapes), a strict xfail where a disagreement is known.

    Without ``slow`` only the smoke cases' first shapes, and one skipped param that says how
    many more there are: collecting the ~13,000 slow params just to skip them would take
    longer than the default run is allowed to.
    """
    out, more = [], 0
    for case in tc.CASES:
        for i, shapes in enumerate(_shapes_for(case, check)):
            smoke = case.smoke and i == 0
            if not (smoke or slow):
                more += 1
                continue
            marks = [] if smoke else [pytest.mark.slow]
            reason = case.reason(check, shapes)
            if reason:
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            out.append(pytest.param(case, shapes, id=f"{case.name}-{_sid(shapes)}", marks=marks))
    if more:
        out.append(pytest.param(None, None, id="more", marks=pytest.mark.skip(
            reason=f"{more} more (case, shapes) of the sweep: run with --slow or AUTOGRAD_LITE_SLOW=1 (CI does)")))
    return out


PROGRAM_SEEDS = 300
# The default run's programs. Not seed 0: it differentiates abs twice, and torch's first
# double backward through abs (a ZeroTensor) imports torch._dynamo, 1-2 s; the slow run has it.
SMOKE_SEEDS = (1, 2, 3, 4)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize the sweep's tests (``@sweep(check)``) and the random programs, slow ones only
    when they will run."""
    slow = run_slow(metafunc.config)
    check = getattr(metafunc.function, "sweep_check", None)
    if check is not None:
        metafunc.parametrize(("case", "shapes"), params(check, slow))
    elif "seed" in metafunc.fixturenames:
        seeds = [pytest.param(s, marks=[] if s in SMOKE_SEEDS else [pytest.mark.slow])
                 for s in (range(PROGRAM_SEEDS) if slow else SMOKE_SEEDS)]
        if not slow:
            seeds.append(pytest.param(None, id="more", marks=pytest.mark.skip(
                reason=f"{PROGRAM_SEEDS - len(SMOKE_SEEDS)} more programs: run with --slow (CI does)")))
        metafunc.parametrize("seed", seeds)


def sweep(check: str) -> Callable[[Callable], Callable]:
    """Mark a test as one check of the sweep: pytest_generate_tests gives it every (case, shapes)."""
    def mark(fn: Callable) -> Callable:
        fn.sweep_check = check  # type: ignore[attr-defined]
        return fn
    return mark


# ------------------------------------------------------------------------------ float64 against torch


@sweep(tc.VALUE)
def test_value(case, shapes):
    d = draw(case, shapes)
    _, out = ours_forward(case, d)
    with torch.no_grad():
        _, ref = theirs_forward(case, d)
    assert_value(case, out, ref, "value")


@sweep(tc.GRAD)
def test_grad(case, shapes):
    d = draw(case, shapes)
    xs, out = ours_forward(case, d)
    out.backward(d.V)
    ts, ref = theirs_forward(case, d)
    torch_backward(ref, d.V)
    _check_like([x.grad for x in xs], xs, "grad")
    assert_close(_zeros_for_none([x.grad for x in xs], d.arrays), _zeros_for_none([t.grad for t in ts], d.arrays),
                 "grad")


@sweep(tc.HVP)
def test_hvp(case, shapes):
    d = draw(case, shapes)
    xs, out = ours_forward(case, d)
    gs, hs = ours_hvp(xs, out, d.V, d.U)
    ts, ref = theirs_forward(case, d)
    gt, ht = theirs_hvp(ts, ref, d.V, d.U)
    _check_like(gs, xs, "create_graph grad")
    _check_like(hs, xs, "hvp")
    assert_close(_zeros_for_none(gs, d.arrays), _zeros_for_none(gt, d.arrays), "create_graph grad")
    assert_close(_zeros_for_none(hs, d.arrays), _zeros_for_none(ht, d.arrays), "hvp")


# ------------------------------------------------------------------------------ float32: dtype preserved


def _assert_float32(ts: Sequence[Any], what: str) -> None:
    for i, t in enumerate(ts):
        if t is not None:
            assert t.dtype == np.float32, f"{what}[{i}] is {t.dtype}, not float32"


@sweep(tc.F32_VALUE)
def test_float32_value(case, shapes):
    d = draw(case, shapes, np.float32)
    _, out = ours_forward(case, d)
    with torch.no_grad():
        _, ref = theirs_forward(case, d)
    if case.differentiable:  # else a bool or integer result: its dtype is compared with torch's
        assert ref.dtype == torch.float32  # the case's torch side keeps float32 too
        _assert_float32([out], "output")
    assert_value(case, out, ref, "float32 value", F32_RTOL, F32_ATOL)


@sweep(tc.F32_BACKWARD)
def test_float32_backward(case, shapes):
    d = draw(case, shapes, np.float32)
    xs, out = ours_forward(case, d)
    out.backward(d.V)
    _check_like([x.grad for x in xs], xs, "grad")
    ts, ref = theirs_forward(case, d)
    torch_backward(ref, d.V)
    assert_close(_zeros_for_none([x.grad for x in xs], d.arrays), _zeros_for_none([t.grad for t in ts], d.arrays),
                 "float32 grad", F32_RTOL, F32_ATOL)


@sweep(tc.F32_CREATE_GRAPH)
def test_float32_create_graph(case, shapes):
    d = draw(case, shapes, np.float32)
    xs, out = ours_forward(case, d)
    out.backward(d.V, create_graph=True)
    _check_like([x.grad for x in xs], xs, "create_graph grad")
    terms = [(x.grad * Tensor(u)).sum() for x, u in zip(xs, d.U) if x.grad is not None and x.grad.requires_grad]
    if terms:
        hs = al.grad(functools.reduce(lambda a, b: a + b, terms), xs, allow_unused=True)
        _check_like(hs, xs, "hvp")


@sweep(tc.F32_RETAIN_GRAD)
def test_float32_retain_grad(case, shapes):
    d = draw(case, shapes, np.float32)
    leaves = [Tensor(a, requires_grad=True) for a in d.arrays]
    mids = [x * 1.0 for x in leaves]  # intermediates (float32 still) that keep their gradient
    for m in mids:
        m.retain_grad()
    out = case.ours(*mids, **d.consts)
    out.retain_grad()
    out.backward(d.V)
    _check_like([m.grad for m in mids], mids, "retained grad of an input")
    _check_like([out.grad], [out], "retained grad of the output")
    _check_like([x.grad for x in leaves], leaves, "leaf grad")


@sweep(tc.F32_GRAD)
def test_float32_al_grad(case, shapes):
    d = draw(case, shapes, np.float32)
    xs, out = ours_forward(case, d)
    _check_like(al.grad(out, xs, grad_outputs=d.V, retain_graph=True, allow_unused=True), xs, "al.grad")
    _check_like(al.grad(out, xs, grad_outputs=d.V, create_graph=True, allow_unused=True), xs,
                "al.grad(create_graph=True)")
    mids = [Tensor(a, requires_grad=True) * 1.0 for a in d.arrays]  # with respect to intermediate tensors
    out = case.ours(*mids, **d.consts)
    _check_like(al.grad(out, mids, grad_outputs=d.V, retain_graph=True, allow_unused=True), mids,
                "al.grad of intermediates")
    _check_like(al.grad(out, mids, grad_outputs=d.V, create_graph=True, allow_unused=True), mids,
                "al.grad(create_graph=True) of intermediates")


# ------------------------------------------------------------------------------ the table covers the API

# Public names that are not operations with a derivative, so have no sweep case:
EXCLUDED_API = {
    "Tensor", "tensor", "as_tensor",  # constructors: every case builds its inputs with them
    "Node", "Primitive", "BackwardStep", "GradcheckError",  # classes of the machinery
    "backward", "grad", "trace_backward",  # the backward passes every check drives
    "backward_pass",  # the bare loop under backward() and grad(): every gradient check here runs it
    "OPS", "PRIMITIVES",  # the registries: read by the coverage tests below, not operations
    "gradcheck", "gradgradcheck",  # finite-difference checkers (tests/autograd_lite/test_gradcheck.py)
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",  # grad-mode switches
    "creation_number",  # a counter for drawings
    "compile", "CompiledFunction", "NotCompilable",  # replays the ops checked here (test_compile.py)
    "functional",  # a module: its own __all__ is covered name by name (F.*)
}
# Tensor attributes that are not differentiable operations:
EXCLUDED_METHODS = {
    "data", "grad", "requires_grad", "shape", "ndim", "size", "dtype", "is_leaf", "grad_fn", "name",  # state
    "numel", "numpy", "item", "tolist",  # reads into numpy / Python
    "requires_grad_", "zero_grad", "retain_grad", "backward",  # graph bookkeeping (used by the checks)
    "version",  # the in-place change counter (tests/autograd_lite/test_inplace.py)
    "__init__", "__repr__", "__hash__", "__array__", "__float__", "__int__", "__bool__", "__len__",
    # protocols, no op (test_excluded_protocols below): an integer tensor read as a Python int;
    # copy.copy(t), refused (it names clone() and detach()); pickling (values, not the graph)
    "__index__", "__copy__", "__reduce__",
    # numpy's other functions on Tensors: values only, refused where a gradient would be lost
    # (test_excluded_protocols)
    "__array_function__",
    # constant results (no operand, no derivative to compare): test_fill_and_zero_* below
    "fill_", "zero_",
}


def _public_tensor_methods() -> list[str]:
    names = []
    for name, value in vars(Tensor).items():
        if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
            continue
        if not (callable(value) or isinstance(value, property)):
            continue
        names.append(name)
    # aliases assigned in the class body (clamp = clip) are in vars() too; inherited object dunders are not
    return [n for n in names if n not in EXCLUDED_METHODS]


def _recording(fn: Callable, name: str, called: set[str]) -> Callable:
    """``fn``, noting ``name`` when called straight from the case table (not from the library)."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if os.path.basename(sys._getframe(1).f_code.co_filename) == "torch_cases.py":
            called.add(name)
        return fn(*args, **kwargs)
    return wrapper


def test_every_public_op_has_a_sweep_case(monkeypatch):
    """Run each case's own side once, with every public op instrumented: an op no case calls
    (a new one in al.__all__, functional.__all__ or on Tensor) fails this test."""
    called: set[str] = set()
    required = []
    for name in al.__all__:
        if name not in EXCLUDED_API:
            required.append(f"al.{name}")
            monkeypatch.setattr(tc.al, name, _recording(getattr(al, name), f"al.{name}", called))
    for name in F.__all__:
        required.append(f"F.{name}")
        monkeypatch.setattr(tc.F, name, _recording(getattr(F, name), f"F.{name}", called))
    for name in _public_tensor_methods():
        required.append(f"Tensor.{name}")
        value = vars(Tensor)[name]
        if isinstance(value, property):
            monkeypatch.setattr(Tensor, name, property(_recording(value.fget, f"Tensor.{name}", called)))
        else:
            monkeypatch.setattr(Tensor, name, _recording(value, f"Tensor.{name}", called))
    for case in tc.CASES:
        d = draw(case, case.shapes[0])
        try:
            case.ours(*[Tensor(a, requires_grad=True) for a in d.arrays], **d.consts)
        except Exception:  # a known disagreement may raise (0-d mean over axis 0): the op was called
            pass
    missing = sorted(set(required) - called)
    assert not missing, f"no sweep case in torch_cases.py calls {missing}: add one (or an explained exclusion)"


def _recorded_primitives(tensors: Sequence[Any]) -> set[str]:
    """The names of the primitives in the graphs behind ``tensors`` (Node.parents, walked)."""
    names: set[str] = set()
    seen: set[int] = set()
    stack = [t.grad_fn for t in tensors if isinstance(t, Tensor) and t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        names.add(node.name)
        stack.extend(p for p in node.parents if isinstance(p, al.Node))
    return names


@functools.cache
def _primitives_by_case() -> dict[str, frozenset[str]]:
    """Per case, the primitives its own side records on its first shapes: in the forward graph,
    and in the graph of its create_graph gradient (where scatter_add, getitem's VJP, runs)."""
    by_case = {}
    for case in tc.CASES:
        d = draw(case, case.shapes[0])
        xs = [Tensor(a, requires_grad=True) for a in d.arrays]
        try:
            out = case.ours(*xs, **d.consts)
            names = _recorded_primitives([out])
            if case.differentiable:
                names |= _recorded_primitives(al.grad(out, xs, grad_outputs=d.V, create_graph=True,
                                                      allow_unused=True))
        except Exception:  # a known disagreement may raise: it exercises nothing then
            names = set()
        by_case[case.name] = frozenset(names)
    return by_case


ENGINE_DIR = os.path.dirname(os.path.abspath(al.__file__))


def _defined_by_a_test(prim: al.Primitive) -> bool:
    """True for a primitive whose VJPs are all Python functions written outside the engine: the
    deliberately wrong ones that tests define to exercise the machinery (test_gradcheck.py's
    wrong_sin) live in the same table, but are not the engine's rows."""
    vjps = prim.vjps if isinstance(prim.vjps, tuple) else (prim.vjps.vjp,)  # per_argument: one function
    files = [getattr(getattr(v, "__code__", None), "co_filename", None) for v in vjps if v is not None]
    return bool(files) and all(f is not None and os.path.dirname(os.path.abspath(f)) != ENGINE_DIR for f in files)


def untested_primitives(by_case: dict[str, frozenset[str]]) -> list[str]:
    """The engine's differentiable primitives (``al.PRIMITIVES``) that no case records."""
    exercised = frozenset().union(*by_case.values())
    return sorted(name for name, prim in al.PRIMITIVES.items()
                  if prim.differentiable and name not in exercised and not _defined_by_a_test(prim))


def test_every_differentiable_primitive_has_a_sweep_case():
    """A primitive (a new row of ops.py) that no case records, forward or in its gradient, fails
    this test: its VJP would otherwise never be compared with PyTorch's."""
    missing = untested_primitives(_primitives_by_case())
    assert not missing, f"no sweep case in torch_cases.py records the primitives {missing}: add one"


def test_primitive_coverage_reports_a_new_primitive():
    """The check above reads the table live: a differentiable primitive defined after the cases
    ran, with its VJP written in the engine (here neg's, from ops.py) as a new row's would be, is
    reported; one without a derivative is not, nor one whose VJP a test wrote."""
    engine_vjp = al.PRIMITIVES["neg"].vjps[0]
    probes = [al.Primitive("sweep_probe", np.negative, (engine_vjp,), 1, saves="none"),
              al.Primitive("sweep_probe_mask", np.signbit, (), 1),
              al.Primitive("sweep_probe_of_a_test", np.negative, (lambda g, ans, xs: -g,), 1, saves="none")]
    try:
        missing = untested_primitives(_primitives_by_case())
    finally:
        for probe in probes:
            del al.PRIMITIVES[probe.name]
    assert "sweep_probe" in missing
    assert "sweep_probe_mask" not in missing and "sweep_probe_of_a_test" not in missing


# ------------------------------------------------------------------------------ random programs with reuse


def test_random_program(seed):
    """Values, gradients (plain and create_graph) and a Hessian-vector product of a random DAG."""
    program = tp.generate(seed)
    xs = [Tensor(a, requires_grad=True) for a in program.inputs]
    loss, values = tp.run(program, tp.AL, xs, Tensor)
    ts = [torch.tensor(a, requires_grad=True) for a in program.inputs]
    ref, ref_values = tp.run(program, tp.TORCH, ts, torch.from_numpy)
    steps = [f"v{len(program.inputs) + i} = {name}{operands}" for i, (name, operands) in enumerate(program.steps)]
    where = f"program {seed}: " + "; ".join(steps)
    assert_close([v.data for v in values], [v.detach().numpy() for v in ref_values], f"{where}\nvalue")
    loss.backward(retain_graph=True)
    ref.backward(retain_graph=True)
    one = np.array(1.0)
    gs, hs = ours_hvp(xs, loss, one, program.directions)
    gt, ht = theirs_hvp(ts, ref, one, program.directions)
    _check_like([x.grad for x in xs], xs, "grad")
    _check_like(gs, xs, "create_graph grad")
    _check_like(hs, xs, "hvp")
    arrays = program.inputs
    expected = _zeros_for_none(gt, arrays)
    assert_close(_zeros_for_none([x.grad for x in xs], arrays), expected, f"{where}\ngrad")
    assert_close(_zeros_for_none(gs, arrays), expected, f"{where}\ncreate_graph grad")
    assert_close(_zeros_for_none(hs, arrays), _zeros_for_none(ht, arrays), f"{where}\nhvp")


# ------------------------------------------------------------------------------ corner points
# Where PyTorch defines a derivative at a kink, a pole or a special value, each its own test.


def _nested(fn: Callable, arrays: Sequence[np.ndarray], order: int, ours: bool) -> list[list[np.ndarray]]:
    """[value], then the gradient of sum(previous) for orders 1..order (nested create_graph)."""
    if ours:
        xs = [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
        grad = functools.partial(al.grad, create_graph=True, allow_unused=True)
        data = lambda t: t.data  # noqa: E731
    else:
        xs = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
        grad = functools.partial(torch.autograd.grad, create_graph=True, allow_unused=True)
        data = lambda t: t.detach().numpy(force=True)  # noqa: E731
    out = fn(*xs)
    results = [[data(out)]]
    current = out.sum()
    for _ in range(order):
        gs = grad(current, xs) if current.requires_grad else (None,) * len(xs)
        results.append([np.zeros(np.shape(a)) if g is None else data(g) for g, a in zip(gs, arrays)])
        terms = [g.sum() for g in gs if g is not None and g.requires_grad]
        current = functools.reduce(lambda a, b: a + b, terms) if terms else out.sum().detach()
    return results


def compare_derivatives(ours: Callable, theirs: Callable, *arrays: Any, order: int = 2, only: bool = False) -> None:
    """Value and derivatives 1..order of ours against theirs (nan where torch has nan); with
    ``only``, the derivative of that one order."""
    with np.errstate(divide="ignore", invalid="ignore"):  # these points are singular on purpose
        got, expected = _nested(ours, arrays, order, True), _nested(theirs, arrays, order, False)
    for k, (a, b) in enumerate(zip(got, expected)):
        if only and k != order:
            continue
        what = "value" if k == 0 else f"derivative of order {k}"
        assert_close(a, b, what)


def xfail(reason: str) -> Any:
    return pytest.mark.xfail(strict=True, reason="issue 10: " + reason)


def test_pow_zero_exponent_at_zero():
    compare_derivatives(lambda x: x ** 0, lambda x: x ** 0, [0.0, 1.5, -2.0])


def test_pow_array_exponent_holding_zero_at_zero():
    """Where P holds 0, x ** P is the constant 1: every derivative is exactly 0, at x = 0 too
    (ops.py's rule for the exponent 0, at every order). Value and first derivative agree with
    torch. Its second derivative there is nan, an artifact of its formula: it masks p x^(p-1)
    with a where, whose zero gradient then meets (p-1) x^(p-2) = inf at x = 0: 0 * inf. Ours is
    pinned to 0, and torch's nan to that one place."""
    p = np.array([0.0, 2.0, 0.0, 1.0])
    x = [0.0, 0.0, 1.3, 0.0]
    compare_derivatives(lambda x: al.pow(x, p), lambda x: torch.pow(x, torch.from_numpy(p)), x, order=1)
    second = _nested(lambda x: al.pow(x, p), [x], 2, ours=True)[2][0]
    theirs = _nested(lambda x: torch.pow(x, torch.from_numpy(p)), [x], 2, ours=False)[2][0]
    np.testing.assert_array_equal(second, [0.0, 2.0, 0.0, 0.0])
    assert np.isnan(theirs[0]) and np.array_equal(theirs[1:], second[1:])  # torch: nan at (0, P = 0) only


def test_pow_one_second_derivative_at_zero():
    compare_derivatives(lambda x: x ** 1, lambda x: x ** 1, [0.0, 2.0], order=2)


def test_pow_one_first_derivative_at_zero():
    compare_derivatives(lambda x: x ** 1, lambda x: x ** 1, [0.0, 2.0], order=1)


@pytest.mark.parametrize("p", [2, 3, 0.5, 1.5, -1, 2.5])
def test_pow_number_exponents_at_zero(p):
    compare_derivatives(lambda x: x ** p, lambda x: x ** p, [0.0, 1.0], order=3)


@pytest.mark.parametrize("p", [2, 3, -1, pytest.param(0.5, marks=xfail(
    "x ** 0.5 at x = -0.0: derivative +inf (numpy's (-0.0) ** -0.5 = +inf), torch -inf (minor: signed zero)"))])
def test_pow_number_exponents_at_minus_zero(p):
    compare_derivatives(lambda x: x ** p, lambda x: x ** p, [-0.0], order=1)


@pytest.mark.parametrize("order", [
    1,
    2,
    3,
    4,
])
def test_softplus_derivatives_at_zero(order):
    compare_derivatives(al.softplus, torch.nn.functional.softplus, [0.0, -0.0, 1.0], order=order, only=True)


@pytest.mark.parametrize("order", [
    1,
    2,
    3,
    4,
])
def test_bce_with_logits_derivatives_at_zero(order):
    t = np.array([0.3, 1.0, 0.0])
    compare_derivatives(lambda x: al.bce_with_logits(x, t, reduction="none"),
                        lambda x: torch.nn.functional.binary_cross_entropy_with_logits(
                            x, torch.from_numpy(t), reduction="none"),
                        [0.0, 0.0, -0.0], order=order, only=True)


def test_sigmoid_derivatives_at_zero():
    compare_derivatives(al.sigmoid, torch.sigmoid, [0.0, -0.0], order=4)


def test_relu_at_zero():
    compare_derivatives(al.relu, torch.relu, [0.0, -0.0, 1.0], order=2)


def test_relu_at_nan():
    compare_derivatives(al.relu, torch.relu, [np.nan, 1.0], order=1)


@pytest.mark.parametrize(("t", "v"), [
    (0.0, 0.0), (0.5, 0.5), (0.1, -1.0),
])
def test_threshold_at_the_threshold(t, v):
    compare_derivatives(lambda x: al.threshold(x, t, v), lambda x: torch.nn.functional.threshold(x, t, v),
                        [t, -t, 1.0], order=2)


@pytest.mark.parametrize(("t", "v"), [
    (0.0, 0.0),
    (0.5, 0.5),
    (0.1, -1.0),
])
def test_threshold_at_nan(t, v):
    compare_derivatives(lambda x: al.threshold(x, t, v), lambda x: torch.nn.functional.threshold(x, t, v),
                        [np.nan, 1.0], order=1)


def test_maximum_minimum_at_a_tie_with_zero():
    for ours, theirs in [(al.maximum, torch.maximum), (al.minimum, torch.minimum)]:
        compare_derivatives(lambda x, ours=ours: ours(x, 0.0),
                            lambda x, theirs=theirs: theirs(x, torch.zeros((), dtype=x.dtype)), [0.0, -0.0, 1.0])


@pytest.mark.parametrize("fn", ["maximum", "minimum"])
def test_maximum_minimum_at_nan_differ_from_torch_as_documented(fn):
    """Our rule (ops.py): the gradient goes to the input the output came from, a nan input
    included; torch gives it to both operands. Values agree; the gradients are pinned here."""
    x, y = Tensor([np.nan, 0.0, 1.0], requires_grad=True), Tensor([0.0, np.nan, 0.5], requires_grad=True)
    out = getattr(al, fn)(x, y)
    expected = getattr(torch, fn)(torch.tensor(x.data), torch.tensor(y.data)).numpy()
    np.testing.assert_array_equal(out.data, expected)
    out.sum().backward()
    wins_x = 1.0 if fn == "maximum" else 0.0
    assert x.grad.tolist() == [1.0, 0.0, wins_x] and y.grad.tolist() == [0.0, 1.0, 1.0 - wins_x]


def test_abs_at_zero():
    compare_derivatives(al.abs, torch.abs, [0.0, -0.0, 2.0], order=2)


def test_abs_at_nan_differs_from_torch_as_documented():
    """abs(nan)'s gradient is sign(nan) = nan here (nan in, nan out); torch gives 0."""
    x = Tensor([np.nan, 2.0], requires_grad=True)
    x.abs().sum().backward()
    assert np.isnan(x.grad.data[0]) and x.grad.data[1] == 1.0


def test_clip_at_its_bounds():
    compare_derivatives(lambda x: al.clip(x, -0.5, 0.5), lambda x: x.clamp(-0.5, 0.5), [-0.5, 0.5, 0.0, 2.0])
    compare_derivatives(lambda x: al.clip(x, min=-0.5), lambda x: x.clamp(min=-0.5), [-0.5, 0.5])
    compare_derivatives(lambda x: al.clip(x, max=0.5), lambda x: x.clamp(max=0.5), [-0.5, 0.5])


def test_clip_at_nan_differs_from_torch_as_documented():
    """clip(nan) is nan, from x, so x gets the gradient (the nan rule, as relu); torch's clamp
    gives 0 there (its relu gives 1). The values agree."""
    for bounds in [(-0.5, 0.5), (0.0, None), (None, 0.0)]:
        x = Tensor([np.nan, 0.25], requires_grad=True)
        y = al.clip(x, *bounds)
        assert np.isnan(y.data[0])
        y.sum().backward()
        assert x.grad.tolist() == [1.0, 0.0 if bounds == (None, 0.0) else 1.0]


@pytest.mark.parametrize("fn", ["softmax", "log_softmax", "logsumexp"])
def test_softmax_family_with_minus_infinity(fn):
    """Masked scores (-inf), in a row that has finite ones and in a row that has none."""
    x = np.array([[0.5, -np.inf, 1.0], [-np.inf, -np.inf, -np.inf]])
    theirs = {"softmax": torch.softmax, "log_softmax": torch.log_softmax, "logsumexp": torch.logsumexp}[fn]
    compare_derivatives(lambda t: getattr(al, fn)(t, -1), lambda t: theirs(t, -1), x, order=1)


def test_sqrt_and_log_at_zero():
    compare_derivatives(al.sqrt, torch.sqrt, [0.0, -0.0, 1.0])
    compare_derivatives(al.log, torch.log, [0.0, 1.0])


@pytest.mark.parametrize("axis", [0, -1, (0,)])
@pytest.mark.parametrize("op", ["sum", "mean", "max", "min"])
def test_reduction_of_a_scalar_over_axis_zero(op, axis):
    theirs = {"sum": torch.sum, "mean": torch.mean, "max": torch.amax, "min": torch.amin}[op]
    compare_derivatives(lambda x: getattr(al, op)(x, axis), lambda x: theirs(x, axis), 0.7)


def test_logsumexp_over_an_empty_axis():
    compare_derivatives(lambda x: al.logsumexp(x, 1), lambda x: torch.logsumexp(x, 1), np.zeros((2, 0)), order=1)


TIES = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0], [-1.0, -1.0, -1.0]])


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_split_ties_as_torch_amax_amin(op, axis, keepdims):
    theirs = {"max": torch.amax, "min": torch.amin}[op]
    dims = (0, 1) if axis is None else axis
    compare_derivatives(lambda x: getattr(al, op)(x, axis, keepdims), lambda x: theirs(x, dims, keepdims), TIES)


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_minimum_split_ties_as_torch(op):
    y = np.array([1.0, 2.0, -1.0])  # broadcast against the rows of TIES: ties in every row
    compare_derivatives(getattr(al, op), getattr(torch, op), TIES, y)
    compare_derivatives(getattr(al, op), getattr(torch, op), y, y.copy())
    compare_derivatives(lambda x: getattr(al, op)(x, x), lambda x: getattr(torch, op)(x, x), y)  # x against itself


def test_pow_gradient_to_the_exponent_at_a_negative_base():
    compare_derivatives(lambda x, y: x ** y, lambda x, y: x ** y, [-2.0, 0.0, 2.0], [2.0, 2.0, 2.0], order=1)


def test_pow_gradient_to_the_exponent_at_a_zero_base():
    compare_derivatives(lambda x, y: x ** y, lambda x, y: x ** y, [0.0, 0.0, 2.0], [2.0, 0.5, 0.0], order=1)


def test_backward_gives_each_leaf_its_own_gradient():
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    assert a.grad is not b.grad and not np.shares_memory(a.grad.data, b.grad.data)


def test_create_graph_gives_each_leaf_its_own_gradient():
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward(create_graph=True)
    assert a.grad is not b.grad


def test_float32_leaf_in_a_float64_expression():
    """torch promotes float32 * float64 to float64 but gives the float32 leaf a float32 gradient."""
    x, y = Tensor(np.ones(3, np.float32), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
    (x * y).sum().backward()
    assert (x.grad.dtype, y.grad.dtype) == (np.float32, np.float64)


def test_float32_leaf_in_a_float64_expression_create_graph():
    x, y = Tensor(np.ones(3, np.float32), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
    (x * y).sum().backward(create_graph=True)
    assert (x.grad.dtype, y.grad.dtype) == (np.float32, np.float64)


# ------------------------------------------------------------------------------ what has no sweep case


@pytest.mark.parametrize("pad", tc._PADS, ids=[p[0] for p in tc._PADS])
def test_pad_cases_translate_numpy_widths_for_torch(pad):
    """The sweep's F.pad arguments, written by hand from numpy's widths, pad as np.pad does."""
    _, width, torch_pad, shapes = pad
    for shape in shapes:
        x = np.arange(float(np.prod(shape))).reshape(shape) + 1.0
        np.testing.assert_array_equal(torch.nn.functional.pad(torch.from_numpy(x), torch_pad(x)).numpy(),
                                      np.pad(x, width), strict=True)


def test_sign_at_nan_differs_from_torch_as_documented():
    """sign is numpy's: nan for nan (ops.py: nan in, nan out); torch.sign(nan) is 0. Elsewhere,
    signed zeros and infinities included, the sweep compares them (al.sign, x.sign())."""
    x = np.array([np.nan, -np.inf, -0.0, 0.0, 3.0])
    ours, theirs = al.sign(x).data, torch.sign(torch.from_numpy(x)).numpy()
    assert np.isnan(ours[0]) and theirs[0] == 0.0
    np.testing.assert_array_equal(ours[1:], theirs[1:])


@pytest.mark.parametrize("method", ["fill_", "zero_"])
def test_fill_and_zero_values(method):
    """fill_ and zero_ have constant results, so no sweep case: their values against torch's, on a
    tensor that does not require grad and on a non-leaf, and no gradient through them."""
    args = (2.5,) if method == "fill_" else ()
    x = np.arange(6.0).reshape(2, 3)
    ours = [Tensor(x), Tensor(x, requires_grad=True) * 1.0]
    theirs = [torch.tensor(x), torch.tensor(x, requires_grad=True) * 1.0]
    for o, t in zip(ours, theirs):
        assert getattr(o, method)(*args) is o
        getattr(t, method)(*args)
        np.testing.assert_array_equal(o.data, t.detach().numpy(), strict=True)
    w = Tensor(x, requires_grad=True)
    h = w * 3.0
    getattr(h, method)(*args)
    (h * Tensor(x)).sum().backward()
    assert w.grad is None or not w.grad.data.any()  # torch: zeros


def _constant_change(h: Any, how: str) -> None:
    {"fill_": lambda: h.fill_(2.5), "zero_": h.zero_, "copy_": lambda: h.copy_(np.full(h.shape, 2.5))}[how]()


@pytest.mark.parametrize("how", ["fill_", "zero_", "copy_"])
def test_constant_in_place_change_keeps_a_non_leaf(how):
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 2.0
    _constant_change(h, how)
    h += x  # torch: fine
    h.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0] and not h.is_leaf
    with pytest.warns(UserWarning, match="non-leaf"):  # as torch
        assert h.grad is None


@pytest.mark.parametrize("how", ["fill_", "zero_", "copy_"])
def test_constant_in_place_change_torch_reference(how):
    """What the xfail above expects, from torch itself (so that the expectation is not invented)."""
    x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    h = x * 2.0
    {"fill_": lambda: h.fill_(2.5), "zero_": h.zero_, "copy_": lambda: h.copy_(torch.full((3,), 2.5))}[how]()
    h += x
    h.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0] and not h.is_leaf


def test_excluded_protocols():
    """The Tensor protocols excluded from the sweep as no ops do what their exclusion says."""
    import copy
    import pickle

    assert [10, 20, 30][Tensor(np.int64(1))] == 20  # __index__, as torch.tensor(1) does
    with pytest.raises(TypeError, match="clone"):
        copy.copy(Tensor([1.0]))
    t = Tensor([1.0, 2.0], requires_grad=True, name="w")
    back = pickle.loads(pickle.dumps(t * 2.0))  # a non-leaf: its values, no graph
    assert back.tolist() == [2.0, 4.0] and back.is_leaf
    back = pickle.loads(pickle.dumps(t))
    assert back.tolist() == [1.0, 2.0] and back.requires_grad and back.name == "w"
    # __array_function__: np.dot(t, t) computed with t's values and dropped its gradient (as
    # np.where, np.concatenate, np.einsum, np.linalg.norm): refused in grad mode, as torch refuses
    for call in (lambda: np.dot(t, t), lambda: np.where(t > 1.0, t, 0.0), lambda: np.concatenate([t, t]),
                 lambda: np.einsum("i,i", t, t), lambda: np.linalg.norm(t), lambda: np.block([[t, t]])):
        with pytest.raises(TypeError, match="requires grad"):
            call()
    assert np.shape(t) == (2,) and np.ndim(t) == 1 and np.allclose(t, t)  # no values with a gradient
    assert np.zeros_like(t).shape == (2,) and np.histogram(t, bins=2)[0].tolist() == [1, 1]  # values wanted
    out = np.zeros(())
    with pytest.raises(TypeError, match="requires grad"):
        np.dot(t, t, out=out)
    assert out == 0.0  # refused before numpy wrote anything
    # numpy's functions that call the tensor's own methods keep the graph, as before
    m = np.mean(t ** 2)
    assert isinstance(m, Tensor) and isinstance(np.reshape(t, (2, 1)), Tensor)
    m.backward()
    assert t.grad.tolist() == [1.0, 2.0]
    with al.no_grad():  # values only, as asked
        assert np.dot(t, t) == 5.0
    assert np.dot(t.detach(), t.detach()) == 5.0
    assert np.concatenate([Tensor([1.0]), Tensor([2.0])]).tolist() == [1.0, 2.0]
