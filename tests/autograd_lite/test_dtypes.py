"""float32 stays float32: a result has its inputs' dtype and a gradient always has its
tensor's dtype and shape, on every path (plain, create_graph, retain_grad, al.grad)."""

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor

F32 = np.float32


def f32(values, requires_grad=True):
    return Tensor(np.asarray(values, dtype=F32), requires_grad=requires_grad)


FUNCTIONS = {
    "sigmoid": al.sigmoid,
    "softplus": al.softplus,
    "relu": al.relu,
    "tanh": al.tanh,
    "softmax": al.softmax,
    "log_softmax": al.log_softmax,
    "logsumexp": lambda x: al.logsumexp(x, -1),
    "max": lambda x: x.max(),
    "min": lambda x: x.min(axis=0),
    "maximum": lambda x: al.maximum(x, 0.1),
    "minimum": lambda x: al.minimum(x, 0.1),
    "two_to_the_x": lambda x: 2.0**x,
    "x_to_the_p": lambda x: (x.abs() + 0.5) ** 1.5,  # off 0, where the second derivative is infinite
    "clip": lambda x: x.clip(-0.2, 0.2),
    "mean": lambda x: x.mean(),
    "bce": lambda x: al.bce(al.sigmoid(x), np.array([0.0, 1.0, 1.0])),
    "bce_with_logits": lambda x: al.bce_with_logits(x, np.array([0.0, 1.0, 1.0])),
    "mse": lambda x: al.mse(x, np.array([0.0, 1.0, 1.0])),
    "cross_entropy": lambda x: al.cross_entropy(x.reshape(1, 3), np.array([2])),
    "cross_entropy_probs": lambda x: al.cross_entropy(x.reshape(1, 3), np.array([[0.2, 0.3, 0.5]])),
    "abs": lambda x: x.abs(),
    "where": lambda x: al.where(x.data > 0, x, x * 2.0),
    "matmul": lambda x: x @ Tensor(np.ones((3, 2), dtype=F32)),
    "getitem": lambda x: x[[0, 0, 2]],
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_float32_values_and_gradients_on_every_path(name):
    fn = FUNCTIONS[name]
    x = f32([-0.3, 0.0, 0.7])
    y = fn(x)
    assert y.dtype == F32, "value"
    y.sum().backward()
    assert x.grad.dtype == F32 and x.grad.shape == x.shape, "backward"
    (g,) = al.grad(fn(x).sum(), [x])
    assert g.dtype == F32, "grad"
    x.grad = None
    fn(x).sum().backward(create_graph=True)
    assert x.grad.dtype == F32, "create_graph"
    if x.grad.requires_grad:  # not for piecewise-linear functions: their gradient is constant
        (g2,) = al.grad(x.grad.sum(), [x], allow_unused=True)
        assert g2 is None or g2.dtype == F32, "second order"
    h = x * 1.0
    h.retain_grad()
    fn(h).sum().backward()
    assert h.grad.dtype == F32, "retain_grad"


def test_mixing_in_a_float64_tensor_promotes_as_numpy_does():
    assert (f32([1.0]) * Tensor([2.0])).dtype == np.float64  # documented: numpy's promotion
    assert (f32([1.0]) * 2.0).dtype == F32  # a Python number does not promote


def test_leaf_gradients_take_the_leafs_dtype_even_when_a_constant_promotes():
    x = f32([1.0, 2.0])
    (x * Tensor([3.0, 4.0])).sum().backward()  # the product is float64
    assert x.grad.dtype == F32 and x.grad.tolist() == [3.0, 4.0]


@pytest.mark.parametrize("shape", [(), (4,)])
def test_the_raw_gradient_of_a_number_to_a_float32_power_stays_float32(shape):
    # .grad is converted to the leaf's dtype at the end: the gradient flowing through the graph
    # (what a float32 network's earlier layers receive) must be float32 already
    from autograd_lite.engine import _seed, _start, backward_pass

    x = Tensor(np.full(shape, 0.5, dtype=np.float32), requires_grad=True)
    y = (2.0 ** (x * 1.0)).sum()
    ((leaf, g),) = backward_pass([(_start(y), _seed(y, None, False, "test"))])
    assert leaf is x and g.dtype == np.float32


NUMPY_NUMBERS = {"np.float64": np.float64(0.1), "np.int64": np.int64(3), "0-d float64 array": np.array(0.1),
                 "np.bool_": np.True_}


@pytest.mark.parametrize("number", NUMPY_NUMBERS.values(), ids=NUMPY_NUMBERS.keys())
def test_a_numpy_number_next_to_a_float32_tensor_keeps_it_float32(number):
    """x / np.sqrt(2), x * mask.sum(), x > np.float64(0.1): numpy promotes to the number's dtype
    (float64) and compares in it; PyTorch, as numpy with a Python number, keeps float32."""
    data = np.array([0.1, 0.2, 3.0], np.float32)
    x = Tensor(data, requires_grad=True)
    results = {"mul": x * number, "rmul": number * x, "div": x / number, "pow": x ** number,
               "maximum": al.maximum(x, number), "where": al.where(x > 0.15, x, number), "sub": number - x}
    for name, y in results.items():
        assert y.dtype == np.float32, name
    value = number.item()
    np.testing.assert_array_equal(results["mul"].data, data * value)
    np.testing.assert_array_equal((x > number).data, data > value)  # compared in float32
    results["div"].sum().backward()
    assert x.grad.dtype == np.float32
    torch = pytest.importorskip("torch")
    t = torch.tensor(data)
    np.testing.assert_array_equal((x > number).data, (t > torch.tensor(number)).numpy())
    np.testing.assert_array_equal(results["div"].data, (t / torch.tensor(number)).numpy())


def test_a_traced_0d_value_next_to_a_float32_tensor_compiles_to_the_eager_dtype():
    """Inside al.compile, a 0-d value computed from the data (a sum of a float64 argument) stays
    traced while taking the place of a number: cast by the table's astype, not read into Python."""
    def step(x, w):
        total = al.ops.sum(w, None, False)  # a numpy float64, traced (w is a plain array argument)
        return (x * total,)

    compiled = al.compile(step, strict=True)
    rng = np.random.default_rng(0)
    for _ in range(4):
        x, w = Tensor(rng.standard_normal(3).astype(np.float32)), rng.standard_normal(4)
        (got,), (want,) = compiled(x, w), step(x, w)
        assert got.dtype == want.dtype == np.float32
        np.testing.assert_array_equal(got.data, want.data)
    assert compiled.programs


@pytest.mark.parametrize("dtype", [np.bool_, np.uint8, np.int8, np.int16])
@pytest.mark.parametrize("name", ["exp", "log1p", "sqrt", "tanh", "sin"])
def test_float_functions_of_small_integer_tensors_answer_in_float64(name, dtype):
    """numpy computes exp and sqrt of bool, int8 and uint8 in float16 (uint8 200 -> sqrt 14.140625,
    exp inf) and of int16 in float32; a tensor does not take float16. As Python's ints: float64."""
    data = np.array([0, 1, 100], dtype=dtype) if dtype is not np.bool_ else np.array([False, True, True])
    got = getattr(Tensor(data), name)()
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got.data, getattr(np, name)(data.astype(np.float64)))
    compiled = al.compile(lambda t: (getattr(t, name)(),))
    for _ in range(3):
        (replayed,) = compiled(Tensor(data))
        assert replayed.dtype == np.float64 and replayed.data.tobytes() == got.data.tobytes()
    assert compiled.programs


def test_a_numpy_number_next_to_an_integer_tensor_keeps_numpys_rules():
    """Taken as a Python number, np.int64(300) does not fit an int8 tensor (OverflowError), and
    al.where(c, int8, np.int64(300)) gave 44; numpy's promotion stays for integer tensors."""
    i8 = Tensor(np.array([1, 2], np.int8))
    assert (i8 + np.int64(300)).data.tolist() == [301, 302] and (np.int64(300) + i8).dtype == np.int64
    assert al.where(i8 > 1, i8, np.int64(300)).data.tolist() == [300, 2]
    counts = Tensor(np.array([1, 2, 3], np.uint8))
    compiled = al.compile(lambda c, k: ((c > k).astype(np.float64).sum(),))
    for k in (0, 1, 300, -1):
        (got,) = compiled(counts, np.array(k))
        assert got.item() == float((np.array([1, 2, 3]) > k).sum())
