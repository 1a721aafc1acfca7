"""Silent wrong answers a review found (each demonstrated against eager, torch or the math first):
compiled replays of 0-d masks, aliased and container arguments, folded gradients handed out
twice, other threads' work during a trace; views of changed buffers, where's saved mask, a
retained gradient sharing a leaf's memory, and an interrupted backward."""

import gc
import importlib
import sys
import threading
import warnings

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor, engine

compile_module = importlib.import_module("autograd_lite.compile")  # al.compile is the function


# ---------------------------------------------------------------------------------- al.compile
def test_zero_d_masks_are_distinct_values_in_a_replay():
    # 0-d comparisons return numpy's shared np.True_ / np.False_: numbered by identity, two
    # sigmoid masks were one value, and the replay gave the first mask's side to both
    w = Tensor(1.0, requires_grad=True)

    def step(x1, x2):
        loss = al.sigmoid(w * x1) + al.sigmoid(w * x2)
        loss.backward()
        return loss

    compiled = al.compile(step, strict=True)
    for a, b in [(1.0, 2.0), (1.5, 2.5)]:  # traced with both masks True
        w.grad = None
        compiled(Tensor(a), Tensor(b))
    w.grad = None
    replay = compiled(Tensor(-1.0), Tensor(2.0)).item(), w.grad.item()
    w.grad = None
    eager = step(Tensor(-1.0), Tensor(2.0)).item(), w.grad.item()
    assert replay == eager
    assert replay[1] == pytest.approx(0.013375237565531384, rel=1e-12)  # torch's


def test_the_same_array_twice_is_another_signature():
    rng = np.random.default_rng(0)
    w = Tensor(rng.normal(size=(3, 3)), requires_grad=True)

    def step(x, target):
        loss = al.mse(x @ w, target)
        loss.backward()
        return loss

    X, Y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    compiled = al.compile(step, strict=True)
    for _ in range(3):
        w.grad = None
        compiled(X, X)  # an autoencoder's step
    w.grad = None
    replayed = compiled(X, Y).item()
    w.grad = None
    assert replayed == step(X, Y).item()


def test_a_container_argument_runs_eagerly_saying_why():
    w = Tensor(np.ones(2), requires_grad=True)

    def step(batch):
        loss = (w * batch[0]).sum()
        loss.backward()
        return loss

    compiled = al.compile(step)
    with pytest.warns(UserWarning, match="an argument is a list: pass its tensors and arrays as separate arguments"):
        first = compiled([np.ones(2)]).item()
    assert first == 2.0
    assert compiled([np.full(2, 3.0)]).item() == 6.0  # the new data, not the first call's
    with pytest.raises(al.NotCompilable, match="an argument is a tuple"):
        al.compile(step, strict=True)((np.ones(2),))


def test_a_folded_gradient_is_a_new_array_on_every_call():
    rng = np.random.default_rng(0)
    w, b = Tensor(rng.normal(size=(3, 2)), requires_grad=True), Tensor(np.zeros(2), requires_grad=True)
    X = rng.normal(size=(4, 3))

    def step(x):
        out = (x @ w + b).mean()  # d out / d b = 1/2 whatever x is: folded
        out.backward()
        return out

    compiled = al.compile(step, strict=True)
    for _ in range(3):
        w.grad = b.grad = None
        compiled(X)
    with al.no_grad():
        b.grad.zero_()  # this step's gradient edited in place (clipping, zeroing)
    w.grad = b.grad = None
    compiled(X)
    np.testing.assert_array_equal(b.grad.data, [0.5, 0.5])


