"""draw_graph: the DOT source of known graphs, names, colours, clusters, and depth."""

import re
import warnings

import graphviz
import numpy as np

import autograd_lite as al
import viz
from autograd_lite import Tensor
from mlp import MSE, Dense, NeuralNetwork, Sigmoid


def node_lines(source: str) -> dict[str, str]:
    return dict(re.findall(r"^\s*(\w+) \[(.*)\]$", source, flags=re.M))


def edges(source: str) -> set[tuple[str, str]]:
    return set(re.findall(r"^\s*(\w+) -> (\w+)$", source, flags=re.M))


def test_neuron_after_backward_has_five_leaves_and_five_ops(neuron):
    o, _ = neuron
    g = viz.draw_graph(o)
    assert isinstance(g, graphviz.Digraph)
    nodes = node_lines(g.source)
    leaves = {k: v for k, v in nodes.items() if k.startswith("leaf")}
    ops = {k: v for k, v in nodes.items() if k.startswith("op")}
    assert len(leaves) == 5
    assert sorted(re.search(r'label="([^"]+)"', v).group(1) for v in ops.values()) == ["*", "*", "+", "+", "tanh"]
    labels = {re.search(r'label="\{ (\w+) \|', v).group(1): v for v in leaves.values()}
    assert "data 2 | grad -1.5 }" in labels["x1"]
    assert "data -3 | grad 1 }" in labels["w1"]
    assert "data 0 | grad 0.5 }" in labels["x2"]
    assert "data 1 | grad 0 }" in labels["w2"]
    assert "data 6.881 | grad 0.5 }" in labels["b"]
    assert all("fillcolor=lightblue" in v for v in leaves.values())
    out = [v for k, v in nodes.items() if "darkolivegreen1" in v]
    assert len(out) == 1 and "{ o | data 0.7071 | grad - }" in out[0]  # a non-leaf: no .grad (PyTorch)


def test_neuron_edges(neuron):
    o, (x1, x2, w1, w2, b) = neuron
    src = viz.draw_graph(o).source
    nodes = node_lines(src)
    by_label = {}
    for key, attrs in nodes.items():
        m = re.search(r'label="\{ (\w+) \|', attrs)
        if m:
            by_label[m.group(1)] = key
    op_label = {k: re.search(r'label="([^"]+)"', v).group(1) for k, v in nodes.items() if k.startswith("op")}
    e = edges(src)
    into = {}
    for a, z in e:
        into.setdefault(z, set()).add(a)
    mul_of_x1 = next(z for a, z in e if a == by_label["x1"])
    assert op_label[mul_of_x1] == "*" and into[mul_of_x1] == {by_label["x1"], by_label["w1"]}
    mul_of_x2 = next(z for a, z in e if a == by_label["x2"])
    assert into[mul_of_x2] == {by_label["x2"], by_label["w2"]}
    first_add = next(z for a, z in e if a == mul_of_x1)
    assert op_label[first_add] == "+" and into[first_add] == {mul_of_x1, mul_of_x2}
    second_add = next(z for a, z in e if a == by_label["b"])
    assert into[second_add] == {first_add, by_label["b"]}
    tanh = next(z for a, z in e if a == second_add)
    assert op_label[tanh] == "tanh" and (tanh, by_label["o"]) in e
    assert len(e) == 10  # 4 into the products, 2 into the sum, 2 into "+ b", 1 into tanh, 1 out


def test_tensors_that_retain_their_grad_are_drawn_with_it():
    x1, w1 = Tensor(2.0, requires_grad=True, name="x1"), Tensor(-3.0, requires_grad=True, name="w1")
    x1w1 = x1 * w1
    x1w1.name = "x1*w1"
    x1w1.retain_grad()
    o = x1w1.tanh()
    o.retain_grad()
    o.backward()
    src = viz.draw_graph(o).source
    expected_grad = 1 - np.tanh(-6.0) ** 2
    assert f"{{ x1*w1 | data -6 | grad {expected_grad:.4g} }}" in src
    assert f"data {np.tanh(-6.0):.4g} | grad 1" in src


