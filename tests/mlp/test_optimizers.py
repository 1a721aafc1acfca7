"""Optimizers: update rules against their formulas, and against torch.optim where installed."""

import inspect
import re

import numpy as np
import pytest

import mlp.optimizers
from autograd_lite import Tensor
from mlp import MSE, SGD, Adam, Dense, NeuralNetwork, Parameter, RMSProp


def quadratic_steps(make_opt, steps=5):
    """Minimise sum((p - 1)^2 * c) from a fixed start; return the parameter after each step."""
    p = Parameter(np.array([0.5, -1.0, 2.0]))
    c = np.array([1.0, 2.0, 3.0])
    opt = make_opt([p])
    out = []
    for _ in range(steps):
        opt.zero_grad()
        (((p - 1.0) ** 2) * c).sum().backward()
        opt.step()
        out.append(p.data.copy())
    return np.array(out)


def test_plain_sgd_is_p_minus_lr_g():
    p = Parameter(np.array([1.0, 2.0]))
    (p * Tensor([3.0, 4.0])).sum().backward()
    SGD([p], lr=0.5).step()
    np.testing.assert_allclose(p.data, [1.0 - 1.5, 2.0 - 2.0])


def test_adam_first_step_moves_each_weight_by_lr():
    p = Parameter(np.array([1.0, -2.0]))
    (p * Tensor([3.0, -0.01])).sum().backward()
    Adam([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, [0.9, -1.9], rtol=1e-6)  # bias correction: m^/sqrt(v^) = sign(g)


def test_parameters_without_gradient_are_left_alone():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    (a * 2).sum().backward()
    Adam([a, b], lr=0.1).step()
    np.testing.assert_array_equal(b.data, np.ones(2))


def test_bad_settings_are_refused():
    p = [Parameter(np.ones(1))]
    with pytest.raises(ValueError, match=r"^SGD: lr must be a positive number, got 0$"):
        SGD(p, lr=0)
    with pytest.raises(ValueError, match="nesterov"):
        SGD(p, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        Adam([], lr=0.1)


CASES = {
    "sgd": (lambda ps: SGD(ps, lr=0.1), "SGD", {"lr": 0.1}),
    "momentum": (lambda ps: SGD(ps, lr=0.1, momentum=0.9), "SGD", {"lr": 0.1, "momentum": 0.9}),
    "nesterov": (lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True), "SGD",
                 {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    "weight_decay": (lambda ps: SGD(ps, lr=0.1, momentum=0.5, weight_decay=0.1), "SGD",
                     {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.1}),
    "rmsprop": (lambda ps: RMSProp(ps, lr=0.01), "RMSprop", {"lr": 0.01}),
    "adam": (lambda ps: Adam(ps, lr=0.1), "Adam", {"lr": 0.1}),
    "adam_decay": (lambda ps: Adam(ps, lr=0.1, weight_decay=0.01), "Adam", {"lr": 0.1, "weight_decay": 0.01}),
}


@pytest.mark.parametrize("name", CASES)
def test_matches_torch_optim(name):
    torch = pytest.importorskip("torch")
    make, torch_name, kwargs = CASES[name]
    ours = quadratic_steps(make)
    p = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    c = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    opt = getattr(torch.optim, torch_name)([p], **kwargs)
    theirs = []
    for _ in range(5):
        opt.zero_grad()
        (((p - 1.0) ** 2) * c).sum().backward()
        opt.step()
        theirs.append(p.detach().numpy().copy())
    np.testing.assert_allclose(ours, np.array(theirs), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("optimizer", [SGD, RMSProp, Adam])
def test_one_parameter_instead_of_a_list_is_refused(optimizer):
    """One tensor iterates over its rows: the optimizer held 3 copies and trained nothing."""
    p = Parameter(np.ones((3, 4)))
    with pytest.raises(TypeError, match=rf"^{optimizer.__name__}: params must be a list of Parameters, e.g. \[p\] "
                                        r"or net.parameters\(\), got Parameter \(one tensor\)$"):
        optimizer(p, lr=0.1)
    with pytest.raises(TypeError, match=r"params must be a list of Parameters, e.g. \[p\] or net.parameters\(\), "
                                        r"got float$"):
        optimizer(0.5, lr=0.1)


def test_what_is_not_a_parameter_is_refused_by_index():
    p = Parameter(np.ones(2))
    with pytest.raises(TypeError, match=r"^SGD: params\[1\] \(ndarray\) is not a Parameter \(or Tensor\); pass a "
                                        r"list of Parameters, e.g. net.parameters\(\)$"):
        SGD([p, np.zeros(2)], lr=0.1)
    with pytest.raises(TypeError, match=r"^Adam: params\[0\] \(tuple\) is not a Parameter"):
        Adam(Dense(2, 1).named_parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"^RMSProp: params\[0\] was computed by an operation, not a leaf Tensor"):
        RMSProp([p * 2], lr=0.1)


@pytest.mark.parametrize("optimizer", [SGD, RMSProp, Adam])
def test_a_parameter_listed_twice_is_refused(optimizer):
    """Listed twice, it was stepped twice (and Adam counted two steps)."""
    q, r = Parameter(np.zeros(2)), Parameter(np.zeros(2))
    with pytest.raises(ValueError, match=rf"^{optimizer.__name__}: params\[2\] is params\[0\] again; list each "
                                        r"parameter once \(it would be stepped twice\)"):
        optimizer([q, r, q], lr=1.0)


BAD_SETTINGS = [
    # (optimizer, settings, error, message): every optimizer's settings go through one check
    (SGD, {"lr": "0.1"}, TypeError, r"SGD: lr must be a positive number, got '0.1' (str)"),
    (SGD, {"lr": None}, TypeError, r"SGD: lr must be a positive number, got None (NoneType)"),
    (SGD, {"lr": [0.1]}, TypeError, r"SGD: lr must be a positive number, got [0.1] (list)"),
    (SGD, {"lr": np.array([0.1, 0.2])}, TypeError, r"SGD: lr must be a positive number, got array([0.1, 0.2]) "
                                                   r"(ndarray)"),
    (Adam, {"lr": True}, TypeError, r"Adam: lr must be a positive number, got True (bool)"),
    (RMSProp, {"lr": float("nan")}, ValueError, r"RMSProp: lr must be a positive number, got nan"),
    (SGD, {"momentum": "0.9"}, TypeError, r"SGD: momentum must be a number >= 0, got '0.9' (str)"),
    (SGD, {"momentum": float("nan")}, ValueError, r"SGD: momentum must be a number >= 0, got nan"),
    (SGD, {"momentum": -1}, ValueError, r"SGD: momentum must be a number >= 0, got -1"),
    (SGD, {"weight_decay": -1}, ValueError, r"SGD: weight_decay must be a number >= 0, got -1"),
    (SGD, {"momentum": 0.9, "nesterov": "yes"}, TypeError, r"SGD: nesterov must be True or False, got 'yes'"),
    (SGD, {"nesterov": True}, ValueError, r"SGD: nesterov=True needs a momentum > 0 (PyTorch's rule), "
                                          r"e.g. momentum=0.9"),
    (RMSProp, {"alpha": -0.1}, ValueError, r"RMSProp: alpha must be a number >= 0, got -0.1"),
    (RMSProp, {"alpha": "x"}, TypeError, r"RMSProp: alpha must be a number >= 0, got 'x' (str)"),
    (RMSProp, {"eps": -1}, ValueError, r"RMSProp: eps must be a positive number, got -1"),
    (RMSProp, {"eps": 0}, ValueError, r"RMSProp: eps must be a positive number, got 0"),
    (RMSProp, {"weight_decay": -1}, ValueError, r"RMSProp: weight_decay must be a number >= 0, got -1"),
    (Adam, {"betas": 0.9}, TypeError, r"Adam: betas must be a pair of numbers (beta1, beta2), e.g. (0.9, 0.999), "
                                      r"got 0.9"),
    (Adam, {"betas": (0.9,)}, TypeError, r"Adam: betas must be a pair of numbers (beta1, beta2), e.g. (0.9, 0.999), "
                                         r"got (0.9,)"),
    (Adam, {"betas": (0.9, 1.0)}, ValueError, r"Adam: betas[1] must be a number in [0, 1), got 1.0"),
    (Adam, {"betas": (float("nan"), 0.9)}, ValueError, r"Adam: betas[0] must be a number in [0, 1), got nan"),
    (Adam, {"betas": ("0.9", 0.999)}, TypeError, r"Adam: betas[0] must be a number in [0, 1), got '0.9' (str)"),
    (Adam, {"eps": -1}, ValueError, r"Adam: eps must be a positive number, got -1"),
    (Adam, {"weight_decay": -1e-3}, ValueError, r"Adam: weight_decay must be a number >= 0, got -0.001"),
]


@pytest.mark.parametrize(("optimizer", "settings", "error", "message"), BAD_SETTINGS,
                         ids=[f"{o.__name__}({', '.join(f'{k}={v!r}' for k, v in s.items())})"
                              for o, s, _, _ in BAD_SETTINGS])
def test_bad_settings_are_refused_naming_optimizer_setting_and_value(optimizer, settings, error, message):
    """Refused when given, not at the first step (numpy's errors, or nan weights), nor taken
    as something else (True as lr=1.0)."""
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        optimizer([Parameter(np.ones(2))], **{"lr": 0.1, **settings})


def test_settings_are_stored_as_floats_and_numpy_scalars_are_fine():
    p = [Parameter(np.ones(2))]
    sgd = SGD(p, lr=np.float64(0.1), momentum=np.float32(0.5), nesterov=np.bool_(True))
    assert (sgd.lr, sgd.momentum, sgd.nesterov) == (0.1, 0.5, True)
    assert type(sgd.lr) is float and type(sgd.nesterov) is bool
    assert RMSProp(p, lr=0.1, alpha=1.5).alpha == 1.5  # accepted, as PyTorch accepts it
    assert Adam(p, lr=0.1, betas=[0, np.float64(0.5)]).betas == (0.0, 0.5)
    with pytest.raises(TypeError, match=r"^SGD: lr must be a positive number, got True \(bool\)$"):
        sgd.lr = True  # as train(optimizer=sgd, learning_rate=...) sets it


def test_train_checks_its_learning_rate_as_the_optimizers_do():
    net = NeuralNetwork(MSE()).add(Dense(2, 1))
    with pytest.raises(TypeError, match=r"^train\(\): learning_rate must be a positive number, got '0.1' \(str\)$"):
        net.train(np.ones((2, 2)), np.ones((2, 1)), epochs=1, learning_rate="0.1", progress=False)


def test_defaults_are_pytorchs_but_sgds_lr_as_the_docstrings_say():
    """The module docstring says the defaults follow PyTorch's except SGD's lr (0.01, the
    seed's, where PyTorch 2 has 0.001): every other shared default is compared with torch.optim's."""
    torch = pytest.importorskip("torch")
    for ours, theirs in ((SGD, torch.optim.SGD), (RMSProp, torch.optim.RMSprop), (Adam, torch.optim.Adam)):
        mine = {k: v.default for k, v in inspect.signature(ours).parameters.items() if k != "params"}
        torchs = {k: v.default for k, v in inspect.signature(theirs).parameters.items()}
        differ = {k: (v, torchs[k]) for k, v in mine.items() if v != torchs[k]}
        assert differ == ({"lr": (0.01, 0.001)} if ours is SGD else {}), ours.__name__
    assert SGD([Parameter(np.ones(1))]).lr == 0.01
    assert "SGD's lr is 0.01, the seed's" in " ".join(mlp.optimizers.__doc__.split())
    assert "lr defaults to 0.01, the seed's; PyTorch 2's SGD defaults to 0.001" in " ".join(SGD.__doc__.split())
