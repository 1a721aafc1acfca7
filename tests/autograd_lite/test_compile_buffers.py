"""al.compile's buffers: a large intermediate value is written into an array kept with its
program, and nothing the program hands out (a result, a gradient, a view of either) is one."""

import gc
import threading
import warnings
import weakref

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor
from autograd_lite.compile import BUFFER_MIN_BYTES

BATCH, WIDTH = 32, 64  # activations of 32 x 64 float64: 16 KiB, above BUFFER_MIN_BYTES


def mlp_params(seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(16, WIDTH), (WIDTH,), (WIDTH, WIDTH), (WIDTH,), (WIDTH, 3), (3,)]
    return [Tensor(rng.standard_normal(s) * 0.3, requires_grad=True) for s in shapes]


def mlp_loss(params, x, labels):
    W1, b1, W2, b2, W3, b3 = params
    h = al.relu(al.affine(x, W1, b1))
    h = (h @ W2 + b2).tanh()
    return al.cross_entropy(al.affine(h, W3, b3), labels)


def loss_and_grads(*args):
    params = list(args[:6])
    loss = mlp_loss(params, *args[6:])
    return (loss, *al.grad(loss, params))


def batches(n, seed=1):
    rng = np.random.default_rng(seed)
    return [(Tensor(rng.standard_normal((BATCH, 16))), rng.integers(0, 3, BATCH)) for _ in range(n)]


def only_program(compiled):
    (program,) = compiled.programs.values()
    return program


def test_large_intermediates_go_into_buffers_and_give_the_eager_numbers():
    eager_params, compiled_params = mlp_params(), mlp_params()
    step = al.compile(loss_and_grads)
    for x, labels in batches(12):
        losses = []
        for params, fn in ((eager_params, loss_and_grads), (compiled_params, step)):
            loss, *grads = fn(*params, x, labels)
            for p, g in zip(params, grads):
                p.data -= 0.1 * g.data
            losses.append(loss.item())
        np.testing.assert_allclose(losses[1], losses[0], rtol=1e-12)
    for a, b in zip(eager_params, compiled_params):
        np.testing.assert_allclose(b.data, a.data, rtol=1e-12, atol=1e-15)
    program = only_program(step)
    assert len(program.buffers) >= 4  # both affine outputs, the relu, the tanh's...
    assert program.source.count(", out=B") == len(program.buffers)
    assert all(b.nbytes >= BUFFER_MIN_BYTES for b in program.buffers.values())


def test_small_values_are_not_buffered():
    W = Tensor(np.ones((3, 2)), requires_grad=True)

    def step(x):
        loss = (x @ W).tanh().sum()
        loss.backward()
        return loss

    compiled = al.compile(step)
    for _ in range(3):
        W.grad = None
        compiled(np.ones((4, 3)))
    program = only_program(compiled)
    assert program.buffers == {} and "out=" not in program.source and program.run == program.run_program


def test_nothing_handed_out_lives_in_a_buffer():
    """A result that is a view of an intermediate (z.T) keeps z out of the buffers: the next
    call would overwrite what the caller holds."""
    W = Tensor(np.random.default_rng(0).standard_normal((16, WIDTH)), requires_grad=True)

    def step(x):
        z = (x @ W).relu() * 2.0
        loss = z.sum()
        loss.backward()
        with al.no_grad():
            return z.T, z.reshape(-1)[:5], (z + 1.0).exp()

    compiled = al.compile(step)
    xs = [np.random.default_rng(k).standard_normal((BATCH, 16)) for k in range(5)]
    kept = []
    for x in xs:
        W.grad = None
        out = compiled(x)
        kept.append((out, [t.data.copy() for t in out], W.grad))
    program = only_program(compiled)
    assert program.buffers  # x @ W and its relu stay inside: buffered
    for x, (out, copies, grad) in zip(xs, kept):
        for t, copy in zip(out, copies):
            np.testing.assert_array_equal(t.data, copy)  # later calls did not overwrite it
            assert not any(np.shares_memory(t.data, b) for b in program.buffers.values())
        assert not any(np.shares_memory(grad.data, b) for b in program.buffers.values())
        W.grad = None
        np.testing.assert_array_equal(step(x)[0].data, copies[0])


def test_a_second_caller_meanwhile_allocates_instead():
    params = mlp_params()
    step = al.compile(loss_and_grads)
    (x, labels), (x2, labels2) = batches(2)
    for _ in range(3):
        step(*params, x, labels)
    program = only_program(step)
    before = [b.copy() for b in program.buffers.values()]
    with program.lock:  # as another thread in the middle of a replay holds it
        loss, *grads = step(*params, x2, labels2)
    for b, old in zip(program.buffers.values(), before):
        np.testing.assert_array_equal(b, old)  # left alone
    eager_loss, *eager_grads = loss_and_grads(*params, x2, labels2)
    np.testing.assert_allclose(loss.data, eager_loss.data, rtol=1e-12)
    for g, e in zip(grads, eager_grads):
        np.testing.assert_allclose(g.data, e.data, rtol=1e-12, atol=1e-15)


