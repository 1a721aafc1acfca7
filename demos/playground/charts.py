"""The playground's charts as Vega-Lite specifications, cheap to redraw: the browser draws them,
and their data travel as named data sets, so a redraw with the same specification only sends
new rows (no figure is rendered on the server, unlike the seed app's four matplotlib figures).

Each ``*_chart`` function returns ``(spec, datasets)``; :func:`vega` joins them for
``st.vega_lite_chart``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.colors import to_rgb

from viz.network import (
    NEGATIVE_COLOUR,
    POSITIVE_COLOUR,
    colour_range,
    colourise,
    image_uri,
    network_diagram,
    neuron_maps,
    png_uri,
)

from .training import History, Race, Run

Spec = dict[str, Any]
MAX_POINTS = 400  # per line: more would not show on a chart a few hundred pixels wide
CLASS_COLOURS = [NEGATIVE_COLOUR, POSITIVE_COLOUR, "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22", "#17becf"]
SERIES_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                  "#bcbd22", "#17becf"]  # enough for 6 hidden layers and the output


def vega(spec: Spec, datasets: dict[str, pd.DataFrame], stretch: bool = True) -> Spec:
    """The specification with its named data sets attached (Streamlit sends those as Arrow),
    drawn on a canvas (a redraw repaints pixels instead of rebuilding SVG elements). The plot
    keeps its height, titles and legends come on top of it; a ``stretch`` chart fills its
    column's width, the others keep their own."""
    autosize = {"type": "fit-x", "contains": "padding"} if stretch else {"type": "pad"}
    return {**spec, "datasets": datasets, "autosize": autosize, "usermeta": {"embedOptions": {"renderer": "canvas"}}}


def title(text: str, *subtitle: str) -> dict[str, Any]:
    """A chart's title and explanation, drawn by the chart itself (no extra page element to redraw)."""
    return {"text": text, "subtitle": list(subtitle), "anchor": "start", "fontSize": 14, "subtitleFontSize": 12,
            "subtitleColor": "#555555", "offset": 10}


def thin(n: int, most: int = MAX_POINTS) -> np.ndarray:
    """Indices of at most ``most`` evenly spread items of ``n``, the last one always included."""
    if n <= most:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, most).round().astype(int))


def _lines(epochs: Sequence[int], series: dict[str, Sequence[float]], key: str, value: str) -> pd.DataFrame:
    """Long-format rows (epoch, key, value) of several series over the same epochs, thinned."""
    keep = thin(len(epochs))
    frames = [pd.DataFrame({"epoch": np.asarray(epochs)[keep], key: name, value: np.asarray(values, float)[keep]})
              for name, values in series.items() if len(values)]
    if not frames:
        return pd.DataFrame({"epoch": [], key: [], value: []})
    return pd.concat(frames, ignore_index=True)


def _line_spec(key: str, value: str, title: str, log: bool, domain: Sequence[str], height: int = 220) -> Spec:
    return {
        "height": height,
        "mark": {"type": "line", "interpolate": "monotone"},
        "data": {"name": "lines"},
        "encoding": {
            "x": {"field": "epoch", "type": "quantitative", "title": "epoch"},
            "y": {"field": value, "type": "quantitative", "title": title,
                  "scale": {"type": "log"} if log else {"zero": False}},
            "color": {"field": key, "type": "nominal", "title": None,
                      "scale": {"domain": list(domain), "range": SERIES_COLOURS[:len(domain)]},
                      "legend": {"orient": "top"}},
            "tooltip": [{"field": "epoch"}, {"field": key}, {"field": value, "format": ".4g"}],
        },
    }


def _positive(values: Sequence[float]) -> np.ndarray:
    """Values for a log axis: zeros (a perfect fit) shown at a tiny positive value."""
    return np.maximum(np.asarray(values, dtype=float), 1e-12)


