"""The Tensor type: construction, dtypes, attributes, conversions, repr, and operand types."""

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor


def test_scalar_tensor_is_0d_float64():
    x = Tensor(-4.0, requires_grad=True)
    assert x.shape == () and x.ndim == 0 and x.size == 1
    assert x.dtype == np.float64
    assert x.item() == -4.0 and float(x) == -4.0


def test_python_numbers_and_lists_become_float64():
    assert Tensor(3).dtype == np.float64
    assert Tensor([[1, 2], [3, 4]]).dtype == np.float64
    assert Tensor([[1, 2], [3, 4]]).shape == (2, 2)


def test_numpy_dtypes_are_kept_or_promoted():
    assert Tensor(np.ones(3, dtype=np.float32)).dtype == np.float32
    assert Tensor(np.ones(3, dtype=np.float16)).dtype == np.float64
    assert Tensor(np.arange(3)).dtype.kind == "i"  # class indices stay integers
    assert Tensor([1.0, 2.0], dtype=np.float32).dtype == np.float32


def test_constructor_copies_its_data():
    a = np.zeros(3)
    t = Tensor(a)
    a[0] = 5.0
    assert t.data[0] == 0.0


def test_as_tensor_shares_float_arrays():
    a = np.zeros(3)
    assert al.as_tensor(a).data is a


def test_requires_grad_on_integer_data_is_an_error():
    with pytest.raises(TypeError, match="floating-point"):
        Tensor(np.arange(3), requires_grad=True)
    with pytest.raises(TypeError, match="floating-point"):
        Tensor([1, 2], dtype=np.int32, requires_grad=True)


def test_unsupported_data_is_an_error():
    with pytest.raises(TypeError, match="complex"):
        Tensor(np.ones(2, dtype=complex))
    with pytest.raises(ValueError, match="rectangular"):
        Tensor([[1.0, 2.0], [3.0]])


def test_attributes_users_expect():
    t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and t.numel() == 6
    assert t.T.shape == (3, 2)
    assert t.is_leaf and t.grad_fn is None and t.grad is None
    assert np.asarray(t) is t.data and t.numpy() is t.data
    assert t.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert len(t) == 2
    assert [row.shape for row in t] == [(3,), (3,)]


def test_item_and_float_need_one_element():
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        Tensor([1.0, 2.0, 3.0]).item()
    with pytest.raises(ValueError, match="ambiguous"):
        bool(Tensor([1.0, 2.0]))
    assert float(Tensor([[2.5]])) == 2.5


def test_0d_tensors_hold_numpy_scalars_as_numpy_results_do():
    """A 0-d value is a numpy scalar (np.float64), on every path: the same numbers as a 0-d
    array at a fraction of the cost per operation."""
    x = Tensor(2.0, requires_grad=True)
    for y in (x, (x * 3).sum(), Tensor(np.ones((2, 2)))[0, 1], x.exp(), al.where(True, x, 1.0), Tensor(np.array(2.0))):
        assert type(y.data) is np.float64 and y.shape == ()
    assert type(Tensor(np.float32(1.5)).data) is np.float32
    y = (x * 3).sum()
    y.backward()
    assert type(x.grad.data) is np.float64 and x.grad.item() == 3.0


def test_non_leaf_knows_its_node_and_requires_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert not y.is_leaf and y.requires_grad
    assert y.grad_fn.op.name == "mul"
    z = Tensor([1.0]) * 2  # no input requires grad: a plain leaf
    assert z.is_leaf and not z.requires_grad


def test_detach_shares_data_and_cuts_the_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert d.is_leaf and not d.requires_grad
    assert np.array_equal(d.data, [2.0, 4.0])


def test_setting_requires_grad_follows_pytorch():
    # a leaf of floats: set and cleared (freezing a parameter), a numpy bool taken as a bool
    w = Tensor([1.0, 2.0])
    w.requires_grad = np.True_
    assert w.requires_grad is True
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad.data, [2.0, 4.0])
    w.requires_grad = False
    assert not (w * w).requires_grad
    # integer values cannot require grad (they were accepted, and an int tensor joined graphs)
    i = Tensor(np.arange(3))
    with pytest.raises(TypeError, match="floating-point data, got int64"):
        i.requires_grad = True
    i.requires_grad = False
    assert not i.requires_grad
    # only a bool (a string or 1 was stored as it was)
    for value in ("yes", 1, None):
        with pytest.raises(TypeError, match="True or False"):
            w.requires_grad = value
    # a computed tensor: neither way (False was silently ignored)
    y = Tensor([1.0], requires_grad=True) * 2.0
    for value in (False, True):
        with pytest.raises(RuntimeError, match="leaf tensor.*detach"):
            y.requires_grad = value
    assert y.requires_grad


