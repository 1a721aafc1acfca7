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
    expected = -(0.5 * np.log(0.25) + 0.5 * np.log(0.75)) / 3 + 2 * -np.log(1 - 1e-12) / 3
    assert loss.item() == pytest.approx(expected, rel=1e-9)


def test_a_nan_prediction_gives_a_nan_loss_for_training_to_report():
    assert np.isnan(F.bce(Tensor([0.5, np.nan]), np.array([1.0, 0.0])).item())


def test_a_zero_dimensional_prediction_is_checked_too():
    with pytest.raises(ValueError, match=r"got 3 at index \(\)"):
        F.bce(Tensor(3.0), 1.0)