def loss_chart(history: History, with_test: bool) -> tuple[Spec, dict[str, pd.DataFrame]]:
    """Training (and test) loss per epoch, log scale."""
    series = {"train": _positive(history.train_loss)}
    if with_test:
        series["test"] = _positive(history.test_loss)
    rows = _lines(history.epochs, series, "set", "loss")
    spec = _line_spec("set", "loss", "loss (log scale)", True, list(series), height=180)
    spec["title"] = title("Loss", "training: the mean over each epoch's steps"
                          + ("; test: at the epoch's end" if with_test else ""))
    return spec, {"lines": rows}


def gradient_norm_chart(history: History) -> tuple[Spec, dict[str, pd.DataFrame]]:
    """‖∂loss/∂W‖ of each layer over the epochs, log scale: vanishing gradients show as low lines."""
    rows = _lines(history.grad_epochs, {k: _positive(v) for k, v in history.grad_norms.items()}, "layer", "norm")
    return _line_spec("layer", "norm", "‖∂loss/∂W‖ (log scale)", True, list(history.grad_norms)), {"lines": rows}


def weights_chart(run: Run) -> tuple[Spec, dict[str, pd.DataFrame]]:
    """The first 12 weights over the epochs (the seed app's "weight dynamics")."""
    rec = run.recorder
    rows = _lines(rec.epochs, rec.trajectories, "weight", "value")
    spec = _line_spec("weight", "value", "weight value", False, list(rec.trajectories), height=260)
    spec["encoding"]["color"]["scale"] = {"scheme": "tableau20"}
    spec["encoding"]["color"]["legend"] = {"orient": "right", "columns": 1}
    return spec, {"lines": rows}


def race_chart(race: Race, names: dict[str, str]) -> tuple[Spec, dict[str, pd.DataFrame]]:
    """The training loss of the four optimizers' runs, one line each."""
    frames = [_lines(run.history.epochs, {names[kind]: _positive(run.history.train_loss)}, "optimizer", "loss")
              for kind, run in race.runs.items()]
    spec = _line_spec("optimizer", "loss", "training loss (log scale)", True, [names[k] for k in race.runs], 300)
    return spec, {"lines": pd.concat(frames, ignore_index=True)}


