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


def test_an_empty_axis_tuple_is_refused_by_reductions():
    # numpy reduces no axis and PyTorch every axis: either answer would be silently wrong for someone
    x = Tensor(np.ones((2, 3)))
    calls = {"sum": lambda: x.sum(()), "mean": lambda: al.mean(x, []), "max": lambda: x.max(dim=()),
             "logsumexp": lambda: x.logsumexp(()), "softmax": lambda: x.softmax(()), "sum ": lambda: np.sum(x, axis=())}
    for name, call in calls.items():
        with pytest.raises(ValueError, match=rf"{name.strip()}: axis=(\(\)|\[\]) names no axis.*axis=None"):
            call()
    assert float(Tensor(2.0).sum(())) == 2.0  # a 0-d tensor has no axis to disagree about
    assert x.squeeze(()).shape == (2, 3)  # not a reduction: nothing to squeeze, in both


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


BAD_INPUTS = {
    "reshape by a float": (lambda x: x.reshape(2.0, 3), TypeError, "reshape: the shape must be integers"),
    "reshape by -2": (lambda x: x.reshape(-2, 3), ValueError, r"reshape: invalid shape \(-2, 3\)"),
    "one_hot of 2.5 classes": (lambda x: al.one_hot(np.array([0, 1]), 2.5), TypeError, "num_classes must be a whole"),
    "one_hot of 0 classes": (lambda x: al.one_hot(np.array([], int), 0), ValueError, "num_classes must be at least 1"),
    "where with a string": (lambda x: al.where(x > 1.0, x, "a"), TypeError, "where: cannot compute with operands"),
    "clip to a string": (lambda x: x.clip("a", 1.0), TypeError, "clip: the bounds must be numbers or tensors"),
    "fill_ with a string": (lambda x: x.fill_("a"), TypeError, "fill_: the value must be a number"),
    "+= None": (lambda x: x.__iadd__(None), TypeError, r"\+=: cannot compute with operands of types Tensor"),
    "*= a string": (lambda x: x.__imul__("a"), TypeError, r"\*=: cannot compute with operands of types Tensor"),
    # the autograd API: each was accepted and did nothing, or raised from inside
    "grad of no inputs": (lambda x: al.grad((x.requires_grad_() * 2.0).sum(), []), ValueError,
                          r"grad\(\): inputs is an empty list"),
    "backward into no inputs": (lambda x: (x.requires_grad_() * 2.0).sum().backward(inputs=[]), ValueError,
                                r"backward\(\): inputs is an empty list"),
    "grad of inputs in a dict": (lambda x: al.grad((x.requires_grad_() * 2.0).sum(), {"x": x}), TypeError,
                                 "inputs must be a Tensor or a list of Tensors, got a dict"),
    "a complex gradient": (lambda x: al.grad(x.requires_grad_() * 2.0, [x], grad_outputs=np.full(6, 1j)),
                           TypeError, "the gradient is complex"),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_is_named_where_it_was_given(case):
    """Each was accepted (a string tensor with a gradient, 3 columns for 2.5 classes, -2 read as
    -1) or raised numpy's own words from inside it."""
    call, error, message = BAD_INPUTS[case]
    with pytest.raises(error, match=message):
        call(Tensor(np.arange(6.0)))


def test_inputs_may_come_from_a_generator_as_in_pytorch():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (g,) = al.grad((x * x).sum(), (t for t in [x]))  # torch.autograd.grad(loss, model.parameters())
    assert g.data.tolist() == [2.0, 4.0]
    with pytest.raises(TypeError, match="inputs must be a Tensor or a list of Tensors, got a set"):
        al.grad((x * x).sum(), {x})  # no order to give the gradients back in


def test_a_number_is_the_gradient_of_a_one_element_output():
    x = Tensor([1.0, 2.0], requires_grad=True)
    for given in (2.0, np.float64(2.0), 2):  # "'float' object is not iterable"
        (g,) = al.grad((x * x).sum(), [x], grad_outputs=given)
        assert g.data.tolist() == [4.0, 8.0]


def test_in_place_operators_and_clip_take_array_likes_and_numpy_numbers():
    t = Tensor([1.0, 2.0])
    t += range(2)
    assert t.tolist() == [1.0, 3.0] and Tensor([1.0, 2.0]).clip([1.5, 0.0], None).tolist() == [1.5, 2.0]
    f = Tensor(np.array([0.3], np.float32))
    g = Tensor(np.array([0.3], np.float32), requires_grad=True) * 1.0
    f *= np.float64(0.1)  # written into the buffer
    g *= np.float64(0.1)  # recorded: the same float32 numbers
    assert f.dtype == g.dtype == np.float32 and f.data.tobytes() == g.data.tobytes()


def test_fill_with_a_0d_tensor_that_requires_grad_gives_it_the_gradient():
    v = Tensor(2.0, requires_grad=True)
    h = Tensor([1.0, 2.0, 3.0], requires_grad=True) * 1.0
    h.fill_(v)
    (h * Tensor([1.0, 2.0, 3.0])).sum().backward()
    assert v.grad.item() == 6.0  # as torch's fill_ with a tensor value


@pytest.mark.parametrize("data", [np.array([True, False]), np.array([3, 0], np.uint8), np.array([1, -2], np.int8)],
                         ids=["bool", "uint8", "int8"])
def test_logaddexp_of_small_integers_is_float64(data):
    """numpy's logaddexp of bool, int8 or uint8 answers in float16 (3.693 for 3.6931471805599454)."""
    x = data.astype(np.float64)
    for out in (al.logaddexp(Tensor(data), Tensor(data)), al.logaddexp(Tensor(data), 1), al.logaddexp(data, data)):
        assert out.dtype == np.float64
    np.testing.assert_allclose(al.logaddexp(Tensor(data), 1).data, np.logaddexp(x, 1.0), rtol=1e-15)


@pytest.mark.parametrize("data", [np.array([True, False]), np.array([1, -2], np.int8)], ids=["bool", "int8"])
def test_sigmoid_and_softplus_of_integer_tensors(data):
    """A bool tensor raised numpy's 'boolean negative is not supported' from inside sigmoid."""
    x = data.astype(np.float64)
    np.testing.assert_allclose(Tensor(data).sigmoid().data, 1 / (1 + np.exp(-x)), rtol=1e-15)
    np.testing.assert_allclose(Tensor(data).softplus().data, np.log1p(np.exp(x)), rtol=1e-15)


def test_a_list_of_tensors_that_require_grad_is_refused_with_the_way_to_keep_the_graph():
    """Tensor([a, b]) copied a's and b's values: the gradient silently never reached them."""
    a = Tensor(2.0, requires_grad=True)
    for data in ([a, 3.0], [[1.0], [a * 2]], (a,)):
        with pytest.raises(TypeError, match=r"al\.stack"):
            Tensor(data)
    with pytest.raises(TypeError, match=r"al\.stack"):
        al.as_tensor([a, a])
    x = Tensor([1.0, -1.0], requires_grad=True)
    for operation in (lambda: x * [a, 3.0], lambda: [a, 3.0] * x, lambda: al.logaddexp([a, 1.0], x),
                      lambda: al.where(x > 0, [a, a], 0.0), lambda: Tensor([a, 3.0], dtype=np.float32)):
        with pytest.raises(TypeError, match=r"al\.stack"):  # a list operand is copied the same way
            operation()
    assert (x * [2.0, 3.0]).data.tolist() == [2.0, -3.0]
    assert Tensor([a.detach(), Tensor(3.0)]).data.tolist() == [2.0, 3.0]  # values on purpose
    with al.no_grad():
        assert Tensor([a, 3.0]).data.tolist() == [2.0, 3.0]
    y = al.stack([a, a * 2.0]).sum()
    y.backward()
    assert a.grad.item() == 3.0
