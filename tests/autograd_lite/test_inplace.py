"""In-place changes follow PyTorch's rules: refused on leaves that require grad in grad mode,
allowed under no_grad (keeping the leaf), recorded on non-leaves, and a backward through a
value that was changed after the graph saved it is refused, never silently wrong."""

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor


def test_updating_a_leaf_in_grad_mode_is_refused_with_the_fix():
    w = Tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with pytest.raises(RuntimeError, match=r"-=: this leaf tensor requires grad.*al\.no_grad\(\)"):
        w -= 0.1 * w.grad
    for change in (lambda: w.__setitem__(0, 5.0), w.zero_, lambda: w.mul_(2.0)):
        with pytest.raises(RuntimeError, match="no_grad"):
            change()
    assert w.tolist() == [1.0, 2.0] and w.version == 0


def test_the_pytorch_idiom_keeps_the_leaf_its_identity_and_its_buffer():
    w = Tensor([1.0, 2.0], requires_grad=True)
    buffer, original = w.data, w
    (w * w).sum().backward()
    with al.no_grad():
        w -= 0.1 * w.grad
    assert w is original and w.data is buffer and w.is_leaf and w.requires_grad
    np.testing.assert_allclose(w.data, [0.8, 1.6])
    assert w.version > 0
    w.grad = None
    (w * w).sum().backward()  # a later step works on the new values
    np.testing.assert_allclose(w.grad.data, [1.6, 3.2])


def test_every_in_place_form_under_no_grad():
    t = Tensor([1.0, 2.0, 4.0], requires_grad=True)
    with al.no_grad():
        t += 1.0
        t *= 2.0
        t /= 4.0
        t -= Tensor([0.5, 0.5, 0.5])
        t **= 2.0
        t[1] = 9.0
        assert t.tolist() == [0.25, 9.0, 4.0]
        t.add_(1.0).sub_(1.0).mul_(2.0).div_(2.0)
        t.copy_(np.array([3.0, 2.0, 1.0]))
        assert t.tolist() == [3.0, 2.0, 1.0]
        t.zero_()
    assert t.tolist() == [0.0, 0.0, 0.0] and t.is_leaf and t.requires_grad


def test_backward_through_a_changed_leaf_is_refused_naming_the_op():
    w = Tensor([1.0, 2.0], requires_grad=True, name="w")
    y = (w * 3.0).sum()
    with al.no_grad():
        w -= 1.0  # the optimizer ran between forward and backward
    with pytest.raises(RuntimeError, match=r"backward through 'mul': the leaf 'w' of shape \(2,\).*changed in place"):
        y.backward()


def test_changing_an_input_an_operation_does_not_save_is_fine():
    w = Tensor([1.0, 2.0], requires_grad=True)
    y = (w + 3.0).sum()  # add keeps no values for its gradient
    with al.no_grad():
        w -= 1.0
    y.backward()
    assert w.grad.tolist() == [1.0, 1.0]


def test_backward_through_a_changed_output_is_refused():
    x = Tensor([0.5, 1.0], requires_grad=True)
    y = x.exp()  # exp keeps its output: its gradient is g * e^x
    with al.no_grad():
        y += 1.0
    with pytest.raises(RuntimeError, match=r"'exp': its own output.*changed in place"):
        y.sum().backward()


def test_backward_through_a_changed_intermediate_input_is_refused():
    x = Tensor([0.5, 1.0], requires_grad=True)
    h = x * 2.0
    y = (h * h).sum()  # mul keeps h
    with al.no_grad():
        h[0] = 7.0
    with pytest.raises(RuntimeError, match=r"backward through 'mul': the output of 'mul'"):
        y.backward()


def test_in_place_on_a_non_leaf_in_grad_mode_is_recorded():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    node_before = h.grad_fn
    h += x * x  # h = 3x + x^2, recorded
    assert h.grad_fn is not node_before and h.grad_fn.op.name == "add"
    h *= 2.0  # h = 6x + 2x^2
    h.sum().backward()
    np.testing.assert_allclose(x.grad.data, 6.0 + 4.0 * x.data)


def test_item_assignment_of_a_tensor_that_requires_grad_is_recorded():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = Tensor(10.0, requires_grad=True)
    h = x * 1.0
    h[1] = v * 2.0
    (h * Tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 3.0]  # the overwritten place gets no gradient
    assert v.grad.item() == 4.0  # d(2v * 2)/dv


