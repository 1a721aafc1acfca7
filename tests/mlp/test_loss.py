"""Losses: both call orders, stability, and class targets."""

import numpy as np
import pytest

from mlp import BCE, MSE, BinaryCrossEntropy, CrossEntropy


def test_seed_order_and_pytorch_order_agree():
    y_true, y_pred = np.array([[1.0], [0.0]]), np.array([[0.8], [0.3]])
    for loss in (MSE(), BCE()):
        assert loss.forward(y_true, y_pred).item() == loss(y_pred, y_true).item()
    assert MSE().forward(y_true, y_pred).item() == pytest.approx(np.mean((y_pred - y_true) ** 2))


def test_bce_alias_and_stability_at_zero_and_one():
    assert BinaryCrossEntropy is BCE
    from autograd_lite import Tensor

    p = Tensor([[0.0], [1.0], [1.0]], requires_grad=True)
    loss = BCE()(p, np.array([[1.0], [0.0], [1.0]]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(p.grad.data))
    assert loss.item() == pytest.approx(2 * 100 / 3, rel=1e-12)  # each log at least -100, as PyTorch


def test_cross_entropy_from_logits_with_indices_or_one_hot():
    logits = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]])
    idx = np.array([0, 2])
    a = CrossEntropy()(logits, idx).item()
    b = CrossEntropy()(logits, np.eye(3)[idx]).item()
    log_p = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    assert a == pytest.approx(b) == pytest.approx(-log_p[[0, 1], idx].mean())
