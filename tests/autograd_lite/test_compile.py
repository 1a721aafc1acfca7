"""al.compile: a replayed program gives eager's numbers, re-traces when it must, and never
replays what its trace could not follow (it runs eagerly, and says why)."""

import warnings

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor
from mlp import (
    BCE,
    MSE,
    SGD,
    Adam,
    CrossEntropy,
    Dense,
    NeuralNetwork,
    ReLU,
    RMSProp,
    Sigmoid,
    Softmax,
    Tanh,
)
from mlp.datasets import make_moons, xor


def network(loss, layers) -> NeuralNetwork:
    net = NeuralNetwork(loss)
    for layer in layers:
        net.add(layer)
    return net


def two_runs(build, X, y, make_optimizer=None, **train):
    """The same network trained eagerly and compiled, from the same start."""
    out = []
    for compiled in (False, True):
        np.random.seed(0)
        net = build()
        if make_optimizer is not None:
            train["optimizer"] = make_optimizer(net.parameters())
        history = net.train(X, y, verbose=False, compile=compiled, **train)
        out.append((history, [p.data.copy() for p in net.parameters()]))
    return out


def assert_same(eager, compiled):
    (h1, w1), (h2, w2) = eager, compiled
    np.testing.assert_allclose(h2, h1, rtol=1e-12, atol=1e-15)
    for a, b in zip(w1, w2):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-15)


LAYERS = {
    "sigmoid": lambda: [Dense(2, 4), Sigmoid(), Dense(4, 1), Sigmoid()],
    "relu": lambda: [Dense(2, 8), ReLU(), Dense(8, 1), Sigmoid()],
    "tanh": lambda: [Dense(2, 8), Tanh(), Dense(8, 1), Sigmoid()],
    "softmax_probabilities": lambda: [Dense(2, 8), Tanh(), Dense(8, 2), Softmax()],
}


@pytest.mark.parametrize("layers", LAYERS)
def test_every_layer_compiled_gives_the_eager_numbers(layers):
    X, y = make_moons(24, noise=0.2, rng=1)
    loss = MSE() if layers == "softmax_probabilities" else BCE()
    target = np.hstack([1 - y, y]) if layers == "softmax_probabilities" else y
    runs = two_runs(lambda: network(loss, LAYERS[layers]()), X, target, epochs=20,
                    learning_rate=0.05, batch_size=8)
    assert_same(*runs)


@pytest.mark.parametrize("optimizer", [SGD, Adam, RMSProp])
@pytest.mark.parametrize("targets", ["indices", "one_hot"])
def test_cross_entropy_and_every_optimizer(optimizer, targets):
    X, y = make_moons(30, noise=0.2, rng=2)
    labels = y.ravel().astype(np.int64)
    target = labels if targets == "indices" else np.eye(2)[labels]
    runs = two_runs(lambda: NeuralNetwork(CrossEntropy()).add(Dense(2, 6)).add(ReLU()).add(Dense(6, 2)),
                    X, target, epochs=15, learning_rate=0.02, batch_size=7, optimizer=optimizer)  # 30 = 4*7 + 2
    assert_same(*runs)


def test_the_seeds_xor_per_sample_and_momentum():
    X, y = xor()
    runs = two_runs(lambda: NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid()).add(Dense(3, 1)).add(Sigmoid()),
                    X, y, epochs=300, learning_rate=0.5)
    assert_same(*runs)
    momentum = two_runs(lambda: network(MSE(), [Dense(2, 3), Tanh(), Dense(3, 1)]), X, y, epochs=100, batch_size=4,
                        make_optimizer=lambda params: SGD(params, lr=0.05, momentum=0.9, nesterov=True))
    assert_same(*momentum)


def params_and_step(shape=(3, 2)):
    rng = np.random.default_rng(0)
    W = Tensor(rng.standard_normal(shape), requires_grad=True)

    def step(x):
        loss = ((x @ W).tanh() ** 2).mean()
        loss.backward()
        return loss

    return W, step


def test_a_replay_is_straight_numpy_one_call_per_operation():
    W, step = params_and_step()
    compiled = al.compile(step)
    x = np.ones((4, 3))
    for _ in range(3):
        W.grad = None
        loss = compiled(x)
    (program,) = compiled.programs.values()
    calls = [line for line in program.source.splitlines() if "= F" in line]
    # at most one numpy call per traced operation: those on constants only (the seed's ones and
    # the mean's 1/n, broadcast) are folded at compile time
    assert 0 < len(calls) < len(program.trace.ops) and "Tensor" not in program.source
    assert isinstance(loss, Tensor) and loss.grad_fn is None  # values only: the backward ran inside
    W.grad = None
    eager = step(x)
    np.testing.assert_allclose(loss.item(), eager.item(), rtol=1e-15)


