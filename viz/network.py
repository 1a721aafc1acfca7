"""A network drawn as TensorFlow Playground draws it, as a Vega-Lite chart: one column per
layer, a small heatmap per neuron (its output over the input plane), and one line per weight
whose width is |w| and whose colour is its sign (blue positive, orange negative).

>>> maps = neuron_maps(net, features_of_grid, (24, 24))   # per column: (units, 24, 24)
>>> images = [[image_uri(m, *colour_range(m)) for m in column] for column in maps]
>>> spec = network_diagram(net, ["x1", "x2"], images)       # a dict: st.vega_lite_chart(spec=spec),
...                                                         # altair.Chart.from_dict(spec) in Jupyter

The chart is plain JSON with its data inline, so any Vega-Lite renderer shows it; nothing here
imports a web framework.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.image import imsave

from .graph import format_number
from .plots import hidden_activations

POSITIVE_COLOUR = "#0877bd"  # TensorFlow Playground's blue
NEGATIVE_COLOUR = "#f59322"  # and its orange
NEURON_CMAP = LinearSegmentedColormap.from_list("playground", [NEGATIVE_COLOUR, "#ffffff", POSITIVE_COLOUR])

COLUMN_WIDTH = 130  # pixels between layer columns, unless a width is asked for
ROW_HEIGHT = 50  # pixels between neurons of a column
NODE_SIZE = 38  # pixels of a neuron's square


def _dense_layers(model: Any) -> list[Any]:
    return [layer for layer in model.layers if hasattr(layer, "output_size") and hasattr(layer, "weight")]


def neuron_maps(model: Any, inputs: np.ndarray, shape: tuple[int, int]) -> list[np.ndarray]:
    """Every neuron's output over a grid of the input plane, one array (units, *shape) per column:
    the input features first, then each Dense layer with the activation after it.

    Args:
        model: an ``mlp.NeuralNetwork`` (Dense layers, activations after them).
        inputs: the network's inputs at the grid points, shape (rows * cols, features), row-major
            with the first row at the bottom (the lowest x2).
        shape: (rows, cols) of the grid.
    """
    inputs = np.asarray(inputs, dtype=float)
    columns = [inputs.T.reshape(-1, *shape)]
    for k in range(len(_dense_layers(model))):
        columns.append(hidden_activations(model, inputs, k).T.reshape(-1, *shape))
    return columns


def colour_range(values: np.ndarray) -> tuple[float, float]:
    """The colour range of a neuron's picture, centred on 0 (white): [-1, 1], as TensorFlow
    Playground's, widened to ± the largest magnitude for values beyond it (ReLU and linear
    units, input features)."""
    finite = np.asarray(values)[np.isfinite(values)]
    reach = max(1.0, float(np.abs(finite).max())) if finite.size else 1.0
    return -reach, reach


def colourise(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """RGBA colours (values.shape + (4,), floats in [0, 1]) of a neuron's values: orange at ``low``,
    white midway, blue at ``high``; non-finite values are white."""
    middle = (low + high) / 2
    values = np.nan_to_num(np.asarray(values, dtype=float), nan=middle, posinf=high, neginf=low)
    return NEURON_CMAP((values - low) / (high - low))


def png_uri(image: np.ndarray) -> str:
    """An RGB(A) image (rows, cols, 3 or 4; floats in [0, 1]) as a PNG ``data:`` URI, row 0 at the
    bottom, as on a plot."""
    buffer = io.BytesIO()
    imsave(buffer, np.asarray(image), format="png", origin="lower",
           pil_kwargs={"compress_level": 1})  # 1: seven times faster than the default, files ~20% larger
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def image_uri(values: np.ndarray, low: float, high: float) -> str:
    """A neuron's values over the grid as a PNG ``data:`` URI (see :func:`colourise`, :func:`png_uri`)."""
    return png_uri(colourise(values, low, high))


