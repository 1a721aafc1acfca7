"""gradcheck / gradgradcheck themselves: they pass right gradients and catch wrong ones."""

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor
from autograd_lite.primitive import unary

# sin with a deliberately wrong derivative (+cos instead of... a factor 1.01 off)
wrong_sin = unary("wrong_sin", np.sin, lambda g, ans, x: g * np.cos(x) * 1.01)
# exp whose first derivative is right but written so that its second derivative is lost
flat_exp = unary("flat_exp", np.exp, lambda g, ans, x: g * np.exp(x.data if isinstance(x, Tensor) else x))


def test_passes_a_correct_gradient():
    x = Tensor([0.1, 0.2, 0.3], requires_grad=True)
    assert al.gradcheck(lambda t: (t * t).sin(), (x,))


def test_reports_the_input_the_index_and_both_values():
    x = Tensor([0.1, 0.2], requires_grad=True, name="x")
    y = Tensor([0.5], requires_grad=True)
    with pytest.raises(al.GradcheckError) as err:
        al.gradcheck(lambda a, b: wrong_sin(a) * b, (x, y))
    msg = str(err.value)
    assert "input 0 ('x') of shape (2,)" in msg
    assert "element (0,)" in msg
    expected = np.cos(0.1) * 0.5
    assert f"analytic {expected * 1.01:.10g}" in msg
    assert f"numeric {expected:.6g}"[:14] in msg


def test_returns_false_when_asked_not_to_raise():
    x = Tensor([0.3], requires_grad=True)
    assert al.gradcheck(wrong_sin, (x,), raise_exception=False) is False


def test_gradgradcheck_catches_a_vjp_that_is_not_differentiable():
    x = Tensor([0.3, -0.2], requires_grad=True)
    assert al.gradcheck(flat_exp, (x,))  # first order is fine
    with pytest.raises(al.GradcheckError):
        al.gradgradcheck(flat_exp, (x,))


def test_checks_only_inputs_that_require_grad():
    x = Tensor([0.1, 0.2], requires_grad=True)
    c = Tensor([0.3, 0.4])  # a constant: never perturbed, never checked
    assert al.gradcheck(lambda a, b: wrong_sin(b) * a, (x, c))


def test_works_in_float64_for_float32_inputs():
    x = Tensor(np.array([0.1, 0.2], dtype=np.float32), requires_grad=True)
    assert al.gradcheck(lambda t: t.exp() * t, (x,))


def test_arrays_are_checked_as_inputs():
    assert al.gradcheck(lambda a, b: a @ b, (np.ones((2, 3)), np.arange(3.0)))


def test_tuple_outputs():
    x = Tensor([0.5, 1.5], requires_grad=True)
    assert al.gradcheck(lambda t: (t.exp(), t.sum() * 2), (x,))
    assert al.gradgradcheck(lambda t: (t.exp(), t.sum() * 2), (x,))


def test_nothing_to_check_is_an_error():
    with pytest.raises(ValueError, match="no input requires grad"):
        al.gradcheck(lambda t: t * 2, (Tensor([1.0]),))


def test_nan_on_both_sides_is_a_mismatch():
    # outside the domain both Jacobians are nan: that passed, as if the gradient had been checked
    x = Tensor([-1.0, 4.0], requires_grad=True)
    with np.errstate(invalid="ignore"), pytest.raises(al.GradcheckError, match=r"analytic nan, numeric nan.*domain"):
        al.gradcheck(lambda t: t.sqrt(), (x,))
    assert al.gradcheck(lambda t: t.sqrt(), (Tensor([1.0, 4.0], requires_grad=True),))


def test_bad_settings_and_inputs_are_named():
    x = Tensor([1.0], requires_grad=True)
    cases = [
        (lambda: al.gradcheck(3, (x,)), TypeError, "fn must be a function of the inputs, got 3"),
        (lambda: al.gradcheck(lambda t: t, None), TypeError, "input 0 is a NoneType"),
        (lambda: al.gradcheck(lambda t, u: t, (x, "a")), TypeError, "input 1 is a str"),
        (lambda: al.gradcheck(lambda t: t, (x,), eps=0), ValueError, "eps must be a positive number"),
        (lambda: al.gradcheck(lambda t: t, (x,), eps="1e-6"), ValueError, "eps must be a positive number"),
        (lambda: al.gradcheck(lambda t: t, (x,), atol=-1.0), ValueError, "atol must be a number >= 0"),
        (lambda: al.gradgradcheck(lambda t: t * t, (x,), rtol=None), ValueError, "rtol must be a number >= 0"),
    ]
    for call, error, message in cases:  # each was reported as a Jacobian mismatch with nan, or raised from inside
        with pytest.raises(error, match=message):
            call()


def test_gradcheck_nudges_an_input_stored_transposed():
    """The numeric Jacobian nudges a private copy of each input; for an input stored in
    another order than C (a transpose), that copy's flat view was a copy again, every nudge
    was lost and a right gradient was reported wrong (numeric 0)."""
    x = Tensor(np.arange(1.0, 7.0).reshape(2, 3).T, requires_grad=True)  # (3, 2), Fortran order
    assert not x.data.flags.c_contiguous
    assert al.gradcheck(lambda t: (t * t).sum(axis=0), (x,))
    assert al.gradgradcheck(lambda t: (t * t * t).sum(axis=1), (x,))