def test_gradients_accumulate_as_backward_does():
    W, step = params_and_step()
    compiled = al.compile(step)
    x = np.ones((4, 3))
    for _ in range(3):
        compiled(x)  # no zero_grad: .grad accumulates, as eager backward would
    twice = W.grad.data.copy()
    W.grad = None
    step(x)
    np.testing.assert_allclose(twice, 3 * W.grad.data, rtol=1e-14)


def test_a_new_shape_traces_again_and_a_changed_parameter_shape_too():
    W, step = params_and_step()
    compiled = al.compile(step)
    for n in (4, 4, 4, 2, 2, 2):  # a last, smaller batch
        compiled(np.ones((n, 3)))
    assert len(compiled.programs) == 2
    with al.no_grad():
        W.data = np.ones((3, 5))  # same object, new shape: the guard sees it
    W.grad = None
    loss = compiled(np.ones((4, 3)))
    np.testing.assert_allclose(loss.item(), np.tanh(3.0) ** 2, rtol=1e-14)


def test_inputs_stored_in_another_memory_order_get_programs_of_their_own():
    """The max VJP reorders its gradient to its input's memory order, so a batch stored
    transposed traces other operations: strides are part of the signature (as torch.compile
    guards on them), and alternating orders compile both, with eager's numbers."""
    values = np.random.default_rng(0).standard_normal((4, 5, 6))
    G = np.random.default_rng(1).standard_normal((4, 6))

    def step(x):
        y = x.max(axis=1)
        (y * G).sum().backward()
        return y, x.grad

    compiled = al.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback to eager
        for data in (values, np.asfortranarray(values)) * 3:
            x = Tensor(data, requires_grad=True)
            y, g = compiled(x)
            reference = Tensor(data.copy(order="K"), requires_grad=True)
            y_eager, g_eager = step(reference)
            np.testing.assert_array_equal(y.data, y_eager.data)
            np.testing.assert_array_equal(g.data, g_eager.data)
    assert len(compiled.programs) == 2


def test_reading_values_in_python_falls_back_to_eager_naming_the_line():
    W, _ = params_and_step()

    def branching(x):
        loss = ((x @ W) ** 2).mean()
        if loss.item() > 1.0:  # a Python branch on a value: a replay would freeze it
            loss = loss * 0.5
        loss.backward()
        return loss

    compiled = al.compile(branching)
    with pytest.warns(UserWarning, match=r"reads a tensor's values into Python \(\.item\(\)\) at .*test_compile\.py"):
        compiled(np.ones((2, 3)))
    W.grad = None
    small = compiled(np.full((2, 3), 0.01))  # eager from now on: the branch follows the values
    np.testing.assert_allclose(small.item(), ((np.full((2, 3), 0.01) @ W.data) ** 2).mean(), rtol=1e-14)
    with pytest.raises(al.NotCompilable, match=r"\.item\(\)"):
        al.compile(branching, strict=True)(np.ones((2, 3)))


@pytest.mark.parametrize("what", ["data", "float", "bool", "numpy"])
def test_every_way_of_reading_values_is_seen(what):
    W, _ = params_and_step()
    read = {"data": lambda t: t.data, "float": lambda t: float(t.sum()), "bool": lambda t: bool(t.sum() > 0),
            "numpy": lambda t: np.asarray(t)}[what]

    def fn(x):
        y = x @ W
        read(y)
        loss = y.sum()
        loss.backward()
        return loss

    with pytest.raises(al.NotCompilable, match="reads a tensor's values"):
        al.compile(fn, strict=True)(np.ones((2, 3)))


def test_random_draws_inside_fall_back():
    W, _ = params_and_step()

    def noisy(x):
        loss = ((x + np.random.randn(*x.shape)) @ W).sum()
        loss.backward()
        return loss

    with pytest.raises(al.NotCompilable, match="random numbers"):
        al.compile(noisy, strict=True)(np.ones((2, 3)))


