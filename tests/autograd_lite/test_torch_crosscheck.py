"""Optional: values and gradients of random op compositions against PyTorch, float64, to 1e-10.

Skipped when torch is not installed (it is never a dependency). On this project's machines:
``pip install torch==2.13.0`` (the CPU wheel).
"""

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor
from autograd_lite import functional as F

torch = pytest.importorskip("torch")

# (name, autograd_lite function, torch function); inputs are kept in safe ranges by the composition
UNARY = [
    ("tanh", lambda x: x.tanh(), torch.tanh),
    ("sigmoid", lambda x: x.sigmoid(), torch.sigmoid),
    ("sin", lambda x: x.sin(), torch.sin),
    ("exp_small", lambda x: (x * 0.3).exp(), lambda x: (x * 0.3).exp()),
    ("log_pos", lambda x: (x * x + 1).log(), lambda x: (x * x + 1).log()),
    ("sqrt_pos", lambda x: (x * x + 0.5).sqrt(), lambda x: (x * x + 0.5).sqrt()),
    ("relu", lambda x: x.relu(), torch.relu),
    ("softplus", F.softplus, torch.nn.functional.softplus),
    ("square", lambda x: x**2, lambda x: x**2),
    ("softmax", lambda x: x.softmax(-1), lambda x: torch.softmax(x, -1)),
    ("log_softmax", lambda x: x.log_softmax(-1), lambda x: torch.log_softmax(x, -1)),
    ("abs", lambda x: x.abs(), torch.abs),
    ("cos", lambda x: x.cos(), torch.cos),
    ("transpose_back", lambda x: x.T.T, lambda x: x.T.T),
]
BINARY = [
    ("add", lambda a, b: a + b, lambda a, b: a + b),
    ("sub", lambda a, b: a - b, lambda a, b: a - b),
    ("mul", lambda a, b: a * b, lambda a, b: a * b),
    ("div", lambda a, b: a / (b * b + 1), lambda a, b: a / (b * b + 1)),
    ("maximum", al.maximum, torch.maximum),
    ("matmul_sq", lambda a, b: a @ b.T, lambda a, b: a @ b.T),
]


def _random_program(rng: np.random.Generator, depth: int):
    """A list of steps: ('u', i) applies UNARY[i] to the top value, ('b', i, j) BINARY[i] to top and input j."""
    steps = []
    for _ in range(depth):
        if rng.uniform() < 0.5:
            steps.append(("u", int(rng.integers(len(UNARY)))))
        else:
            steps.append(("b", int(rng.integers(len(BINARY))), int(rng.integers(3))))
    return steps


def _run(steps, inputs, unary_col, binary_col, reduce):
    value = inputs[0]
    for step in steps:
        if step[0] == "u":
            value = UNARY[step[1]][unary_col](value)
        else:
            value = BINARY[step[1]][binary_col](value, inputs[step[2]])
    return reduce(value)


@pytest.mark.parametrize("seed", range(40))
def test_random_compositions_match_torch(seed):
    rng = np.random.default_rng(seed)
    data = [rng.standard_normal((3, 3)) for _ in range(3)]
    steps = _random_program(rng, depth=int(rng.integers(3, 9)))

    ours = [Tensor(d, requires_grad=True) for d in data]
    out = _run(steps, ours, 1, 1, lambda v: (v * v).mean())
    out.backward()

    theirs = [torch.tensor(d, dtype=torch.float64, requires_grad=True) for d in data]
    ref = _run(steps, theirs, 2, 2, lambda v: (v * v).mean())
    ref.backward()

    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-10, atol=1e-12)
    for a, b in zip(ours, theirs):
        expected = np.zeros(a.shape) if b.grad is None else b.grad.numpy()
        got = np.zeros(a.shape) if a.grad is None else a.grad.data
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("name", "ours", "theirs"),
    [
        ("mse", lambda p, t: F.mse(p, t), lambda p, t: torch.nn.functional.mse_loss(p, t)),
        ("bce_with_logits", lambda p, t: F.bce_with_logits(p, t),
         lambda p, t: torch.nn.functional.binary_cross_entropy_with_logits(p, t)),
        ("bce", lambda p, t: F.bce(p.sigmoid(), t),
         lambda p, t: torch.nn.functional.binary_cross_entropy(p.sigmoid(), t)),
        ("cross_entropy_probs", lambda p, t: F.cross_entropy(p, t.softmax(-1)),
         lambda p, t: torch.nn.functional.cross_entropy(p, t.softmax(-1))),
    ],
)
def test_losses_match_torch(name, ours, theirs, rng):
    p, t = rng.standard_normal((4, 3)), rng.uniform(size=(4, 3))
    a = Tensor(p, requires_grad=True)
    la = ours(a, Tensor(t))
    la.backward()
    b = torch.tensor(p, requires_grad=True)
    lb = theirs(b, torch.tensor(t))
    lb.backward()
    np.testing.assert_allclose(la.item(), lb.item(), rtol=1e-10)
    np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_cross_entropy_with_indices_matches_torch(rng):
    p, idx = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)
    a = Tensor(p, requires_grad=True)
    F.cross_entropy(a, idx).backward()
    b = torch.tensor(p, requires_grad=True)
    torch.nn.functional.cross_entropy(b, torch.tensor(idx)).backward()
    np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_hessian_vector_product_matches_torch(rng):
    w0, x0, v0 = rng.standard_normal((3, 2)), rng.standard_normal((4, 3)), rng.standard_normal((3, 2))
    w = Tensor(w0, requires_grad=True)
    (g,) = al.grad(((Tensor(x0) @ w).tanh() ** 2).sum(), [w], create_graph=True)
    (hv,) = al.grad((g * v0).sum(), [w])
    wt = torch.tensor(w0, requires_grad=True)
    (gt,) = torch.autograd.grad(((torch.tensor(x0) @ wt).tanh() ** 2).sum(), [wt], create_graph=True)
    (hvt,) = torch.autograd.grad((gt * torch.tensor(v0)).sum(), [wt])
    np.testing.assert_allclose(hv.data, hvt.numpy(), rtol=1e-10, atol=1e-12)
