"""Mistakes users make get an error that names what was wrong, raised at the call."""

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor


def test_shapes_that_do_not_broadcast_name_both():
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones(4))
    for op, name in [(lambda: a + b, "add"), (lambda: a * b, "mul"), (lambda: a - b, "sub"),
                     (lambda: a / b, "div"), (lambda: al.maximum(a, b), "maximum"), (lambda: a < b, "less")]:
        with pytest.raises(ValueError, match=rf"{name}: shapes \(2, 3\) and \(4,\) do not broadcast"):
            op()


def test_the_error_is_raised_from_the_users_line():
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones(4))
    with pytest.raises(ValueError) as err:
        a + b
    assert err.value.__cause__ is None and err.value.__suppress_context__  # no numpy traceback chained


def test_matmul_misalignment_names_both_shapes_and_dimensions():
    with pytest.raises(ValueError, match=r"matmul: shapes \(5, 3\) and \(2, 2\) are not aligned: 3 .* != 2"):
        Tensor(np.ones((5, 3))) @ Tensor(np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"matmul: shapes \(3,\) and \(4,\) are not aligned"):
        Tensor(np.ones(3)) @ Tensor(np.ones(4))
    with pytest.raises(ValueError, match="0-d"):
        Tensor(2.0) @ Tensor(np.ones(2))


def test_bad_axis_is_named_with_the_shape():
    x = Tensor(np.ones((2, 3)))
    for call in (lambda: x.sum(axis=2), lambda: x.mean(axis=-3), lambda: x.max(axis=5), lambda: x.softmax(axis=4)):
        with pytest.raises(ValueError, match=r"axis -?\d+ is out of range for a tensor of shape \(2, 3\)"):
            call()
        with pytest.raises(IndexError):  # PyTorch's class for it, too
            call()


def test_bad_reshape_and_index():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"reshape: .*size 6.*\(4,\).*shape \(2, 3\)"):
        x.reshape(4)
    with pytest.raises(IndexError, match=r"getitem: index 5 is out of bounds.*\(2, 3\)"):
        x[5]


def test_concatenate_and_stack_check_shapes():
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"concatenate: .*except along axis 0.*\[\(2, 3\), \(3, 2\)\]"):
        al.concatenate([a, b])
    with pytest.raises(ValueError, match=r"stack: tensors must have the same shape"):
        al.stack([a, b])
    with pytest.raises(ValueError, match="axis 3 is out of range"):
        al.concatenate([a, a], axis=3)


def test_reduction_of_an_empty_tensor():
    with pytest.raises(ValueError, match="max: .*empty|max: .*zero-size"):
        Tensor(np.ones((0, 3))).max()


def test_operands_numpy_cannot_use_are_named():
    with pytest.raises(TypeError, match=r"add: cannot compute with operands of types Tensor\(float64\) and str"):
        Tensor([1.0]) + "a"
    with pytest.raises(TypeError, match=r"mul: .*(NoneType and Tensor|Tensor\(float64\) and NoneType)"):
        None * Tensor([1.0])


def test_arguments_of_the_wrong_kind_are_named():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    cases = [
        (lambda: x.sum(axis=1.5), TypeError, r"^sum: axis must be an integer or a tuple of integers, got 1\.5$"),
        (lambda: x.to("cuda"), TypeError, r"^astype/to: 'cuda' is not a numpy dtype .*on the CPU"),
        (lambda: x.astype("U3"), TypeError, r"^astype/to: a tensor holds numbers, not <U3$"),
        (lambda: x.threshold("a", 0), TypeError, r"^threshold: the threshold and the value must be numbers"),
        (lambda: Tensor(np.ones(3)).__setitem__(slice(0, 2), np.ones(3)), ValueError,
         r"^t\[index\] = value: could not broadcast .*\(tensor of shape \(3,\), value of shape \(3,\)\)$"),
    ]
    for call, kind, message in cases:
        with pytest.raises(kind, match=message):
            call()
    assert x.to("cpu") is x  # PyTorch code's device move: everything is on the CPU here
