"""Backward-pass semantics: reuse, accumulation, freeing, errors, grad(), higher order, memory."""

import gc
import sys
import threading
import warnings
import weakref

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Node, Tensor
from autograd_lite.primitive import unary


def test_micrograd_readme_example():
    """micrograd's own test expression, with the values micrograd and PyTorch print."""
    a = Tensor(-4.0, requires_grad=True)
    b = Tensor(2.0, requires_grad=True)
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    assert g.item() == pytest.approx(24.7041, abs=1e-4)
    g.backward()
    assert a.grad.item() == pytest.approx(138.8338, abs=1e-4)
    assert b.grad.item() == pytest.approx(645.5773, abs=1e-4)


def test_reused_node_gradients_are_summed():
    a = Tensor(3.0, requires_grad=True)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad.item() == 4.0


def test_fan_out_through_nonlinear_ops():
    x = Tensor(0.7, requires_grad=True)
    y = (x.sin() + x.sin()).sin()
    y.backward()
    expected = np.cos(2 * np.sin(0.7)) * 2 * np.cos(0.7)
    assert x.grad.item() == pytest.approx(expected, rel=1e-14)


def test_diamond_graph():
    x = Tensor([0.5, -1.0], requires_grad=True)
    a = x * 2
    b = a.exp()
    c = a * b  # a reaches c directly and through b
    c.sum().backward()
    xd = x.data
    np.testing.assert_allclose(x.grad.data, 2 * np.exp(2 * xd) * (1 + 2 * xd), rtol=1e-14)


def test_leaves_accumulate_until_zeroed():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [6.0, 6.0])
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


def test_second_backward_through_a_freed_graph_raises():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])  # unchanged by the failed call


def test_retain_graph_allows_a_second_backward():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [4.0, 8.0])


def test_shared_subgraph_is_freed_by_the_first_backward():
    x = Tensor(2.0, requires_grad=True)
    h = x.exp()
    (h * 2).backward()
    with pytest.raises(RuntimeError, match="exp"):
        (h * 3).backward()


def test_implicit_gradient_needs_one_element():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"one-element output, got shape \(3,\)"):
        (x * 2).backward()


def test_explicit_gradient_gives_a_vector_jacobian_product():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).backward(gradient=np.array([1.0, 0.0, -1.0]))
    np.testing.assert_array_equal(x.grad.data, [2.0, 0.0, -6.0])


def test_gradient_of_the_wrong_shape_is_refused():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        (x * 2).backward(gradient=np.ones(2))


def test_backward_on_a_tensor_without_grad_is_a_clear_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (Tensor([1.0]) * 2).sum().backward()
    x = Tensor([1.0], requires_grad=True)
    with al.no_grad():
        y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="no_grad"):
        y.backward()


def test_backward_on_a_leaf_fills_its_own_grad():
    x = Tensor(5.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


def test_inputs_that_do_not_require_grad_get_no_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([3.0, 4.0])
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])


def test_leaf_grads_do_not_share_memory():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad.data, b.grad.data)
    a.grad.data[0] = 100.0
    assert b.grad.data[0] == 1.0


def test_grad_returns_gradients_without_touching_dot_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = Tensor([3.0, 4.0], requires_grad=True)
    gx, gy = al.grad((x * y).sum(), [x, y])
    np.testing.assert_array_equal(gx.data, [3.0, 4.0])
    np.testing.assert_array_equal(gy.data, [1.0, 2.0])
    assert x.grad is None and y.grad is None


def test_grad_with_respect_to_an_intermediate():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    (gh,) = al.grad((h * h).sum(), [h])
    np.testing.assert_array_equal(gh.data, 2 * h.data)


def test_grad_of_an_unused_input():
    x = Tensor(1.0, requires_grad=True)
    z = Tensor(1.0, requires_grad=True, name="z")
    with pytest.raises(RuntimeError, match=r"inputs\[1\] \('z'\) was not used.*allow_unused=True"):
        al.grad(x * 2, [x, z])
    gx, gz = al.grad(x * 2, [x, z], allow_unused=True)
    assert gx.item() == 2.0 and gz is None