def test_before_backward_the_values_that_exist_are_shown_and_no_gradient():
    """Values the graph saved for backward (exp keeps its output), those of tensors named in
    params; gradients only once backward has run. Nothing is kept for drawings."""
    x = Tensor([1.0, 2.0], requires_grad=True, name="x")
    x3 = x * 3
    y = x3.exp().sum()
    src = viz.draw_graph(y).source
    assert f"data [{np.exp(3.0):.4g}, {np.exp(6.0):.4g}]" in src and "grad -" in src
    assert "data [3, 6]" not in src  # exp saved its output, not its input
    assert "{ x3 | (2,) | data [3, 6] | grad - }" in viz.draw_graph(y, params={"x3": x3}).source


def test_parameters_are_labelled_by_name_and_large_tensors_by_shape():
    net = NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid()).add(Dense(3, 1))
    loss = net.loss_function(net.forward(np.ones((1, 2))), np.ones((1, 1)))
    loss.backward()
    src = viz.draw_graph(loss, params=dict(net.named_parameters())).source
    assert "{ layers.0.weight | (2, 3) }" in src  # 6 values > max_values: shape only
    assert "layers.0.bias | (3,) | data [0, 0, 0] | grad [" in src
    assert "layers.2.weight | (3, 1) | data [" in src


def test_group_by_module_draws_one_cluster_per_layer():
    net = NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid()).add(Dense(3, 1)).add(Sigmoid())
    with viz.record_modules(net):
        loss = net.loss_function(net.forward(np.ones((1, 2))), np.ones((1, 1)))
    src = viz.draw_graph(loss, model=net, group_by_module=True).source
    for i, name in enumerate(["Dense(2 -> 3)", "Sigmoid()", "Dense(3 -> 1)", "Sigmoid()"]):
        assert f'subgraph "cluster_layers.{i}"' in src and f"layers.{i}: {name}" in src
    dense0 = src[src.index('subgraph "cluster_layers.0"'):src.index('subgraph "cluster_layers.1"')]
    assert 'label="x@W+b"' in dense0 and "layers.0.weight" in dense0 and "layers.0.bias" in dense0


def test_the_model_itself_can_be_given_as_params():
    net = NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid())
    viz.record_modules(net)  # without `with`: the hooks stay
    loss = net.loss_function(net.forward(np.ones((1, 2))), np.ones((1, 3)))
    src = viz.draw_graph(loss, params=net, group_by_module=True).source
    assert "layers.0.weight" in src and 'subgraph "cluster_layers.1"' in src


def test_grouping_a_forward_that_was_not_recorded_says_how():
    import pytest

    net = NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid())
    loss = net.loss_function(net.forward(np.ones((1, 2))), np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"viz\.record_modules\(model\)"):
        viz.draw_graph(loss, model=net, group_by_module=True)


def test_layers_keep_no_drawing_state():
    net = NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid())
    with viz.record_modules(net):
        net.forward(np.ones((1, 2)))
    for layer in net.layers:
        assert set(vars(layer)) - {"_hooks"} == set(vars(Dense(2, 3) if isinstance(layer, Dense) else Sigmoid()))
        assert not layer.__dict__.get("_hooks")  # the hooks went with the `with` block


def test_a_layers_output_shows_its_values_though_the_engine_does_not_keep_them():
    """A Dense output feeding a sigmoid (whose first operation, a negation, saves nothing) is
    drawn with its values from the recorded forward, not 'data ?'."""
    net = NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid()).add(Dense(3, 1)).add(Sigmoid())
    x = np.array([[0.5, -1.0]])
    with viz.record_modules(net):
        loss = net.loss_function(net.forward(x), np.ones((1, 1)))
    loss.backward(retain_graph=True)
    src = viz.draw_graph(loss, model=net, group_by_module=True).source
    z = net.layers[0].forward(x).data
    assert "data " + viz.graph._format_values(z) in src
    plain = viz.draw_graph(loss).source  # no model: the engine's values only
    assert "data " + viz.graph._format_values(z) not in plain and "data ?" in plain


