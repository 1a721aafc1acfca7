"""al.compile against eager on seeded random programs (``torch_programs.py``, no PyTorch needed).

Each program is compiled two ways: its loss and ``al.grad`` of it as results, with half of its
inputs passed as arguments and the others captured as parameters that an update changes
between calls; and ``loss.backward()`` into ``.grad``. It is called on new values of the same
shapes until it replays, and every result, gradient and ``.grad`` must be eager's bit for bit
(type, dtype, shape, bytes: the sign of zero included), in float64 and float32.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor

from ..conftest import run_slow
from . import torch_programs as tp

CALLS = 5  # two traces, then replays
#: Shapes whose values reach al.compile's buffers (4 KiB: 512 float64 or 1,024 float32 elements)
LARGE_SHAPES = [(), (64,), (16, 64), (1, 64), (16, 1), (2, 16, 64)]


def same(got, want, what: str) -> None:
    assert type(got) is type(want), f"{what}: {type(got).__name__} against eager's {type(want).__name__}"
    assert got.dtype == want.dtype and np.shape(got) == np.shape(want), f"{what}: dtype or shape"
    assert np.ndim(got) == 0 or got.strides == want.strides, f"{what}: strides {got.strides}, eager's {want.strides}"
    assert np.asarray(got).tobytes() == np.asarray(want).tobytes(), f"{what}: {got} against eager's {want}"


def inputs_at(program: tp.Program, call: int, dtype: type) -> list[np.ndarray]:
    """The program's inputs moved along its directions: new values, the same shapes."""
    return [np.asarray(a + 0.37 * call * d, dtype=dtype) for a, d in zip(program.inputs, program.directions)]


def program_for(seed: int) -> tp.Program:
    """Odd seeds draw large shapes, so that buffers are in play."""
    return tp.generate(seed) if seed % 2 == 0 else tp.generate(seed, LARGE_SHAPES, 4096)


def check_grad_program(seed: int, dtype: type) -> list:
    """Loss, al.grad and the program's last values as results; returns the programs it compiled."""
    program = program_for(seed)
    n = len(program.inputs)
    passed = list(range(0, n, 2))
    captured = {i: Tensor(np.zeros_like(program.inputs[i], dtype=dtype), requires_grad=True) for i in range(1, n, 2)}

    def fn(*args):
        leaves = [None] * n
        for i, a in zip(passed, args):
            leaves[i] = a
        leaves = [captured.get(i, leaf) for i, leaf in enumerate(leaves)]
        loss, values = tp.run(program, tp.AL, leaves, lambda w: w)
        grads = al.grad(loss, leaves, allow_unused=True)
        # the values no step used, handed out too: views (a slice, a transpose) of intermediates among them
        return (loss, *grads, *(values[i].detach() for i in program.sinks))

    compiled = al.compile(fn, strict=True)
    calls = []
    for call in range(CALLS):
        arrays = inputs_at(program, call, dtype)
        for i, p in captured.items():
            p.data = arrays[i]  # an update between calls: the replay reads it
        got = compiled(*(Tensor(arrays[i], requires_grad=True) for i in passed))
        calls.append((got, fn(*(Tensor(arrays[i], requires_grad=True) for i in passed))))
    for call, (got, want) in enumerate(calls):  # after every call: no later call may change what one handed out
        for k, (g, w) in enumerate(zip(got, want)):
            assert (g is None) == (w is None), f"program {seed}, call {call}, result {k}: None against a value"
            if g is not None:
                same(g.data, w.data, f"program {seed} ({np.dtype(dtype)}), call {call}, result {k}")
    return list(compiled.programs.values())


def check_backward_program(seed: int, dtype: type) -> list:
    """loss.backward() into .grad; returns the programs it compiled."""
    program = program_for(seed)

    def fn(*leaves):
        loss, _ = tp.run(program, tp.AL, list(leaves), lambda w: w)
        loss.backward()
        return loss

    compiled = al.compile(fn, strict=True)
    calls = []
    for call in range(CALLS):
        arrays = inputs_at(program, call, dtype)
        ours = [Tensor(a, requires_grad=True) for a in arrays]
        eager = [Tensor(a, requires_grad=True) for a in arrays]
        calls.append((compiled(*ours), fn(*eager), ours, eager))
    for call, (loss, loss_eager, ours, eager) in enumerate(calls):  # after every call, as above
        same(loss.data, loss_eager.data, f"program {seed} ({np.dtype(dtype)}), call {call}, loss")
        for k, (x, y) in enumerate(zip(ours, eager)):
            assert (x.grad is None) == (y.grad is None), f"program {seed}, call {call}, .grad {k}"
            if x.grad is not None:
                same(x.grad.data, y.grad.data, f"program {seed} ({np.dtype(dtype)}), call {call}, .grad {k}")
    return list(compiled.programs.values())


def check_mixed_program(seed: int, dtype: type) -> list:
    """Arguments of three kinds in turn: a Tensor that requires grad, a plain array (made a
    Tensor inside the function: as_tensor shares an array, and makes a 0-d one a new numpy
    number) and a Tensor that does not; returns the programs."""
    program = program_for(seed)
    kinds = [i % 3 for i in range(len(program.inputs))]

    def fn(*args):
        leaves = [a if isinstance(a, Tensor) else al.as_tensor(a) for a in args]
        loss, _ = tp.run(program, tp.AL, leaves, lambda w: w)
        wanted = [leaf for leaf, kind in zip(leaves, kinds) if kind == 0]
        return (loss, *al.grad(loss, wanted, allow_unused=True)) if loss.requires_grad else (loss,)

    def arguments(arrays):
        return [Tensor(a, requires_grad=True) if kind == 0 else a.copy() if kind == 1 else Tensor(a)
                for a, kind in zip(arrays, kinds)]

    compiled = al.compile(fn, strict=True)
    calls = []
    for call in range(CALLS):
        arrays = inputs_at(program, call, dtype)
        calls.append((compiled(*arguments(arrays)), fn(*arguments(arrays))))
    for call, (got, want) in enumerate(calls):
        for k, (g, w) in enumerate(zip(got, want)):
            assert (g is None) == (w is None), f"program {seed}, call {call}, result {k}: None against a value"
            if g is not None:
                same(g.data, w.data, f"program {seed} ({np.dtype(dtype)}), call {call}, result {k}")
    return list(compiled.programs.values())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("check", [check_grad_program, check_backward_program, check_mixed_program])
def test_compiled_random_programs_give_the_eager_numbers(request, check, dtype):
    seeds = range(400) if run_slow(request.config) else range(40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's own, the same in both
        programs = [check(seed, dtype) for seed in seeds]
    assert all(len(p) == 1 for p in programs)  # strict=True: each one compiled, and its later calls replayed
    assert sum(bool(p.buffers) for (p,) in programs) >= len(seeds) // 8  # some wrote into buffers