def test_a_value_computed_outside_the_traced_operations_is_caught_by_the_second_trace():
    W, _ = params_and_step()

    def normalised(x):
        scale = np.abs(x).max()  # numpy on the input: a constant in the trace
        loss = ((x / scale) @ W).sum()
        loss.backward()
        return loss

    compiled = al.compile(normalised)
    compiled(np.ones((2, 3)))
    with pytest.warns(UserWarning, match="differs between two calls"):
        compiled(np.arange(6.0).reshape(2, 3))
    W.grad = None
    x = np.arange(6.0).reshape(2, 3) ** 2
    out = compiled(x)  # eager from now on: right for every input
    np.testing.assert_allclose(out.item(), ((x / 25.0) @ W.data).sum(), rtol=1e-14)


def test_higher_order_and_in_place_updates_are_refused_clearly():
    W, _ = params_and_step()

    def hvp(x):
        (g,) = al.grad(((x @ W) ** 3).sum(), [W], create_graph=True)
        g.sum().backward()
        return g

    with pytest.raises(al.NotCompilable, match="create_graph"):
        al.compile(hvp, strict=True)(np.ones((2, 3)))

    def with_update(x):
        loss = (x @ W).sum()
        loss.backward()
        with al.no_grad():
            W.sub_(0.1 * W.grad)
        return loss

    with pytest.raises(al.NotCompilable, match="changes a tensor in place.*optimizer outside"):
        al.compile(with_update, strict=True)(np.ones((2, 3)))


def test_returning_a_live_graph_is_refused():
    W, _ = params_and_step()
    with pytest.raises(al.NotCompilable, match="graph is still there"):
        al.compile(lambda x: x @ W, strict=True)(np.ones((2, 3)))


def test_no_warning_for_a_plain_training_step():
    W, step = params_and_step()
    compiled = al.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(4):
            W.grad = None
            compiled(np.ones((4, 3)))
    assert len(compiled.programs) == 1


@pytest.mark.parametrize("loss", ["folded", "replayed"])
def test_a_replay_runs_the_forward_as_eager_and_the_vjps_as_a_plain_backward(loss):
    """where(mask, x, 0.0) gives +0.0 off the mask (as np.where and torch.where); its VJP in a
    plain backward keeps the gradient by multiplying it with the mask (-1 * 0 = -0.0), which is
    twice as fast on large arrays. A replay does both the same way, sign of zero included,
    whether that gradient is a constant (folded when compiling) or computed on every call."""
    rng = np.random.default_rng(0)
    mask = rng.random((64, 32)) > 0.5  # 2,048 elements: MASK_PRODUCT_MIN_SIZE

    def step(x):
        y = al.where(mask, x, 0.0)
        ((y * -1.0).sum() if loss == "folded" else (y * y).sum() * -1.0).backward()
        with al.no_grad():
            return y * 1.0

    compiled = al.compile(step)
    for _ in range(4):
        x = Tensor(rng.standard_normal((64, 32)), requires_grad=True)
        y = compiled(x)
        x_eager = Tensor(x.data, requires_grad=True)
        y_eager = step(x_eager)
        for got, want in ((y.data, y_eager.data), (x.grad.data, x_eager.grad.data)):
            np.testing.assert_array_equal(got, want)
            np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
        assert not np.signbit(y.data[~mask]).any() and np.signbit(x.grad.data[~mask]).all()
    assert compiled.programs


def test_a_small_masks_vjp_is_replayed_as_one_numpy_call():
    """Below MASK_PRODUCT_MIN_SIZE a plain backward's where is np.where itself (one call, no
    sum): the replay calls np.where directly, not through the Python function that chooses."""
    from autograd_lite.ops import MASK_PRODUCT_MIN_SIZE, _mask_select

    def relu_step(W):
        def step(x):
            loss = (x * W).relu().sum()
            loss.backward()
            return loss
        return step

    for shape, chooser in (((4, 3), False), ((MASK_PRODUCT_MIN_SIZE,), True)):
        W = Tensor(np.linspace(-1.0, 1.0, shape[-1]), requires_grad=True)
        compiled = al.compile(relu_step(W))
        for _ in range(3):
            W.grad = None
            compiled(np.ones(shape))
        (program,) = compiled.programs.values()
        functions = [v for k, v in program.run_program.__globals__.items() if k[0] == "F" and k[1:].isdigit()]
        assert any(f is _mask_select for f in functions) is chooser
        where = (np.where, getattr(np.where, "_implementation", np.where))  # without its dispatch: the same C function
        assert any(f in where for f in functions) is not chooser