def test_requires_grad_underscore_and_zero_grad():
    t = Tensor([1.0, 2.0])
    assert t.requires_grad_() is t and t.requires_grad
    (t * t).sum().backward()
    assert t.grad is not None
    t.zero_grad()
    assert t.grad is None


def test_repr_is_numpy_like():
    assert repr(Tensor([1.0, 2.0])) == "Tensor([1., 2.])"
    assert repr(Tensor(2.0, requires_grad=True)) == "Tensor(2., requires_grad=True)"
    x = Tensor([1.0], requires_grad=True)
    assert repr(x * 2) == "Tensor([2.], grad_fn=<mul>)"
    assert "dtype=float32" in repr(Tensor(np.ones(2, dtype=np.float32)))


def test_python_numbers_and_arrays_on_either_side():
    x = Tensor([1.0, 2.0, 4.0], requires_grad=True)
    for expr, expected in [
        (lambda: 2 * x, [2, 4, 8]),
        (lambda: x * 2, [2, 4, 8]),
        (lambda: 10.0 / x, [10, 5, 2.5]),
        (lambda: 1 - x, [0, -1, -3]),
        (lambda: 2 ** x, [2, 4, 16]),
        (lambda: np.ones(3) + x, [2, 3, 5]),
        (lambda: x + np.ones(3), [2, 3, 5]),
        (lambda: np.float64(2.0) * x, [2, 4, 8]),
        (lambda: np.arange(3.0) @ x, 10.0),
        (lambda: x + [1, 1, 1], [2, 3, 5]),
    ]:
        out = expr()
        assert isinstance(out, Tensor) and out.requires_grad
        np.testing.assert_allclose(out.data, expected)


def test_reflected_operations_get_the_right_gradient():
    x = Tensor([1.0, 2.0, 4.0], requires_grad=True)
    (10.0 / x).sum().backward()
    np.testing.assert_allclose(x.grad.data, -10.0 / x.data**2)
    x.grad = None
    (np.ones(3) - x).sum().backward()
    np.testing.assert_allclose(x.grad.data, -np.ones(3))


def test_comparisons_are_bool_tensors_without_graph():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    for c in (x > 1.5, x >= 2, x < 2, x <= 2, x == 2, x != 2):
        assert c.dtype == bool and not c.requires_grad
    np.testing.assert_array_equal((x > 1.5).data, [False, True, True])


def test_tensors_hash_by_identity():
    a, b = Tensor([1.0]), Tensor([1.0])
    assert len({a, b}) == 2
    assert {a: 1}[a] == 1


def test_item_assignment_writes_in_place_as_numpy_does():
    x = Tensor([1.0, 2.0])
    buffer = x.data
    x[0] = 3.0
    assert x.data is buffer and x.tolist() == [3.0, 2.0] and x.version > 0


def test_float32_stays_float32_through_ops_and_grads():
    x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    y = (x * 2.0 + 1.0).tanh().sum()
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32


def test_torch_style_method_names():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x.sum(dim=1, keepdim=True).shape == (2, 1)
    assert x.transpose(0, 1).shape == (3, 2)
    assert x.permute(1, 0).shape == (3, 2)
    assert x.unsqueeze(0).shape == (1, 2, 3)
    assert x.view(3, 2).shape == (3, 2)
    assert x.clamp(min=1.0).data.min() == 1.0
    assert x.expand(4, 2, 3).shape == (4, 2, 3)
    assert x.flatten().shape == (6,)


def test_name_is_kept_on_the_tensor():
    w = Tensor([1.0], requires_grad=True, name="w")
    y = w * 2
    y.name = "y"
    assert w.name == "w" and y.name == "y" and y.grad_fn.name == "mul"  # grad_fn.name(): the op, as PyTorch