def network_layout(model: Any, input_names: Sequence[str], column_width: float = COLUMN_WIDTH
                   ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Positions of neurons and weights: (nodes, edges) as lists of records, columns
    ``column_width`` pixels apart.

    A node has ``column`` (0 for the inputs), ``row``, ``x``, ``y`` (pixels, y down), ``label`` and,
    for computed neurons, ``bias``. An edge has the end points ``x``, ``y``, ``x2``, ``y2``, its
    ``weight``, ``magnitude`` (|w|) and ``sign`` ("positive" or "negative"), and a ``label``.
    """
    dense = _dense_layers(model)
    if not dense:
        raise ValueError("network_layout: the model has no Dense layers")
    sizes = [dense[0].input_size] + [layer.output_size for layer in dense]
    if len(input_names) != sizes[0]:
        raise ValueError(f"network_layout: {len(input_names)} input names for {sizes[0]} inputs")
    tallest = max(sizes)

    def position(column: int, row: int) -> tuple[float, float]:
        top = (tallest - sizes[column]) * ROW_HEIGHT / 2  # each column centred vertically
        return column * column_width, top + row * ROW_HEIGHT

    nodes = []
    for column, size in enumerate(sizes):
        for row in range(size):
            x, y = position(column, row)
            if column == 0:
                label = input_names[row]
                bias = None
            else:
                name = "output" if column == len(sizes) - 1 else f"layer {column}"
                label, bias = f"{name}, neuron {row + 1}", float(dense[column - 1].bias.data[row])
            nodes.append({"column": column, "row": row, "x": x, "y": y, "label": label, "bias": bias})
    edges = []
    for column, layer in enumerate(dense):
        W = layer.weight.data
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                (x, y), (x2, y2) = position(column, i), position(column + 1, j)
                w = float(W[i, j])
                edges.append({"x": x, "y": y, "x2": x2, "y2": y2, "weight": w, "magnitude": abs(w),
                              "sign": "positive" if w >= 0 else "negative",
                              "label": f"W{column + 1}[{i},{j}] = {format_number(w)}"})
    return nodes, edges


def network_diagram(model: Any, input_names: Sequence[str], images: Sequence[Sequence[str]] | None = None,
                    max_width: float | None = None, width: float | None = None) -> dict[str, Any]:
    """The Vega-Lite specification of the drawing (data inline).

    Args:
        model: an ``mlp.NeuralNetwork``.
        input_names: one label per input feature.
        images: per column, per neuron, an image URI (see :func:`image_uri`); without them the
            neurons are plain squares.
        max_width: the widest |w| drawn at full width; weights past it are drawn at full width
            too. Default: the largest |w| in the network (at least 1).
        width: the drawing's width in pixels (the columns spread over it); default: a column
            every ``COLUMN_WIDTH`` pixels.

    Hovering a line shows its weight; a neuron shows its bias.
    """
    columns = len(_dense_layers(model)) + 1
    spacing = COLUMN_WIDTH if width is None else max(NODE_SIZE * 1.5, (width - 2 * NODE_SIZE - 40) / (columns - 1))
    nodes, edges = network_layout(model, input_names, spacing)
    if images is not None:
        flat = [uri for column in images for uri in column]
        if len(flat) != len(nodes):
            raise ValueError(f"network_diagram: {len(flat)} images for {len(nodes)} neurons")
        for node, uri in zip(nodes, flat):
            node["image"] = uri
    reach = max_width or max([1.0] + [e["magnitude"] for e in edges])
    width = max(n["x"] for n in nodes) + NODE_SIZE
    height = max(n["y"] for n in nodes) + NODE_SIZE
    x = {"field": "x", "type": "quantitative", "axis": None, "scale": {"domain": [-NODE_SIZE, width]}}
    y = {"field": "y", "type": "quantitative", "axis": None, "scale": {"domain": [-NODE_SIZE, height], "reverse": True}}
    edge_layer = {
        "data": {"values": edges},
        "mark": {"type": "rule", "opacity": 0.75},
        "encoding": {
            "x": x, "y": y, "x2": {"field": "x2"}, "y2": {"field": "y2"},
            "strokeWidth": {"field": "magnitude", "type": "quantitative", "legend": None,
                            "scale": {"domain": [0, reach], "range": [0.3, 7], "clamp": True}},
            "color": {"field": "sign", "type": "nominal", "legend": None,
                      "scale": {"domain": ["positive", "negative"], "range": [POSITIVE_COLOUR, NEGATIVE_COLOUR]}},
            "tooltip": [{"field": "label", "title": "weight"}],
        },
    }
    node_mark = ({"type": "image", "width": NODE_SIZE, "height": NODE_SIZE} if images is not None else
                 {"type": "square", "size": NODE_SIZE**2, "color": "#dddddd", "opacity": 1})
    node_encoding: dict[str, Any] = {"x": x, "y": y, "tooltip": [{"field": "label", "title": "neuron"},
                                                                  {"field": "bias", "title": "bias", "format": ".4~g"}]}
    if images is not None:
        node_encoding["url"] = {"field": "image", "type": "nominal"}
    node_layer = {"data": {"values": nodes}, "mark": node_mark, "encoding": node_encoding}
    label_layer = {
        "data": {"values": [n for n in nodes if n["column"] == 0]},
        "mark": {"type": "text", "align": "right", "dx": -NODE_SIZE / 2 - 4, "fontSize": 12},
        "encoding": {"x": x, "y": y, "text": {"field": "label"}},
    }
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": width + NODE_SIZE + 40, "height": height + NODE_SIZE,
        "padding": {"left": 40, "top": 5, "right": 5, "bottom": 5},
        "view": {"stroke": None},
        "layer": [edge_layer, node_layer, label_layer],
    }