def test_a_none_in_the_result_is_replayed_as_none():
    """al.grad(..., allow_unused=True) gives None for an input the loss does not use; the
    program crashed while compiling such a result (a TypeError from inside compile)."""
    def fn(x, y):
        loss = (x * 2.0).sum()
        return (loss, *al.grad(loss, [x, y], allow_unused=True))

    compiled = al.compile(fn, strict=True)
    for k in range(4):
        x, y = Tensor(np.full(3, float(k)), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
        loss, gx, gy = compiled(x, y)
        assert loss.item() == 6.0 * k and gx.data.tolist() == [2.0] * 3 and gy is None
    assert compiled.programs


def test_a_tensor_made_from_an_argument_is_a_copy_of_each_calls_value():
    """Tensor(xb) copies xb, and as_tensor(s) of a 0-d array makes a new numpy number: neither
    is a constant, even when the two traced calls see the same values (they did freeze)."""
    w = Tensor(np.ones(3), requires_grad=True)

    def step(xb, s):
        x = Tensor(xb)
        loss = (x * w).sum() * al.as_tensor(s) + al.where(al.greater(s, 0.0), 1.0, -1.0)
        loss.backward()
        return loss

    compiled = al.compile(step, strict=True)
    for batch, s in ((1.0, 0.5), (1.0, 0.5), (2.0, -0.25), (5.0, 3.0)):
        w.grad = None
        loss = compiled(np.full(3, batch), np.array(s))
        assert loss.item() == 3 * batch * s + (1.0 if s > 0 else -1.0)
        assert w.grad.data.tolist() == [batch * s] * 3
    assert compiled.programs


def test_a_tensor_made_from_a_list_of_traced_values_is_not_compiled():
    """0-d array arguments share a signature whatever their values: without the check, the
    two traces' equal values froze the list into a constant."""
    def step(a, b):
        return (Tensor([a, b]) * 2.0,)

    compiled = al.compile(step)
    with pytest.warns(UserWarning, match="list or tuple that holds traced values"):
        for k in (1.0, 1.0, 2.0, 3.0):
            (out,) = compiled(np.array(k), np.array(1.0))
            assert out.data.tolist() == [2.0 * k, 2.0]
    assert not compiled.programs


def test_numpys_views_of_an_array_argument_are_not_frozen():
    """xb[:, 0] or xb.T is computed by numpy, outside the traced operations: a constant to the
    trace, which froze it when the two traces saw the same batch."""
    w = Tensor(np.ones(3))
    steps = {"Tensor(xb[:, 0])": lambda xb: ((Tensor(xb[:, 0]) * w).sum(),),
             "x * xb.T": lambda xb: ((w * xb.T).sum(),)}
    for name, step in steps.items():
        compiled = al.compile(step)
        with pytest.warns(UserWarning, match="a view of an array argument made by numpy"):
            for k in (1.0, 1.0, 2.0, 3.0):
                xb = np.full((3, 3), k)
                assert compiled(xb)[0].item() == step(xb)[0].item(), name
        assert not compiled.programs, name


def test_a_tensor_made_from_an_array_subclass_argument_is_not_compiled():
    """np.array drops a subclass (Tensor() does), its astype keeps it: a masked array's copy
    replayed through its mask, a matrix multiplied as matrices."""
    def step(m):
        return ((Tensor(m) * Tensor(m)).sum(),)

    compiled = al.compile(step)
    with pytest.warns(UserWarning, match="an argument of type MaskedArray"):
        for k in (1.0, 1.0, 2.0):
            m = np.ma.masked_array([k, 10.0, 100.0], mask=[False, True, False])
            assert compiled(m)[0].item() == step(m)[0].item()
    assert not compiled.programs


def test_a_copy_of_a_parameter_not_used_yet_follows_its_updates():
    w = Tensor(np.ones(3))

    def step(x):
        snapshot = Tensor(w)  # before w takes part in any operation
        return ((x * snapshot).sum(),)

    compiled = al.compile(step, strict=True)
    x = Tensor(np.full(3, 2.0))
    for value in (1.0, 1.0, 0.5, 0.0):
        w.data = np.full(3, value)
        assert compiled(x)[0].item() == 6.0 * value
    assert compiled.programs


def test_an_errstate_inside_the_function_holds_on_replays():
    """log(0) = -inf under np.errstate(divide="ignore") inside the function, folded (a constant
    mask) and live: replays neither warn nor raise where eager does neither."""
    def step(x):
        with np.errstate(divide="ignore"):
            mask = al.log(Tensor(np.tril(np.ones((3, 3)))))  # constants only: folded
            logs = al.log(x)  # live
        return ((x + mask).sum() + logs.sum(),)

    compiled = al.compile(step, strict=True)
    x = Tensor(np.array([[0.0, 1.0, 2.0]] * 3))
    for _ in range(4):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with np.errstate(all="raise"):
                assert compiled(x)[0].item() == step(x)[0].item() == -np.inf
    (program,) = compiled.programs.values()
    assert program.source.count("np.errstate") == 1  # around the live log; the mask's is folded


def test_a_replayed_0d_bool_is_a_numpy_bool():
    """As in eager: Tensor(m) of a 0-d bool array holds np.True_ or np.False_. (The two traced
    calls give a 0-d array: the trace numbers values by identity, and np.True_ is one shared
    object.)"""
    def step(m):
        return (Tensor(m), Tensor(m) & Tensor(True))

    compiled = al.compile(step, strict=True)
    for call, v in enumerate((True, True, False, True)):
        for out in compiled(np.array(v)):
            assert out.data == v
            assert call < 2 or type(out.data) is np.bool_
    assert compiled.programs


def test_a_0d_comparison_on_numpy_values_stays_a_traced_value():
    """ops on plain numpy values are traced too; a 0-d comparison's numpy bool (np.True_ is one
    shared object) is handed back as the 0-d array the trace numbered, not as a constant."""
    from autograd_lite import ops

    def step(x):
        return (Tensor(2.0) * ops.where(ops.greater_equal(x, 0.0), x, ops.neg(x)),)

    compiled = al.compile(step, strict=True)
    for s in (0.5, 0.5, -0.25, 3.0):
        (out,) = compiled(np.array(s))
        assert out.item() == 2.0 * abs(s)
    assert compiled.programs


def test_gradients_accumulated_over_calls_compile_and_match_eager():
    """.grad kept between calls (no zero_grad): each call adds to it. With float32 parameters
    and a float64 weight, every gradient is cast back as a new Tensor and the one added to
    .grad is dropped; its id came back as another's, which was then copied, so the traces
    differed and the step never compiled."""
    def make():
        return [Tensor(np.ones(3, np.float32), requires_grad=True) for _ in range(2)]

    W = np.array([0.5, -1.0, 2.0])

    def step_for(a, b):
        def step(x):
            loss = ((x * a + b) * W).sum()
            loss.backward()
            return loss
        return step

    (a, b), (a_eager, b_eager) = make(), make()
    compiled = al.compile(step_for(a, b), strict=True)
    eager = step_for(a_eager, b_eager)
    for call in range(5):
        x = np.full(3, float(call), np.float32)
        assert compiled(Tensor(x)).data == eager(Tensor(x)).data
    for p, q in ((a, a_eager), (b, b_eager)):
        assert p.grad.dtype == np.float32 and p.grad.data.tobytes() == q.grad.data.tobytes()
    assert compiled.programs


def test_a_copied_gradient_keeps_eagers_memory_order():
    """A gradient that is a view is copied before it becomes .grad: eager with np.array (in
    the view's memory order), a trace with clone, which made a C-ordered copy (same numbers,
    other strides, so a later sum over it could round differently). clone keeps the order, as
    torch.clone does."""
    t = Tensor(np.arange(6.0).reshape(2, 3).T)
    assert t.clone().data.strides == t.data.strides == (8, 24)

    def step(x):
        loss = (x.T * np.arange(6.0).reshape(2, 3)).sum()  # x's gradient: a transposed view
        loss.backward()
        return loss

    compiled = al.compile(step, strict=True)
    for k in range(4):
        x, x_eager = (Tensor(np.full((3, 2), float(k)), requires_grad=True) for _ in range(2))
        compiled(x), step(x_eager)
        assert x.grad.data.strides == x_eager.grad.data.strides
        assert x.grad.data.tobytes() == x_eager.grad.data.tobytes()
    assert compiled.programs


def test_a_number_argument_is_told_apart_by_its_bits():
    """0.0 == -0.0 and nan != nan: as signature keys, step(x, -0.0) replayed step(x, 0.0)'s
    program (signs of zero flipped), and x + nan never compiled."""
    def step(x, c):
        return (x * c,)

    compiled = al.compile(step, strict=True)
    x = Tensor(np.array([1.0, -1.0]))
    for c in (0.0, 0.0, -0.0, -0.0, 0.0):
        (out,) = compiled(x, c)
        assert np.signbit(out.data).tolist() == np.signbit(x.data * c).tolist()
    assert len(compiled.programs) == 2

    def add_nan(x):
        return (x + float("nan"),)

    compiled = al.compile(add_nan, strict=True)
    for _ in range(3):
        assert np.isnan(compiled(x)[0].data).all()
    assert compiled.programs

    compiled = al.compile(step, strict=True)
    nan = float("nan")
    for c in (nan, nan, -nan, -nan):  # the sign of a nan is a bit too
        (out,) = compiled(x, c)
        assert np.signbit(out.data).tolist() == np.signbit(x.data * c).tolist()
    assert len(compiled.programs) == 2


def test_indexing_by_an_integer_array_argument_compiles():
    """W[idx]: while tracing, the VJP saw the index as a Tensor, which np.add.at refused (every
    compiled call raised a TypeError)."""
    W = Tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)

    def step(idx):
        loss = (W[idx] ** 2).sum()
        loss.backward()
        return loss

    compiled = al.compile(step, strict=True)
    for idx in ([0, 2, 2], [0, 2, 2], [1, 3, 1], [3, 3, 0]):
        W.grad = None
        loss = compiled(np.array(idx))
        want = Tensor(W.data, requires_grad=True)
        (want[np.array(idx)] ** 2).sum().backward()
        assert loss.item() == (W.data[idx] ** 2).sum() and W.grad.data.tolist() == want.grad.data.tolist()
    assert compiled.programs


