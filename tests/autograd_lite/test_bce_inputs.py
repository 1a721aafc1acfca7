"""bce refuses what is not a probability, as PyTorch's binary_cross_entropy does."""

import re

import numpy as np
import pytest

from autograd_lite import Tensor
from autograd_lite import functional as F


@pytest.mark.parametrize(("pred", "value", "index"), [([[0.2], [1.7]], "1.7", "(1, 0)"),
                                                      ([[-0.5], [0.5]], "-0.5", "(0, 0)")])
def test_a_prediction_outside_zero_one_names_the_value_and_the_fix(pred, value, index):
    message = (rf"bce: predictions must be probabilities in \[0, 1\], got {value} at index {re.escape(index)}; end the "
               r"network with a sigmoid \(a Sigmoid layer\), or give the raw scores to bce_with_logits instead")
    with pytest.raises(ValueError, match=message):
        F.bce(Tensor(pred, requires_grad=True), np.array([[0.0], [1.0]]))


@pytest.mark.parametrize(("target", "value"), [([1.0, 2.0], "2"), ([-1.0, 0.0], "-1"), ([0.0, np.nan], "nan")])
def test_a_target_outside_zero_one_is_refused(target, value):
    with pytest.raises(ValueError, match=rf"bce: targets must lie in \[0, 1\] \(labels 0 and 1, or probabilities\), "
                                         rf"got {value} at index \(\d,\)"):
        F.bce(Tensor([0.3, 0.6]), np.array(target))


def test_predictions_and_targets_at_the_ends_of_zero_one_are_accepted():
    loss = F.bce(Tensor([0.0, 1.0, 0.25]), np.array([0.0, 1.0, 0.5]))
    expected = -(0.5 * np.log(0.25) + 0.5 * np.log(0.75)) / 3  # a right prediction of 0 or 1 costs nothing
    assert loss.item() == pytest.approx(expected, rel=1e-9)


def test_a_nan_prediction_gives_a_nan_loss_for_training_to_report():
    assert np.isnan(F.bce(Tensor([0.5, np.nan]), np.array([1.0, 0.0])).item())


def test_a_zero_dimensional_prediction_is_checked_too():
    with pytest.raises(ValueError, match=r"got 3 at index \(\)"):
        F.bce(Tensor(3.0), 1.0)


@pytest.mark.parametrize(("dtype", "logit"), [(np.float64, -30.0), (np.float64, -100.0), (np.float32, -16.0),
                                              (np.float32, -50.0), (np.float64, 30.0)])
def test_a_confident_wrong_prediction_keeps_its_exact_gradient(dtype, logit):
    # p below the old clip (1e-12 in float64, float32's 1.2e-7) had no gradient at all: a
    # saturated wrong output could never recover. d/dx bce(sigmoid(x), t) = sigmoid(x) - t, as bce_with_logits
    target = 1.0 if logit < 0 else 0.0
    x = Tensor(np.array([logit], dtype), requires_grad=True)
    loss = F.bce(F.sigmoid(x), np.array([target], dtype))
    loss.backward()
    exact = Tensor(np.array([logit], dtype), requires_grad=True)
    F.bce_with_logits(exact, np.array([target], dtype)).backward()
    assert x.grad.dtype == dtype
    # (near p = 1, 1 - p keeps only the few bits of p below 1: 1e-3 of 9.4e-14 at x = 30)
    rtol = 2e-3 if logit > 0 else 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(x.grad.data, exact.grad.data, rtol=rtol)
    assert abs(x.grad.data[0]) > 0.99
    np.testing.assert_allclose(loss.item(), abs(logit), rtol=2e-3)


def test_the_logs_stop_at_minus_100_as_pytorch():
    loss = F.bce(Tensor([0.0, 1.0, 1e-40, 1e-50]), np.array([1.0, 0.0, 1.0, 1.0]), reduction="none")
    np.testing.assert_allclose(loss.data, [100.0, 100.0, 40 * np.log(10), 100.0], rtol=1e-14)
    assert F.bce(Tensor([1e-50]), np.array([1.0]), eps=1e-12).item() == pytest.approx(-np.log(1e-12))


def test_integer_and_bool_predictions_of_0_and_1_are_probabilities_too():
    # np.finfo of their dtype raised "data type int64 not inexact" from inside
    for pred in (np.array([0, 1]), np.array([False, True])):
        loss = F.bce(Tensor(pred), np.array([1.0, 1.0]), reduction="none")
        np.testing.assert_allclose(loss.data, [100.0, 0.0], rtol=1e-14)