def grid(extent: tuple[tuple[float, float], tuple[float, float]], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cell centres of an n x n grid over ``extent`` as points (n*n, 2), row-major from the lowest x2,
    with the cells' x1 and x2 edges."""
    (x0, x1), (y0, y1) = extent
    xs, ys = np.linspace(x0, x1, n + 1), np.linspace(y0, y1, n + 1)
    cx, cy = (xs[:-1] + xs[1:]) / 2, (ys[:-1] + ys[1:]) / 2
    points = np.stack(np.meshgrid(cx, cy), axis=-1).reshape(-1, 2)
    return points, xs, ys


def prediction_image(run: Run, extent: tuple[tuple[float, float], tuple[float, float]], resolution: int) -> str:
    """The network's prediction over the plane as a PNG ``data:`` URI: orange (class 0) through
    white (unsure) to blue (class 1), or each class's colour, paler where the network is less sure."""
    points, _, _ = grid(extent, resolution)
    probs = run.probabilities(points)
    classes = probs.shape[1]
    if classes == 2:
        rgba = colourise(2 * probs[:, 1] - 1, -1.0, 1.0)[:, :3]
    else:
        colours = np.array([to_rgb(c) for c in CLASS_COLOURS[:classes]])
        sure = ((probs.max(axis=1) - 1 / classes) / (1 - 1 / classes))[:, None]
        rgba = sure * colours[probs.argmax(axis=1)] + (1 - sure) * 1.0
    faded = 0.15 + 0.85 * rgba  # a little white over it, so that the points stand out
    return png_uri(faded.reshape(resolution, resolution, 3))


def boundary_chart(run: Run, resolution: int = 80, size: int = 360) -> tuple[Spec, dict[str, pd.DataFrame]]:
    """The prediction over the plane (one image: a picture is far cheaper for a browser to redraw
    than thousands of cells) with the training points (white rim) and test points (black rim)."""
    data = run.data
    extent = data.extent()
    (x0, x1), (y0, y1) = extent
    background = pd.DataFrame({"x": [x0], "x2": [x1], "y": [y0], "y2": [y1],
                               "url": [prediction_image(run, extent, resolution)]})
    pts = pd.concat([
        pd.DataFrame({"x": data.train_points[:, 0], "y": data.train_points[:, 1],
                      "class": data.train_labels.astype(str), "set": "train"}),
        pd.DataFrame({"x": data.test_points[:, 0], "y": data.test_points[:, 1],
                      "class": data.test_labels.astype(str), "set": "test"}),
    ], ignore_index=True)
    x = {"field": "x", "type": "quantitative", "title": "x₁",
         "scale": {"domain": [x0, x1], "nice": False, "zero": False}}
    y = {"field": "y", "type": "quantitative", "title": "x₂",
         "scale": {"domain": [y0, y1], "nice": False, "zero": False}}
    spec = {
        "width": size, "height": size,
        "title": title("Output", "the class predicted over the plane;",
                       "points: white rim training, black rim test" if data.has_test else "points: the training data"),
        "layer": [
            {"data": {"name": "background"},
             "mark": {"type": "image", "aspect": False},  # stretched from (x, y) to (x2, y2): the whole plot
             "encoding": {"x": x, "x2": {"field": "x2"}, "y": y, "y2": {"field": "y2"},
                          "url": {"field": "url", "type": "nominal"}}},
            {"data": {"name": "points"},
             "mark": {"type": "circle", "size": 120 if len(pts) <= 20 else 30, "opacity": 1, "strokeWidth": 1},
             "encoding": {"x": x, "y": y,
                          "fill": {"field": "class", "type": "nominal", "legend": None,
                                   "scale": {"domain": [str(c) for c in range(data.classes)],
                                             "range": CLASS_COLOURS[:data.classes]}},
                          "stroke": {"field": "set", "type": "nominal", "title": "points",
                                     "scale": {"domain": ["train", "test"], "range": ["#ffffff", "#000000"]},
                                     "legend": {"orient": "bottom"} if data.has_test else None},
                          "tooltip": [{"field": "x", "title": "x₁", "format": ".3f"},
                                      {"field": "y", "title": "x₂", "format": ".3f"},
                                      {"field": "class"}, {"field": "set"}]}},
        ],
    }
    return spec, {"background": background, "points": pts}


def network_chart(run: Run, input_labels: Sequence[str], resolution: int = 24, width: int = 540
                  ) -> tuple[Spec, dict[str, pd.DataFrame]]:
    """The network as TensorFlow Playground draws it (viz.network): every neuron's output over the
    plane as its picture, weights as lines of width |w|, blue for positive, orange for negative."""
    points, _, _ = grid(run.data.extent(), resolution)
    maps = neuron_maps(run.net, run.inputs(points), (resolution, resolution))
    images = [[image_uri(m, *colour_range(m)) for m in column] for column in maps]
    largest = max(float(np.abs(d.weight.data).max()) for d in run.dense)
    # The width scale moves in powers of two, so the chart's specification (and the drawing
    # the browser keeps) changes rarely while the weights grow.
    reach = 2.0 ** np.ceil(np.log2(max(largest, 1.0)))
    spec = network_diagram(run.net, input_labels, images, max_width=reach, width=width)
    spec["title"] = title("The network", "each square: a neuron's output over the plane; each line: a weight,",
                          "width |w|, blue positive, orange negative (hover for values)")
    datasets = {}
    for k, layer in enumerate(spec["layer"]):
        name = f"layer{k}"
        datasets[name] = pd.DataFrame(layer["data"]["values"])
        layer["data"] = {"name": name}
    return spec, datasets