def test_the_array_a_batch_is_a_slice_of_is_not_refused():
    """A constant that contains the argument's memory (the dataset, the batch X[a:b]) does not
    change with the batch; only what lies within the argument is numpy's view of it."""
    X = np.arange(24.0).reshape(8, 3)

    def step(xb):
        return ((Tensor(xb) - Tensor(X).mean(0)).sum(),)

    compiled = al.compile(step, strict=True)
    for a in (0, 0, 2, 4):
        assert compiled(X[a:a + 2])[0].item() == step(X[a:a + 2])[0].item()
    assert compiled.programs


def test_a_view_of_an_argument_wrapped_without_a_copy_is_refused():
    """as_tensor(xb[:, 0]) and a loss's target yb[:, None] wrap numpy's view as it is: frozen
    when the two traces saw the same batch."""
    w = Tensor(np.ones(2))
    steps = {"as_tensor(xb[:, 0])": lambda xb: ((al.as_tensor(xb[:, 0]) * w).sum(),),
             "mse(pred, xb[:, 0])": lambda xb: (al.mse(Tensor(xb) @ w, xb[:, 0]),)}
    for name, step in steps.items():
        compiled = al.compile(step)
        with pytest.warns(UserWarning, match="a view of an array argument made by numpy"):
            for k in (1.0, 1.0, 2.0, 3.0):
                xb = np.full((2, 2), k) + np.eye(2)
                assert compiled(xb)[0].item() == step(xb)[0].item(), name
        assert not compiled.programs, name