def test_grad_of_an_input_without_grad_is_an_error():
    x = Tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"inputs\[0\] does not require grad"):
        al.grad(x * 2, [Tensor(1.0)])


def test_grad_of_several_outputs_sums_them():
    x = Tensor(2.0, requires_grad=True)
    (g,) = al.grad([x * x, x * 3], [x], grad_outputs=[np.array(1.0), np.array(2.0)])
    assert g.item() == 4.0 + 6.0


def test_second_and_third_derivatives():
    x = Tensor(0.3, requires_grad=True)
    (d1,) = al.grad(x.sin(), [x], create_graph=True)
    (d2,) = al.grad(d1, [x], create_graph=True)
    (d3,) = al.grad(d2, [x])
    assert d1.item() == pytest.approx(np.cos(0.3), rel=1e-14)
    assert d2.item() == pytest.approx(-np.sin(0.3), rel=1e-14)
    assert d3.item() == pytest.approx(-np.cos(0.3), rel=1e-14)


def test_hessian_vector_product(rng):
    """f(W) = mean(tanh(X W)^2): H v from grad-of-grad against central differences of the gradient."""
    X = Tensor(rng.standard_normal((5, 3)))
    W = Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    v = rng.standard_normal((3, 2))

    def f(w):
        return ((X @ w).tanh() ** 2).mean()

    (g,) = al.grad(f(W), [W], create_graph=True)
    (hvp,) = al.grad((g * v).sum(), [W])

    def grad_at(w):
        t = Tensor(w, requires_grad=True)
        return al.grad(f(t), [t])[0].data

    eps = 1e-6
    numeric = (grad_at(W.data + eps * v) - grad_at(W.data - eps * v)) / (2 * eps)
    np.testing.assert_allclose(hvp.data, numeric, rtol=1e-6, atol=1e-9)


def test_backward_with_create_graph_gives_differentiable_grads():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    gx = x.grad
    assert gx.requires_grad
    (g2,) = al.grad(gx.sum(), [x])
    np.testing.assert_allclose(g2.data, 6 * x.data)


def test_no_grad_records_nothing():
    x = Tensor([1.0], requires_grad=True)
    with al.no_grad():
        y = x * 2
        with al.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.is_leaf
    assert z.requires_grad
    assert al.is_grad_enabled()


def test_no_grad_as_a_decorator_and_set_grad_enabled():
    x = Tensor([1.0], requires_grad=True)

    @al.no_grad()
    def double(t):
        return t * 2

    assert not double(x).requires_grad
    assert al.is_grad_enabled()
    with al.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    al.set_grad_enabled(False)
    assert not al.is_grad_enabled()
    al.set_grad_enabled(True)


def test_the_mode_decorators_switch_inside_a_generators_body():
    # a plain wrapper switched only while the generator object was made: the body then recorded
    x = Tensor([1.0], requires_grad=True)

    @al.no_grad()
    def doubled(n):
        received = yield x * 2
        for _ in range(n):
            received = yield (received, al.is_grad_enabled(), (x * 2).requires_grad)
        return "done"

    g = doubled(1)
    assert not next(g).requires_grad
    assert (x * 2).requires_grad  # the caller's mode between values
    assert g.send(5) == (5, False, False)
    with pytest.raises(StopIteration) as stop:
        next(g)
    assert stop.value.value == "done" and al.is_grad_enabled()

    @al.no_grad
    def catching():
        try:
            yield 1
        except ValueError:
            yield al.is_grad_enabled()

    g = catching()
    next(g)
    assert g.throw(ValueError("into the body")) is False and al.is_grad_enabled()

    @al.enable_grad()
    def recording():
        yield (x * 2).requires_grad

    with al.no_grad():
        assert list(recording()) == [True] and not al.is_grad_enabled()


