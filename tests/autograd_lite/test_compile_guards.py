"""What a compiled program must not take from its traces: the shape a boolean mask selects, the
gradient given to backward(), grad mode, which tensors share an array, and the checks of values
that eager makes on every call. Each case calls the compiled function next to eager, with new
values after the two traces."""

import warnings

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor


def test_a_boolean_mask_from_the_data_makes_the_function_run_eagerly():
    """x[mask] has as many rows as the mask selects: a replay kept the traced count, and mean's
    gradient divided by it (three times too large here)."""
    W = Tensor(np.array([[0.5], [-0.25]]), requires_grad=True)
    x = Tensor(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))

    def step(y):
        pred = x @ W
        keep = al.logical_not(al.isnan(y))
        loss = ((pred[keep] - y[keep]) ** 2).mean()
        loss.backward()
        return loss

    compiled = al.compile(step)
    with pytest.warns(UserWarning, match="boolean mask"):
        for y in ([1.0, np.nan, np.nan], [2.0, np.nan, np.nan], [1.0, 2.0, 3.0]):
            W.grad = None
            loss = compiled(Tensor(np.array(y).reshape(3, 1)))
    got = W.grad.data.copy()
    W.grad = None
    want = step(Tensor(np.array([1.0, 2.0, 3.0]).reshape(3, 1)))
    assert loss.item() == want.item()
    np.testing.assert_array_equal(got, W.grad.data)
    assert not compiled.programs


def test_a_boolean_mask_argument_large_enough_for_buffers_makes_the_function_run_eagerly():
    def f(x, mask):
        return al.exp(x[mask]).sum()

    compiled = al.compile(f)
    x1, x2 = np.linspace(-1.0, 1.0, 4000), np.full(4000, -1.0)
    x2[7] = 0.5
    with pytest.warns(UserWarning, match="boolean mask"):
        for x in (x1, x1, x2):
            got = compiled(Tensor(x), x > 0)
    assert got.item() == f(Tensor(x2), x2 > 0).item() == np.exp(0.5)


def test_a_constant_boolean_mask_still_compiles():
    mask = np.array([True, False, True, True])

    def step(x):
        loss = (x[mask] ** 2).sum()
        loss.backward()
        return loss

    compiled = al.compile(step)
    rng = np.random.default_rng(0)
    for _ in range(4):
        data = rng.standard_normal(4)
        x, x_eager = Tensor(data, requires_grad=True), Tensor(data, requires_grad=True)
        assert compiled(x).item() == step(x_eager).item()
        np.testing.assert_array_equal(x.grad.data, x_eager.grad.data)
    assert compiled.programs


