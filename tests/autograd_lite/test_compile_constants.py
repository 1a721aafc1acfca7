"""al.compile's calls on small arrays: a number operand is given as a 0-d array of the dtype
numpy casts it to, numpy functions are called past their __array_function__ dispatch and shape
rows' ndarray methods directly; each only where the replay gives the eager numbers, dtype and type."""

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor, ops


def program_globals(compiled):
    (program,) = compiled.programs.values()
    return program.run_program.__globals__


def typed_constants(compiled):
    """The 0-d arrays a program passes in place of numbers."""
    return [v for k, v in program_globals(compiled).items() if k.startswith("A") and "_" in k]


def numbers_step(x):
    """Number operands of every kind: Python floats, ints and bools, numpy scalars, in ufuncs,
    operators, comparisons and where, forward and backward."""
    y = (x * 2 + 1.5) ** 2 - np.float32(0.25) * x
    z = al.where(x >= 0.5, y, 3.0) + (x > True) * x
    loss = (z.sigmoid() / 4).sum()
    loss.backward()
    return loss, z


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_number_operands_become_typed_arrays_with_the_eager_numbers(dtype):
    compiled = al.compile(numbers_step)
    rng = np.random.default_rng(0)
    for _ in range(4):
        data = rng.standard_normal((3, 5)).astype(dtype)
        x, x_eager = Tensor(data, requires_grad=True), Tensor(data, requires_grad=True)
        (loss, z), (loss_eager, z_eager) = compiled(x), numbers_step(x_eager)
        for got, want in ((loss.data, loss_eager.data), (z.data, z_eager.data), (x.grad.data, x_eager.grad.data)):
            assert type(got) is type(want) and got.dtype == want.dtype == dtype
            assert got.tobytes() == want.tobytes()
    constants = typed_constants(compiled)
    assert len(constants) >= 8  # the replay does use them
    assert all(c.__class__ is np.ndarray and c.ndim == 0 for c in constants)
    floats = [c for c in constants if c.dtype.kind == "f"]
    assert any(c == 0.25 for c in floats)
    # a Python number takes the dtype numpy casts it to, and so does a numpy number next to a
    # Tensor (np.float32(0.25) * x is taken as 0.25 * x, as PyTorch takes it)
    assert all(c.dtype == dtype for c in floats)


def test_a_traced_0d_value_is_never_frozen_into_a_constant():
    """A sum is a numpy number as a constant is; it changes every call and must stay a value."""
    def step(x):
        s = x.sum()
        loss = (x * s + s).sum()
        loss.backward()
        return loss

    compiled = al.compile(step)
    rng = np.random.default_rng(3)
    for _ in range(5):
        data = rng.standard_normal(4)
        x, x_eager = Tensor(data, requires_grad=True), Tensor(data, requires_grad=True)
        loss, loss_eager = compiled(x), step(x_eager)
        assert loss.data == loss_eager.data and x.grad.data.tobytes() == x_eager.grad.data.tobytes()
    assert compiled.programs


def test_a_0d_parameter_is_read_on_every_call():
    """A 0-d parameter holds a numpy number, and an optimizer step replaces it between calls."""
    b = Tensor(1.5, requires_grad=True)

    def step(x):
        loss = (x * b).sum()
        loss.backward()
        return loss

    compiled = al.compile(step)
    x = Tensor(np.array([1.0, -2.0, 0.5]))
    for _ in range(4):
        b.grad = None
        assert compiled(x).item() == float(np.sum(x.data * b.data))
        b.data = b.data - 0.5 * b.grad.data
    assert compiled.programs


def test_a_number_whose_cast_overflows_warns_on_every_call_as_in_eager():
    def step(x):
        return (x < 1e40,)  # 1e40 does not fit in float32: numpy warns on each call

    compiled = al.compile(step)
    x = Tensor(np.arange(3, dtype=np.float32))
    for _ in range(4):
        with pytest.warns(RuntimeWarning, match="overflow encountered in cast"):
            (out,) = compiled(x)
        assert out.data.tolist() == [True, True, True]
    assert compiled.programs
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        compiled(x)


def test_wheres_number_condition_keeps_its_truth():
    """1e-50 is true; as a float32 array it would be 0, false. The traces see x == y, so only
    a later call could tell."""
    def step(x, y):
        return (al.where(1e-50, x, y),)

    compiled = al.compile(step)
    zeros = np.zeros(3, np.float32)
    for x in (zeros, zeros, zeros + 1, zeros + 2):
        (out,) = compiled(Tensor(x), Tensor(zeros))
        assert out.data.tolist() == x.tolist()
    assert compiled.programs


def test_numbers_stay_numbers_where_every_operand_is_one():
    """On 0-d values a numpy scalar's own arithmetic is faster than a call with a 0-d array."""
    def step(x):
        loss = (x * 2.0 + 1.0) ** 2
        loss.backward()
        return loss

    compiled = al.compile(step)
    for v in (0.5, -1.5, 2.0):
        x, x_eager = Tensor(v, requires_grad=True), Tensor(v, requires_grad=True)
        loss, loss_eager = compiled(x), step(x_eager)
        assert type(loss.data) is type(loss_eager.data) is np.float64 and loss.data == loss_eager.data
        assert x.grad.data == x_eager.grad.data
    assert typed_constants(compiled) == []