def test_set_grad_enabled_takes_a_bool_only():
    for mode in ("no", 1, None):  # bool("no") is True: it switched recording on
        with pytest.raises(TypeError, match="True or False"):
            al.set_grad_enabled(mode)
    assert al.is_grad_enabled()
    with al.set_grad_enabled(np.False_):
        assert not al.is_grad_enabled()


def test_grad_mode_is_thread_local():
    seen = {}

    def other_thread():
        seen["enabled"] = al.is_grad_enabled()

    with al.no_grad():
        t = threading.Thread(target=other_thread)
        t.start()
        t.join()
    assert seen["enabled"] is True


def test_each_thread_records_by_its_own_grad_mode():
    # operations are what must follow the mode, not only is_grad_enabled(): the recording path
    # reads the thread-local mode only while some thread has it off
    x = Tensor(2.0, requires_grad=True)
    seen = {}
    inside, release = threading.Event(), threading.Event()

    def off_thread():
        with al.no_grad():
            seen["off thread records"] = (x * 3).requires_grad
            inside.set()
            release.wait(5)

    t = threading.Thread(target=off_thread)
    t.start()
    inside.wait(5)
    seen["main records while another thread is off"] = (x * 3).requires_grad
    with al.no_grad():
        seen["main off"] = (x * 3).requires_grad
        with al.enable_grad():
            seen["main on again"] = (x * 3).requires_grad
    release.set()
    t.join()
    assert seen == {"off thread records": False, "main records while another thread is off": True,
                    "main off": False, "main on again": True}
    assert al.mode._off.count == 0 and (x * 3).requires_grad  # every switch undone, and counted so


def test_a_failing_vjp_leaves_no_half_summed_gradient():
    boom = unary("boom", np.sin, lambda g, ans, x: 1 / 0)
    x = Tensor([1.0], requires_grad=True)
    h = x * 2
    y = boom(h) + h
    with pytest.raises(ZeroDivisionError):
        y.sum().backward(retain_graph=True)
    assert h.grad_fn.pending is None
    (h * 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0])


def test_intermediates_get_grad_only_when_they_retain_it_as_in_pytorch():
    x = Tensor(2.0, requires_grad=True)
    h = x * 3
    y = h.tanh()
    y.backward(retain_graph=True)
    with pytest.warns(UserWarning, match=r"non-leaf.*retain_grad"):  # as torch: the None is a likely mistake
        assert h.grad is None and y.grad is None
    assert x.grad.item() == pytest.approx(3 * (1 - np.tanh(6.0) ** 2))
    h.retain_grad()
    y.backward()
    assert h.grad.item() == pytest.approx(1 - np.tanh(6.0) ** 2)


def test_grad_fills_retained_gradients_on_the_way_as_pytorch():
    """al.grad leaves the leaves' .grad alone, but a tensor that called retain_grad() and lies
    between the outputs and the inputs (an input itself included) gets its .grad, as in torch."""
    x = Tensor(2.0, requires_grad=True)
    w = x * 5.0
    h = w * 3.0
    w.retain_grad()
    h.retain_grad()
    (gx,) = al.grad(h * h, [x], retain_graph=True)
    assert gx.item() == 2 * 30.0 * 15.0 and x.grad is None
    assert h.grad.item() == 60.0 and w.grad.item() == 180.0
    w.grad = h.grad = None
    al.grad(h * h, [h])  # w lies beyond the input: not reached
    assert h.grad.item() == 60.0 and w.grad is None


def test_trace_backward_gives_every_nodes_gradient_without_touching_grad():
    """What drawings ask the engine for: the gradient at every node (no state kept for them)."""
    x = Tensor(2.0, requires_grad=True)
    h = x * 3
    y = h.tanh()
    steps = al.trace_backward(y)
    grads = {s.node.op.name: s.grad for s in steps}
    assert grads["tanh"] == 1.0
    assert grads["mul"] == pytest.approx(1 - np.tanh(6.0) ** 2)
    with pytest.warns(UserWarning, match="non-leaf"):
        assert x.grad is None and h.grad is None