@pytest.mark.parametrize("how", ["backward", "grad"])
@pytest.mark.parametrize("kind", ["tensor", "array"])
def test_the_gradient_given_to_backward_is_read_on_every_call(how, kind):
    W = Tensor([1.0, 2.0, 3.0], requires_grad=True)

    def step(x, v):
        out = al.tanh(W * x)
        if how == "backward":
            out.backward(gradient=v)
            return out.detach(), W.grad
        return out.detach(), al.grad(out, [W], grad_outputs=[v])[0]

    compiled = al.compile(step)
    x = Tensor([0.5, -0.25, 1.0])
    for v in ([1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [0.0, 5.0, 0.0], [2.0, -1.0, 3.0]):
        v = Tensor(v) if kind == "tensor" else np.array(v)
        W.grad = None
        _, got = compiled(x, v)
        got = got.data.copy()
        W.grad = None
        _, want = step(x, v)
        np.testing.assert_array_equal(got, want.data)
    assert compiled.programs


def test_a_function_compiled_under_no_grad_records_in_grad_mode():
    W = Tensor([1.0, 2.0, 3.0], requires_grad=True)

    def forward(x):
        return al.tanh(W * x).sum()

    compiled = al.compile(forward)
    with al.no_grad():
        compiled(Tensor([1.0, 1.0, 1.0]))
        compiled(Tensor([2.0, 2.0, 2.0]))
        compiled(Tensor([3.0, 3.0, 3.0]))
    for f in (compiled, forward):
        W.grad = None
        with warnings.catch_warnings():  # in grad mode it returns a graph: a program of its own runs it eagerly
            warnings.simplefilter("ignore")
            loss = f(Tensor([0.5, 0.5, 0.5])) + 0.1 * (W ** 2).sum()
        loss.backward()
        if f is compiled:
            got = W.grad.data.copy()
    np.testing.assert_array_equal(got, W.grad.data)
    assert not np.array_equal(got, 0.2 * W.data)  # the tanh term's gradient is in


def test_a_training_step_compiled_in_grad_mode_raises_under_no_grad_as_eager():
    W = Tensor([1.0, 2.0], requires_grad=True)

    def step(x):
        loss = (W * x).sum()
        loss.backward()
        return loss

    compiled = al.compile(step)
    for _ in range(3):
        compiled(Tensor([1.0, 2.0]))
    with al.no_grad():
        with pytest.raises(RuntimeError) as eager:
            step(Tensor([1.0, 2.0]))
        with pytest.raises(RuntimeError) as replay:
            compiled(Tensor([1.0, 2.0]))
    assert str(replay.value) == str(eager.value)


def affine_loss_and_grads(W, b, x):
    loss = (al.affine(x, W, b) ** 2).sum()
    return (loss, *al.grad(loss, [W, b]))


@pytest.mark.parametrize("rewrap", [False, True], ids=["same parameters", "parameters rewrapped each epoch"])
def test_parameters_passed_as_arguments_replay_one_program(rewrap):
    """The benchmark's form (the same parameter objects every call, new data), and a loop that
    wraps its parameters anew each epoch: keying such arguments by identity, tried against the
    dist(W) limitation, compiled one program per epoch there and ran eagerly after 32."""
    W0, b0 = np.ones((2, 3)), np.zeros(3)
    compiled = al.compile(affine_loss_and_grads)
    rng = np.random.default_rng(1)
    params = [Tensor(W0, requires_grad=True), Tensor(b0, requires_grad=True)]
    for _ in range(5):
        if rewrap:
            params = [Tensor(W0, requires_grad=True), Tensor(b0, requires_grad=True)]
        for _ in range(3):
            x = Tensor(rng.standard_normal((4, 2)))
            for g, w in zip(compiled(*params, x), affine_loss_and_grads(*params, x)):
                np.testing.assert_array_equal(g.data, w.data)
    assert len(compiled.programs) == 1


def test_a_captured_tensor_sharing_a_parameters_array_is_checked_on_every_call():
    """W0 = W.detach() shares W's array: the trace read W0 as W. Once W.data is a new array
    (load_state_dict, astype), the two differ, and a replay must see it."""
    W = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    W0 = W.detach()

    def step(x):
        loss = (W * x).sum() + ((W - W0) ** 2).sum()
        loss.backward()
        return loss

    compiled = al.compile(step)
    x = Tensor([1.0, 1.0, 1.0])
    for _ in range(3):
        W.grad = None
        assert compiled(x).item() == 6.0
    W.data = W.numpy() + 1.0
    for f in (compiled, step, compiled):
        W.grad = None
        assert f(x).item() == 12.0
        np.testing.assert_array_equal(W.grad.data, [3.0, 3.0, 3.0])


CHECKED_CALLS = {
    "cross_entropy class index": (lambda z, t: al.cross_entropy(z, t), np.array([0, 2]), np.array([0, -1])),
    "cross_entropy float index": (lambda z, t: al.cross_entropy(z, t), np.array([0.0, 2.0]), np.array([0.0, 1.5])),
    "one_hot class index": (lambda z, t: (z * al.one_hot(t, 3)).sum(), np.array([0, 2]), np.array([3, 0])),
    "bce target": (lambda z, t: al.bce(al.sigmoid(z[:, 0]), t), np.array([0.0, 1.0]), np.array([2.0, 0.0])),
}


@pytest.mark.parametrize("name", CHECKED_CALLS)
def test_a_replay_checks_the_values_eager_checks(name):
    """Class indices in range, probabilities in [0, 1]: eager checks them on every call in
    Python, which a replay skipped (a class index of -1 picked the last class, silently)."""
    loss_fn, good, bad = CHECKED_CALLS[name]
    W = Tensor(np.eye(3), requires_grad=True)

    def step(x, t):
        loss = loss_fn(x @ W, t)
        loss.backward()
        return loss

    compiled = al.compile(step, strict=True)
    x = Tensor(np.arange(6.0).reshape(2, 3) / 6.0)
    for _ in range(3):
        W.grad = None
        compiled(x, good)
    assert compiled.programs
    with pytest.raises(ValueError) as eager:
        step(x, bad)
    W.grad = None
    with pytest.raises(ValueError) as replay:
        compiled(x, bad)
    assert str(replay.value) == str(eager.value)
    assert W.grad is None  # raised before the backward, as eager


def test_an_argument_or_a_parameter_returned_is_that_tensor():
    """Eager returns the objects themselves; a replay returned new tensors without grad."""
    W = Tensor([1.0, 2.0], requires_grad=True)

    def step(x):
        loss = (W * x).sum()
        loss.backward()
        return loss, W, x

    compiled = al.compile(step)
    for k in range(4):
        x = Tensor([1.0, float(k)], requires_grad=True)
        loss, w, same_x = compiled(x)
        assert w is W and same_x is x and w.requires_grad
        np.testing.assert_array_equal(x.grad.data, W.data)
    assert compiled.programs


def test_an_argument_given_twice_is_returned_as_a_new_tensor():
    """Traced as f(a, a), 'the first argument' and 'the second' are one object: a replay of
    f(b, c) returned c for the first. Ambiguous, so the value comes back in a new tensor."""
    def f(p, q):
        return p, (p * q).sum()

    compiled = al.compile(f)
    a = Tensor([1.0, 2.0])
    compiled(a, a)
    compiled(a, a)
    shared = np.array([3.0, 4.0])
    b, c = Tensor(shared), Tensor(shared)
    b._data = c._data = shared  # two tensors holding one array: f(a, a)'s signature
    first, total = compiled(b, c)
    assert first is not c and first.data.tolist() == [3.0, 4.0] and total.item() == 25.0