def test_threads_replaying_at_once_get_their_own_numbers():
    params = mlp_params()
    step = al.compile(loss_and_grads)
    data = batches(8)
    for _ in range(3):
        step(*params, *data[0])
    expected = [loss_and_grads(*params, *d)[0].item() for d in data]
    failures = []

    def worker(offset):
        for k in range(60):
            i = (k + offset) % len(data)
            got = step(*params, *data[i])[0].item()
            if abs(got - expected[i]) > 1e-12 * abs(expected[i]):
                failures.append((i, got, expected[i]))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_a_threshold_that_is_not_a_max_is_not_written_into_a_buffer():
    """threshold(x, t, v) with v != t is a where: its into form declines, whatever the traced
    values (here none is below t, where max(x, t) would have agreed)."""
    W = Tensor(np.eye(16), requires_grad=True)

    def step(x):
        y = al.threshold(x @ W, 0.0, -1.0) * 1.0
        loss = y.sum()
        loss.backward()
        with al.no_grad():
            return y.sum(axis=1)

    compiled = al.compile(step)
    positive = np.abs(np.random.default_rng(0).standard_normal((BATCH, 16))) + 0.1
    for _ in range(3):
        W.grad = None
        compiled(positive)
    program = only_program(compiled)
    assert program.buffers and not any(prim.name == "threshold" and slot in program.buffers
                                       for _, (prim, _, _, slot) in program.operations)
    mixed = np.random.default_rng(1).standard_normal((BATCH, 16))
    W.grad = None
    got = compiled(mixed).data
    W.grad = None
    np.testing.assert_array_equal(got, step(mixed).data)


def test_an_into_form_that_disagrees_on_the_traced_values_is_not_used(monkeypatch):
    tanh = al.ops.tanh.prim

    def wrong(x, *, out):
        np.tanh(x, out=out)
        out += 1e-9
        return out

    monkeypatch.setattr(tanh, "into", wrong)
    params = mlp_params()
    step = al.compile(loss_and_grads)
    data = batches(4)
    for x, labels in data:
        loss = step(*params, x, labels)[0]
        np.testing.assert_allclose(loss.data, loss_and_grads(*params, x, labels)[0].data, rtol=1e-14)
    assert "tanh" in {prim.name for _, (prim, *_) in only_program(step).operations}
    assert not any(prim is tanh and slot in only_program(step).buffers
                   for _, (prim, _, _, slot) in only_program(step).operations)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_buffers_keep_the_dtype(dtype):
    params = [Tensor(p.data.astype(dtype), requires_grad=True) for p in mlp_params()]
    step = al.compile(loss_and_grads)
    for x, labels in batches(3):
        x = Tensor(x.data.astype(dtype))
        loss, *grads = step(*params, x, labels)
    assert loss.dtype == dtype and all(g.dtype == dtype for g in grads)
    assert all(b.dtype == dtype for b in only_program(step).buffers.values() if b.dtype.kind == "f")


def test_a_parameter_stored_in_another_memory_order_traces_again():
    """A buffer has the traced layout; eager follows the parameter's (a sum over a Fortran-ordered
    exp adds in another order). A captured parameter's strides are guarded, as an argument's."""
    W = Tensor(np.random.default_rng(0).standard_normal((64, 64)), requires_grad=True)

    def step(x):
        z = (W * x).exp()
        loss = z.sum() + (z * z).sum(axis=0).sum()
        loss.backward()
        return loss

    compiled = al.compile(step)
    x = Tensor(np.float64(0.5))
    for _ in range(3):
        W.grad = None
        compiled(x)
    W.data = np.asfortranarray(W.data)  # weights loaded from a Fortran-ordered file, say
    W.grad = None
    got, got_grad = compiled(x).item(), W.grad.data.copy()
    W.grad = None
    want = step(x).item()
    assert got == want and got_grad.tobytes() == W.grad.data.tobytes()


def test_a_program_is_freed_as_soon_as_it_is_dropped():
    """No reference cycle keeps a program with buffers (and its trace) alive for the collector."""
    W = Tensor(np.random.default_rng(0).standard_normal((64, 64)), requires_grad=True)

    def step(x):
        loss = ((x @ W).relu() * 2.0).exp().mean()
        loss.backward()
        return loss

    compiled = al.compile(step)
    for _ in range(3):
        W.grad = None
        compiled(np.ones((32, 64)) * 0.01)
    program = weakref.ref(only_program(compiled))
    assert program().buffers
    enabled = gc.isenabled()
    gc.disable()
    try:
        compiled.reset()
        assert program() is None
    finally:
        if enabled:
            gc.enable()


def test_compiling_warns_no_more_than_eager():
    """The into forms are tried on the traced values quietly: numpy's warnings come once per call."""
    W = Tensor(np.ones((64, 64)), requires_grad=True)

    def step(x):
        loss = ((x @ W) * 0.0).log().clip(-1.0, 1.0).sum()
        loss.backward()
        return loss

    compiled = al.compile(step)
    counts = []
    for _ in range(4):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            W.grad = None
            compiled(np.ones((32, 64)))
        counts.append(len(caught))
    assert counts == [2, 2, 2, 2] and only_program(compiled).buffers