def test_grad_does_not_touch_any_dot_grad():
    x = Tensor(2.0, requires_grad=True)
    h = x * 3
    al.grad(h.tanh(), [x])
    assert x.grad is None
    with pytest.warns(UserWarning, match="non-leaf"):
        assert h.grad is None


def test_reading_a_missing_non_leaf_gradient_warns_once_per_read_and_only_then():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    with pytest.warns(UserWarning, match=r"computed \(non-leaf\) tensor.*retain_grad\(\)"):
        assert h.grad is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x.grad is None  # a leaf before backward: no warning
        h.retain_grad()
        assert h.grad is None  # retained, not yet computed
        (h * h).sum().backward()
        assert h.grad is not None and x.grad is not None
        h.grad = None
        assert Tensor(1.0).grad is None


def test_retain_grad_keeps_an_intermediate_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_array_equal(h.grad.data, 2 * h.data)


def test_trace_backward_records_one_step_per_node_in_order():
    x = Tensor(0.5, requires_grad=True, name="x")
    y = (x * 2).tanh()
    steps = al.trace_backward(y)
    assert [s.node.op.name for s in steps] == ["tanh", "mul"]
    assert steps[0].grad == 1.0
    assert steps[-1].leaf_grads[id(x)] == pytest.approx(2 * (1 - np.tanh(1.0) ** 2))
    assert x.grad is None
    y.backward()  # the traced graph was retained
    assert x.grad.item() == pytest.approx(2 * (1 - np.tanh(1.0) ** 2))


@pytest.mark.slow
def test_million_node_chain_backpropagates_and_frees_its_graph():
    """The README's scale: 1,000,000 nodes with the default recursion limit, the saved values
    released by backward itself. (test_deep_graphs.py proves the same on 30,000 nodes under a
    lowered limit, fast.)"""
    assert sys.getrecursionlimit() <= 10_000  # nothing raised the limit to make this pass
    n = 1_000_000
    gc.disable()  # prove that reference counting alone frees the graph
    try:
        x = Tensor(np.ones(2), requires_grad=True)
        y = x
        for i in range(n):
            y = y * 1.000001
            if i == n // 2:
                middle = weakref.ref(y.data)  # saved by the next mul for its VJP
                middle_node = weakref.ref(y.grad_fn)
        assert middle() is not None
        y.backward(gradient=np.ones(2))
        assert middle() is None  # backward dropped the saved values
        np.testing.assert_allclose(x.grad.data, 1.000001**n, rtol=1e-9)
        del y
        assert middle_node() is None  # and nothing else holds the graph: no reference cycles
    finally:
        gc.enable()


def _live(cls: type) -> int:
    return sum(1 for o in gc.get_objects() if type(o) is cls)


def test_training_loop_memory_is_flat():
    """10,000 steps of forward, backward and update: the number of live Tensors and Nodes
    at step 10,000 is the number at step 1,000."""
    rng = np.random.default_rng(0)
    X = Tensor(rng.standard_normal((8, 2)))
    Y = rng.standard_normal((8, 1))
    W1 = Tensor(rng.standard_normal((2, 4)), requires_grad=True)
    b1 = Tensor(np.zeros(4), requires_grad=True)
    W2 = Tensor(rng.standard_normal((4, 1)), requires_grad=True)
    params = [W1, b1, W2]
    counts = {}
    gc.collect()
    gc.disable()  # reference counting alone must keep it flat: a cycle per step would show here
    try:
        for step in range(1, 10_001):
            loss = al.mse(((X @ W1 + b1).tanh() @ W2).sigmoid(), Y)
            loss.backward()
            with al.no_grad():
                for p in params:
                    p.data -= 0.1 * p.grad.data
                    p.grad = None
            if step in (1_000, 10_000):
                counts[step] = (_live(Tensor), _live(Node))
    finally:
        gc.enable()
    assert counts[1_000] == counts[10_000]
    assert counts[1_000][1] > 0  # the last step's graph (held by `loss`) is counted: the check can see Nodes
