"""Tensor._repr_html_: what Jupyter shows for a tensor (shape, dtype, origin, values, gradient)."""

import html
import re

import numpy as np

from autograd_lite import Tensor


def rows(t: Tensor) -> dict[str, str]:
    """The table's rows, header -> text, unescaped."""
    found = re.findall(r"<th[^>]*>(.*?)</th><td[^>]*>(.*?)</td>", t._repr_html_(), flags=re.S)
    return {html.unescape(k): html.unescape(v) for k, v in found}


def test_a_leaf_shows_shape_dtype_values_and_its_gradient_after_backward():
    x = Tensor([1.0, 2.0], requires_grad=True, name="x")
    assert rows(x) == {"Tensor 'x'": "shape (2,)  float64  leaf, requires grad", "data": "[1., 2.]",
                       "grad": "none yet (call backward() on a result)"}
    (x * x).sum().backward()
    assert rows(x)["grad"] == "[2., 4.]"


def test_a_result_names_its_grad_fn_and_why_it_has_no_gradient():
    x = Tensor(np.array([1.0, -2.0], dtype=np.float32), requires_grad=True)
    y = x * 3
    y.sum().backward()
    r = rows(y)
    assert r["Tensor"] == "shape (2,)  float32  grad_fn=<mul>"
    assert r["data"] == "[ 3., -6.]"
    assert r["grad"] == "none (a non-leaf keeps its gradient only after retain_grad())"


def test_a_constant_says_it_does_not_require_grad():
    assert rows(Tensor(2.5))["grad"] == "none (does not require grad)"
    assert rows(Tensor(2.5))["data"] == "2.5"


def test_large_values_are_abridged_as_numpy_abridges():
    data = rows(Tensor(np.arange(1000.0).reshape(10, 100)))["data"]
    assert "..." in data
    assert data.count("\n") == 6  # three rows, the ellipsis row, three rows
    assert "999." in data and "500." not in data


def test_names_and_values_are_escaped():
    t = Tensor([1.0], name="<b>&")
    assert "<b>&" not in t._repr_html_()
    assert rows(t)["Tensor '<b>&'"].startswith("shape (1,)")