def test_a_graph_that_saved_a_constant_keeps_its_values():
    """A tensor that does not require grad and was saved by a graph gets a new buffer when
    changed: the graph computes with the values it saw."""
    c = Tensor([2.0, 3.0])
    w = Tensor([1.0, 1.0], requires_grad=True)
    y = (w * c).sum()
    c += 100.0
    y.backward()
    assert w.grad.tolist() == [2.0, 3.0] and c.tolist() == [102.0, 103.0]


def test_a_detached_tensor_changed_in_place_leaves_the_graph_intact():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    d = h.detach()
    y = (h * h).sum()
    d.zero_()
    y.backward()
    assert x.grad.tolist() == [8.0, 16.0] and h.tolist() == [2.0, 4.0]


def test_in_place_cannot_change_shape_or_lose_the_dtype():
    t = Tensor([1.0, 2.0])
    with pytest.raises(ValueError, match=r"\+=.*shape \(2,\)"):
        t += np.ones((2, 2))
    i = Tensor(np.array([1, 2]))
    with pytest.raises(TypeError, match=r"\+="):
        i += 0.5
    f32 = Tensor(np.ones(2, dtype=np.float32))
    f32 += np.ones(2)  # float64 into float32: same kind, stored as float32 (as PyTorch)
    assert f32.dtype == np.float32 and f32.tolist() == [2.0, 2.0]


def test_0d_tensors_change_in_place_too():
    w = Tensor(2.0, requires_grad=True)
    y = w * w
    with al.no_grad():
        w -= 0.5
    assert w.item() == 1.5 and w.is_leaf and w.requires_grad
    with pytest.raises(RuntimeError, match="changed in place"):
        y.backward()


def test_assigning_grad_is_checked():
    w = Tensor([1.0, 2.0], requires_grad=True)
    w.grad = [0.5, 0.5]
    assert isinstance(w.grad, Tensor) and w.grad.dtype == np.float64 and w.grad.tolist() == [0.5, 0.5]
    w.grad = None
    assert w.grad is None
    with pytest.raises(ValueError, match=r"gradient of shape \(3,\) for a tensor of shape \(2,\)"):
        w.grad = np.ones(3)
    with pytest.raises(TypeError, match="float32.*astype"):
        w.grad = Tensor(np.ones(2, dtype=np.float32))
    with pytest.raises(TypeError, match="cannot use a str"):
        w.grad = "zero"
    f32 = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    f32.grad = [1, 2]  # converted to the tensor's dtype
    assert f32.grad.dtype == np.float32


def test_direct_edits_of_data_are_not_tracked_as_in_pytorch():
    w = Tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()
    w.data -= 1.0  # documented: untracked, so the graph computes with the new values
    y.backward()
    assert w.grad.tolist() == [0.0, 2.0] and w.version == 0


def test_a_recorded_change_of_a_view_gives_the_view_values_of_its_own():
    """A documented difference from PyTorch: without views that know their base, a change of
    h[0] recorded in a graph is copied on write, so h keeps its values unless the change is
    written back (h[0] += y does that: Python assigns h[0] = the result)."""
    x = Tensor(np.ones((2, 2)), requires_grad=True)
    h = x * 1.0
    v = h[0]
    v += 10.0
    np.testing.assert_array_equal(h.data, np.ones((2, 2)))
    np.testing.assert_array_equal(v.data, [11.0, 11.0])
    h[0] += 10.0
    np.testing.assert_array_equal(h.data, [[11.0, 11.0], [1.0, 1.0]])


def test_a_view_outside_any_graph_still_writes_through():
    a = Tensor(np.zeros((2, 2)))
    a[0][1] = 7.0
    a.reshape((4,))[2] += 1.0
    np.testing.assert_array_equal(a.data, [[0.0, 7.0], [1.0, 0.0]])


def test_a_recorded_change_that_cannot_be_stored_in_the_dtype_is_refused():
    """int += float that requires grad: the float result was cut to int and the int tensor joined
    the graph (b.grad None, no error); PyTorch refuses the cast, as an unrecorded change here does."""
    a = Tensor(np.array([1, 2]))
    b = Tensor([0.5, 0.7], requires_grad=True)
    with pytest.raises(TypeError, match="cannot be stored in this int64 tensor"):
        a += b
    assert a.data.tolist() == [1, 2] and not a.requires_grad


def test_retain_grad_follows_the_tensor_through_an_in_place_change():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    h.retain_grad()
    h *= 3.0
    (h * h).sum().backward()
    np.testing.assert_array_equal(h.grad.data, [12.0, 24.0])  # d(h^2)/dh at h = 6, 12: PyTorch's
    np.testing.assert_array_equal(x.grad.data, [72.0, 144.0])