def test_one_hot_of_label_arguments_is_traced():
    def step(x, labels):
        loss = ((x - al.one_hot(labels, 3)) ** 2).sum()
        loss.backward()
        return loss

    compiled = al.compile(step, strict=True)
    for labels in ([0, 1], [0, 1], [2, 2], [1, 0]):
        x, x_eager = (Tensor(np.full((2, 3), 0.5), requires_grad=True) for _ in range(2))
        assert compiled(x, np.array(labels)).item() == step(x_eager, np.array(labels)).item()
        assert x.grad.data.tolist() == x_eager.grad.data.tolist()
    assert compiled.programs


def test_the_callers_errstate_at_trace_time_does_not_stick():
    """Traced under the caller's np.errstate, replayed under another: an errstate set inside
    the function holds whatever the caller's, and one the caller set while tracing does not."""
    def inside(x):
        with np.errstate(all="ignore"):
            return (x * 1e-300 * 1e-300 + x * 1e300 * 1e300,)  # underflow and overflow, ignored inside

    compiled = al.compile(inside, strict=True)
    x = Tensor(np.array([1.0, 2.0]))
    for _ in range(3):
        compiled(x)
    with np.errstate(all="raise"):
        assert compiled(x)[0].data.tolist() == inside(x)[0].data.tolist()
    (program,) = compiled.programs.values()
    assert program.source.count("np.errstate") == 1  # one block around the run of operations

    def outside(x):
        return ((Tensor(np.array(1e300)) * 1e10 + x).sum(),)  # constants only: an overflow

    compiled = al.compile(outside, strict=True)
    with np.errstate(over="ignore"):  # a quiet warm-up: both traces
        for _ in range(2):
            compiled(x)
    with pytest.warns(RuntimeWarning, match="overflow"):
        compiled(x)
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        compiled(x)