def test_more_signatures_than_the_limit_run_eagerly_and_keep_nothing():
    w = Tensor(np.ones(2), requires_grad=True)

    def step(x, scale):
        loss = (w * x).sum() * scale
        loss.backward()
        return loss

    compiled = al.compile(step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k in range(compile_module.MAX_SIGNATURES + 10):
            w.grad = None
            assert compiled(np.ones(2), 1.0 + k).item() == pytest.approx(2.0 * (1.0 + k))
    assert len(compiled._first) + len(compiled.programs) <= compile_module.MAX_SIGNATURES
    assert sum("more than 32 signatures" in str(c.message) for c in caught) == 1


def test_another_threads_work_is_not_part_of_a_trace():
    w = Tensor(np.ones(3), requires_grad=True)
    v = Tensor(np.ones(3), requires_grad=True)
    started, done = threading.Event(), threading.Event()

    def other_thread():
        started.wait(5)
        y = (v * 2.0).sum()
        y.item()  # a value read by another thread: not the traced function's
        y.backward()
        done.set()

    def step(x):
        started.set()
        done.wait(5)  # the other thread works while this one traces
        loss = (w * x).sum()
        loss.backward()
        return loss

    compiled = al.compile(step, strict=True)
    for _ in range(2):
        started.clear(), done.clear()
        t = threading.Thread(target=other_thread)
        t.start()
        w.grad = v.grad = None
        compiled(np.ones(3))
        t.join()
    (program,) = compiled.programs.values()
    assert "L1" not in program.source  # only w: v's gradient is the other thread's
    v.grad = None
    compiled(np.ones(3))
    assert v.grad is None


def test_a_plain_backward_in_another_thread_while_one_traces_computes_as_ever():
    """where's gradient in a plain backward is a product with the mask (-1 * 0 = -0.0 off it);
    another thread tracing meanwhile does not change how this one computes."""
    X = np.random.default_rng(0).standard_normal((64, 64))

    def relu_input_gradient():
        x = Tensor(X.copy(), requires_grad=True)
        (x.relu() * -1.0).sum().backward()
        return x.grad.data

    alone = relu_input_gradient()
    inside, release = threading.Event(), threading.Event()

    def traced(x):
        inside.set()
        release.wait(5)  # this thread is in the middle of a trace
        return (x * 2.0).sum()

    t = threading.Thread(target=al.compile(traced), args=(Tensor(np.ones(3)),))
    t.start()
    inside.wait(5)
    during = relu_input_gradient()
    release.set()
    t.join()
    assert np.signbit(alone[X <= 0]).all() and alone.tobytes() == during.tobytes()


def test_where_on_numpy_values_in_the_forward_is_numpys_where_eager_and_compiled():
    """al.where(mask, x, 0.0) on numpy values gives +0.0 off the mask, as np.where (1 / y is
    +inf there), eagerly and in a replay; only a backward's VJPs multiply by the mask."""
    W = Tensor(np.ones((64, 32)), requires_grad=True)

    def step(x, mask):
        y = al.where(mask, x, 0.0)
        (y * W).sum().backward()
        with al.no_grad():
            return y * 1.0

    compiled = al.compile(step)
    rng = np.random.default_rng(0)
    for _ in range(4):
        x, mask = rng.standard_normal((64, 32)), rng.random((64, 32)) > 0.5
        W.grad = None
        got = compiled(x, mask).data
        W.grad = None
        want = step(x, mask).data
        assert not np.signbit(want[~mask]).any() and got.tobytes() == want.tobytes()
    assert compiled.programs


def test_a_replayed_0d_gradient_is_a_numpy_scalar_as_in_eager():
    w = Tensor(np.float64(0.5), requires_grad=True)

    def step(x):
        loss = (w + x).relu()  # relu's gradient: np.where on 0-d values gives a 0-d array
        loss.backward()
        return loss

    compiled = al.compile(step)
    for _ in range(3):
        w.grad = None
        loss = compiled(Tensor(np.float64(2.0)))
        assert w.grad.data.__class__ is np.float64 and loss.data.__class__ is np.float64
    assert compiled.programs


def test_gradients_grad_returns_never_share_memory_in_a_replay():
    """al.grad copies a gradient that is a view of another (eagerly, traced and replayed)."""
    W = Tensor(np.ones((8, 8)), requires_grad=True)

    def step(x):
        h = x @ W
        v = h.reshape(-1)
        return al.grad((v * v).sum(), [v, h])

    compiled = al.compile(step)
    for _ in range(3):
        gv, gh = compiled(Tensor(np.arange(64.0).reshape(8, 8)))
        assert not np.shares_memory(gv.data, gh.data)
    assert compiled.programs
    gv, gh = step(Tensor(np.arange(64.0).reshape(8, 8)))
    assert not np.shares_memory(gv.data, gh.data)


# ---------------------------------------------------------------------------------- in place
@pytest.mark.parametrize("view", [lambda w: w.T, lambda w: w.reshape(4, 3).reshape(3, 4).T, lambda w: w[0:2].T])
def test_a_change_to_memory_a_saved_view_shares_is_refused(view):
    rng = np.random.default_rng(0)
    x, w = Tensor(rng.normal(size=(2, 4)), requires_grad=True), Tensor(rng.normal(size=(3, 4)), requires_grad=True)
    y = (x @ view(w)).sum()
    with al.no_grad():
        w -= 0.5  # the optimizer step, too early
    with pytest.raises(RuntimeError, match=r"backward through 'matmul'.*changed in place after the operation used it"):
        y.backward()


def test_a_slice_of_a_constant_changed_in_place_is_refused():
    c = Tensor(np.array([3.0, 4.0, 5.0]))
    w = Tensor(np.ones(2), requires_grad=True)
    y = (w * c[0:2]).sum()
    c += 100.0
    with pytest.raises(RuntimeError, match=r"a constant of shape \(2,\), which 'mul' saved"):
        y.backward()


def test_wheres_mask_keeps_its_values():
    x = Tensor(np.ones(3), requires_grad=True)
    mask = Tensor(np.array([True, True, False]))
    y = al.where(mask, x * 2.0, x * 4.0).sum()
    mask[0] = False  # after the forward: the graph keeps the mask it used
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0, 4.0])