def test_a_number_numpy_would_not_cast_that_way_stays_a_number():
    """An int8 array times the Python int 100: numpy casts 100 to int8 (no overflow in the cast)
    and the product wraps; the typed array must give the same wrapped numbers."""
    def step(x, k):
        return (x * 100 + k,)

    compiled = al.compile(step)
    data = np.array([1, 2, 3], dtype=np.int8)
    for _ in range(3):
        (out,) = compiled(Tensor(data), Tensor(np.array([5, 6, 7], dtype=np.int8)))
        with np.errstate(over="ignore"):
            want = data * 100 + np.array([5, 6, 7], dtype=np.int8)
        assert out.data.dtype == np.int8 and out.data.tobytes() == want.tobytes()


def where_step(m, x):
    loss = al.where(m, x * 2.0, -x).sum()
    loss.backward()
    return loss


def test_numpy_functions_are_called_past_their_dispatch_on_plain_arrays():
    compiled = al.compile(where_step)
    for _ in range(3):
        compiled(np.array([True, False, True]), Tensor([1.0, 2.0, 3.0], requires_grad=True))
    functions = [v for k, v in program_globals(compiled).items() if k[0] == "F" and k[1:].isdigit()]
    assert np.where not in functions and np.where._implementation in functions


def shapes_step(x, s):
    """Shape rows on an array (x) and on a numpy scalar (s, a 0-d tensor), with constant axes
    and shapes, forward and backward (a clone copies the view gradient)."""
    y = (x.T * s.reshape((1, 1))).reshape((1, -1)).squeeze((0,))
    g_x, g_s = al.grad((y * y).sum(), [x, s])
    return y, g_x, g_s


@pytest.mark.parametrize("shape", [(3, 2), (6, 1)])
def test_shape_rows_call_numpys_methods_on_arrays_and_the_forward_on_numbers(shape):
    compiled = al.compile(shapes_step)
    rng = np.random.default_rng(1)
    for _ in range(4):
        data, scale = rng.standard_normal(shape), np.float64(rng.standard_normal())
        got = compiled(Tensor(data, requires_grad=True), Tensor(scale, requires_grad=True))
        want = shapes_step(Tensor(data, requires_grad=True), Tensor(scale, requires_grad=True))
        for g, w in zip(got, want):
            assert type(g.data) is type(w.data) and g.shape == w.shape and np.shape(g.data) == np.shape(w.data)
            assert np.asarray(g.data).strides == np.asarray(w.data).strides
            assert np.asarray(g.data).tobytes() == np.asarray(w.data).tobytes()
    functions = [v for k, v in program_globals(compiled).items() if k[0] == "F" and k[1:].isdigit()]
    assert np.ndarray.transpose in functions and np.ndarray.reshape in functions
    assert ops.reshape.prim.forward in functions  # s.reshape((1, 1)): a numpy scalar has no ndarray methods


def test_a_tuple_of_constants_is_built_once():
    compiled = al.compile(shapes_step)
    for _ in range(3):
        compiled(Tensor(np.ones((3, 2)), requires_grad=True), Tensor(np.float64(2.0), requires_grad=True))
    (program,) = compiled.programs.values()
    assert "(C" not in program.source  # no "(C3, C4)" built on every call
    assert any(v.__class__ is tuple and v == (1, -1) for v in program_globals(compiled).values())


class Logged(np.ndarray):
    """An array type that wants to see every numpy function called on it."""

    seen: list = []

    def __array_function__(self, func, types, args, kwargs):
        Logged.seen.append(func.__name__)
        args = tuple(a.view(np.ndarray) if isinstance(a, Logged) else a for a in args)
        return func(*args, **kwargs)


def test_an_array_subclass_keeps_numpys_dispatch_and_programs_of_its_own():
    compiled = al.compile(where_step)
    plain, logged = np.array([True, False, True]), np.array([True, False, True]).view(Logged)
    for _ in range(3):
        compiled(plain, Tensor([1.0, 2.0, 3.0], requires_grad=True))
    calls = []
    for _ in range(3):
        Logged.seen.clear()
        x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
        loss = compiled(logged, x)
        assert loss.item() == pytest.approx(2.0 - 2.0 + 6.0) and x.grad.data.tolist() == [2.0, -1.0, 2.0]
        calls.append(Logged.seen.count("where"))
    assert len(compiled.programs) == 2  # not the plain array's program
    assert calls[2] >= 1  # the third call is a replay, and it dispatched to Logged too


def test_a_tensor_holds_a_plain_ndarray():
    logged = np.array([1.0, 2.0]).view(Logged)
    t = al.as_tensor(logged)
    assert t.data.__class__ is np.ndarray and np.shares_memory(t.data, logged)
    t.data = np.array([3.0, 4.0]).view(Logged)
    assert t.data.__class__ is np.ndarray and t.data.tolist() == [3.0, 4.0]


def test_an_operation_that_warns_is_replayed_even_on_constants_or_unused():
    """Folded (constants only) or left out (nothing uses it), an overflowing operation stopped
    warning on replays, and under np.errstate(over="raise") the replay returned inf where eager
    raised."""
    def step(x):
        big = al.as_tensor(np.full(3, 1e30, np.float32)) * 1e10  # constants only: inf in float32
        _unused = x * 1e300 * 1e300  # nothing uses it
        return ((x * big).sum(),)

    compiled = al.compile(step, strict=True)
    x = Tensor(np.ones(3, np.float32))
    with pytest.warns(RuntimeWarning, match="overflow") as eager:
        step(x)
    for _ in range(4):
        with pytest.warns(RuntimeWarning, match="overflow") as caught:
            (out,) = compiled(x)
        assert out.item() == np.inf
        assert sorted(str(w.message) for w in caught) == sorted(str(w.message) for w in eager)
    assert compiled.programs
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        compiled(x)