def test_recording_modules_leaves_a_compiled_training_step_compiled():
    """The hook keeps each layer's output values without reading .data, which al.compile
    takes for Python looking at values (the step then ran eagerly, with a warning)."""
    np.random.seed(0)
    net = NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid()).add(Dense(3, 1)).add(Sigmoid())
    X, y = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([[0.0], [1.0], [1.0], [0.0]])
    with viz.record_modules(net), warnings.catch_warnings():
        warnings.simplefilter("error")
        net.train(X, y, epochs=3, learning_rate=0.1, compile=True, verbose=False)


def test_collapsed_modules_draw_a_network_too_large_for_operations():
    net = NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid()).add(Dense(3, 1)).add(Sigmoid())
    with viz.record_modules(net):
        loss = net.loss_function(net.forward(np.ones((1, 2))), np.ones((1, 1)))
    src = viz.draw_graph(loss, model=net, collapse_modules=True).source
    assert "layers.0: Dense(2 -> 3)\\n1 operation" in src and "layers.1: Sigmoid()\\n4 operations" in src
    assert 'label="x@W+b"' not in src and "->" in src


def test_legend_is_optional():
    x = Tensor(1.0, requires_grad=True)
    assert "cluster_legend" not in viz.draw_graph(x * 2).source
    assert "cluster_legend" in viz.draw_graph(x * 2, legend=True).source


def test_names_with_record_characters_are_escaped(tmp_path):
    x = Tensor(1.0, requires_grad=True, name='a|b {c} <d> "e"')
    path = viz.render(x * 2, tmp_path / "escaped.svg")
    assert "a|b {c} &lt;d&gt;" in open(path).read()


def test_a_100000_node_chain_draws_without_recursion():
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    src = viz.draw_graph(y, show_data=False, show_grad=False, max_nodes=None).source
    assert src.count('label="*"') == 100_000


def test_a_graph_too_large_to_read_is_refused_with_the_ways_past_it():
    import pytest

    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(1001):
        y = y * 1.0
    with pytest.raises(viz.GraphTooLarge, match=r"max_nodes=1000.*collapse_modules=True.*max_nodes=None"):
        viz.draw_graph(y)
    assert viz.draw_graph(y, max_nodes=2000).source.count('label="*"') == 1001


def test_several_roots_and_a_leaf_root():
    x = Tensor(1.0, requires_grad=True, name="x")
    src = viz.draw_graph([x * 2, x.exp()]).source
    assert src.count("darkolivegreen1") == 2 and src.count("{ x |") == 1
    assert "darkolivegreen1" in viz.draw_graph(x).source


def test_drawing_needs_tensors():
    import pytest

    with pytest.raises(TypeError, match="expected Tensors"):
        viz.draw_graph([np.ones(2)])


def test_drawing_after_grad_of_grad():
    x = Tensor(0.5, requires_grad=True, name="x")
    (g,) = al.grad(x.sin(), [x], create_graph=True)
    assert 'label="cos"' in viz.draw_graph(g).source


def test_after_a_retained_backward_every_value_and_gradient_is_shown():
    x = Tensor(0.5, requires_grad=True, name="x")
    y = ((x * 2).exp() + 1.0).log()
    y.backward(retain_graph=True)
    src = viz.draw_graph(y).source
    e = np.exp(1.0)
    assert f"data {e:.4g} | grad {1 / (e + 1):.4g}" in src  # exp(2x) and its gradient
    assert f"data ? | grad {e / (e + 1):.4g}" in src  # 2x: its value was not kept (exp keeps its output)
    assert "grad -" not in src


def test_drawing_refuses_what_is_not_a_tensor_with_advice():
    import pytest

    for bad in (3.0, [], [Tensor(1.0), 2.0], None):
        with pytest.raises(TypeError, match="expected Tensors to draw from"):
            viz.draw_graph(bad)


def test_tiny_and_huge_values_keep_four_significant_digits_and_zeros_read_0():
    x = Tensor(np.array([3e-7, -3e-7, 1.2e15, -0.0]), requires_grad=True, name="x")
    y = (x * x).sum()
    y.backward()
    label = node_lines(viz.draw_graph(y, max_values=4).source)["leaf0"]
    assert "data [3e-07, -3e-07, 1.2e+15, 0] | grad [6e-07, -6e-07, 2.4e+15, 0] }" in label

