"""viz.network: the TensorFlow-Playground-style drawing of a network (Vega-Lite) and its neuron pictures."""

import base64
import io
import json

import numpy as np
import pytest
from matplotlib.image import imread

from mlp import MSE, Dense, NeuralNetwork, Sigmoid, Tanh
from viz.network import (
    NEGATIVE_COLOUR,
    POSITIVE_COLOUR,
    colour_range,
    image_uri,
    network_diagram,
    network_layout,
    neuron_maps,
)


@pytest.fixture
def net():
    rng = np.random.default_rng(0)
    return NeuralNetwork(MSE()).add(Dense(2, 3, rng=rng)).add(Tanh()).add(Dense(3, 1, rng=rng)).add(Sigmoid())


def pixels(uri: str) -> np.ndarray:
    assert uri.startswith("data:image/png;base64,")
    return imread(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])), format="png")


def test_layout_has_a_node_per_neuron_and_an_edge_per_weight(net):
    nodes, edges = network_layout(net, ["x1", "x2"])
    assert [n["column"] for n in nodes] == [0, 0, 1, 1, 1, 2]
    assert len(edges) == 2 * 3 + 3 * 1
    W1 = net.layers[0].weight.data
    first = edges[0]
    assert first["weight"] == W1[0, 0] and first["magnitude"] == abs(W1[0, 0])
    assert first["sign"] == ("positive" if W1[0, 0] >= 0 else "negative")
    assert [n["label"] for n in nodes[:2]] == ["x1", "x2"] and nodes[2]["bias"] == 0.0


def test_columns_go_right_and_are_centred(net):
    nodes, _ = network_layout(net, ["x1", "x2"])
    xs = {n["column"]: n["x"] for n in nodes}
    assert xs[0] < xs[1] < xs[2]
    centre = {c: np.mean([n["y"] for n in nodes if n["column"] == c]) for c in (0, 1, 2)}
    assert centre[0] == pytest.approx(centre[1]) == pytest.approx(centre[2])


def test_edges_join_the_neurons_they_connect(net):
    nodes, edges = network_layout(net, ["x1", "x2"])
    at = {(n["column"], n["row"]): (n["x"], n["y"]) for n in nodes}
    last = edges[-1]  # W2[2, 0]: hidden neuron 3 -> the output
    assert (last["x"], last["y"]) == at[(1, 2)] and (last["x2"], last["y2"]) == at[(2, 0)]


def test_line_width_follows_magnitude_and_colour_follows_sign(net):
    spec = network_diagram(net, ["x1", "x2"])
    enc = spec["layer"][0]["encoding"]
    largest = max(np.abs(net.layers[0].weight.data).max(), np.abs(net.layers[2].weight.data).max(), 1.0)
    assert enc["strokeWidth"]["field"] == "magnitude"
    assert enc["strokeWidth"]["scale"]["domain"] == [0, pytest.approx(largest)]
    assert enc["color"]["scale"] == {"domain": ["positive", "negative"], "range": [POSITIVE_COLOUR, NEGATIVE_COLOUR]}
    json.dumps(spec)  # plain JSON: any Vega-Lite renderer takes it


def test_wrong_counts_are_refused(net):
    with pytest.raises(ValueError, match="3 input names for 2 inputs"):
        network_layout(net, ["a", "b", "c"])
    with pytest.raises(ValueError, match="1 images for 6 neurons"):
        network_diagram(net, ["x1", "x2"], [["data:,"]])


def test_images_become_the_neurons(net):
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 8), np.linspace(-1, 1, 6)), axis=-1).reshape(-1, 2)
    maps = neuron_maps(net, grid, (6, 8))
    images = [[image_uri(m, *colour_range(m)) for m in column] for column in maps]
    spec = network_diagram(net, ["x1", "x2"], images)
    node_layer = spec["layer"][1]
    assert node_layer["mark"]["type"] == "image" and node_layer["encoding"]["url"]["field"] == "image"
    assert [n["image"] for n in node_layer["data"]["values"]] == [u for c in images for u in c]


def test_neuron_maps_are_the_features_then_each_layer(net):
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 8), np.linspace(-2, 2, 6)), axis=-1).reshape(-1, 2)
    maps = neuron_maps(net, grid, (6, 8))
    assert [m.shape for m in maps] == [(2, 6, 8), (3, 6, 8), (1, 6, 8)]
    np.testing.assert_allclose(maps[0][1][:, 0], np.linspace(-2, 2, 6))  # x2 grows along the rows
    hidden = np.tanh(grid @ net.layers[0].weight.data + net.layers[0].bias.data)
    np.testing.assert_allclose(maps[1][2].ravel(), hidden[:, 2])
    np.testing.assert_allclose(maps[2][0].ravel(), net.predict(grid).ravel())


def test_image_colours_orange_white_blue_and_bottom_row_first():
    values = np.array([[-1.0, 0.0, 1.0], [np.nan, 0.0, 0.0]])  # row 0 is the bottom one
    img = pixels(image_uri(values, -1.0, 1.0))
    assert img.shape[:2] == (2, 3)
    to_hex = lambda rgb: "#" + "".join(f"{round(c * 255):02x}" for c in rgb[:3])
    bottom = img[-1]
    assert to_hex(bottom[0]) == NEGATIVE_COLOUR and to_hex(bottom[2]) == POSITIVE_COLOUR
    for white in (bottom[1], img[0][0]):  # 0, and NaN, are white (to the colour table's step)
        np.testing.assert_allclose(white[:3], 1.0, atol=2 / 255)


def test_colour_range_is_symmetric_and_at_least_one():
    assert colour_range(np.array([0.2, 0.9])) == (-1.0, 1.0)
    assert colour_range(np.array([-0.5, 4.0])) == (-4.0, 4.0)
    assert colour_range(np.array([np.inf, -2.0])) == (-2.0, 2.0)


def test_a_width_spreads_the_columns_over_it(net):
    narrow = network_diagram(net, ["x1", "x2"])
    wide = network_diagram(net, ["x1", "x2"], width=600)
    xs = lambda spec: sorted({n["x"] for n in spec["layer"][1]["data"]["values"]})
    assert xs(narrow)[-1] == 260 and xs(wide)[-1] > 400
    assert wide["width"] <= 600 + 1e-9 < narrow["width"] + 300


def test_weights_are_labelled_with_four_significant_digits_and_zero_reads_0():
    net = NeuralNetwork(MSE()).add(Dense(2, 1))
    net.layers[0].weight.data[:] = [[2.5e-7], [-0.0]]
    _, edges = network_layout(net, ["a", "b"])
    assert [e["label"] for e in edges] == ["W1[0,0] = 2.5e-07", "W1[1,0] = 0"]