def test_a_retained_gradient_and_a_leafs_do_not_share_memory():
    x = Tensor(np.ones(2), requires_grad=True)
    h = x + 0.0
    h.retain_grad()
    (h * 3.0).sum().backward()
    assert not np.shares_memory(x.grad.data, h.grad.data)
    with al.no_grad():
        x.grad.zero_()
    np.testing.assert_array_equal(h.grad.data, [3.0, 3.0])


def test_an_interrupted_backward_leaves_mode_collector_and_graph_as_they_were():
    x = Tensor(2.0, requires_grad=True)
    h = x
    for _ in range(50):
        h = h * 1.0 + 0.0
    y = h * x
    lines = [0]

    def interrupt(frame, event, arg):  # a KeyboardInterrupt a few lines into the graph's collection
        if frame.f_code is engine._collect.__code__:
            if event == "line":
                lines[0] += 1
                if lines[0] == 40:
                    raise KeyboardInterrupt
            return interrupt
        return interrupt if event == "call" and frame.f_code is engine._collect.__code__ else None

    sys.settrace(interrupt)
    try:
        with pytest.raises(KeyboardInterrupt):
            y.backward(retain_graph=True)
    finally:
        sys.settrace(None)
    assert gc.isenabled() and al.is_grad_enabled()
    y.backward()
    assert x.grad.item() == 4.0


def _two_layer_step(w1, w2):
    def step(x, y):
        loss = al.mse(al.tanh(x @ w1) @ w2, y)
        loss.backward()
        return loss
    return step


@pytest.mark.parametrize("change", ["freeze", "unfreeze", "copy_"])
def test_a_captured_tensor_frozen_unfrozen_or_changed_after_compiling(change):
    rng = np.random.default_rng(0)
    w1 = Tensor(rng.normal(size=(3, 3)), requires_grad=change != "unfreeze")
    w2 = Tensor(rng.normal(size=(3, 1)), requires_grad=True)
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 1))
    step = _two_layer_step(w1, w2)
    compiled = al.compile(step, strict=True)
    for _ in range(3):
        w1.grad = w2.grad = None
        compiled(X, Y)
    if change == "copy_":
        w1.requires_grad = False
        for _ in range(2):  # compiled with w1 frozen, then w1 changed in place (not a parameter any more)
            compiled(X, Y)
        with al.no_grad():
            w1.copy_(rng.normal(size=(3, 3)))
    else:
        w1.requires_grad = change == "unfreeze"
    w1.grad = w2.grad = None
    replayed = compiled(X, Y).item(), w1.grad, w2.grad.data.copy()
    w1.grad = w2.grad = None
    eager = step(X, Y).item(), w1.grad, w2.grad.data.copy()
    assert replayed[0] == eager[0]
    np.testing.assert_array_equal(replayed[2], eager[2])
    if eager[1] is None:
        assert replayed[1] is None
    else:
        np.testing.assert_array_equal(replayed[1].data, eager[1].data)
