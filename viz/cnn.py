"""What a convolutional network learned: its filters, and the feature maps one image makes.

Both build a matplotlib Figure without pyplot and, with ``path=``, write it atomically in the
format the extension names (.png, .svg or .pdf, as ``viz.plots``). PNG sizes:

* ``plot_filters``: 150 x 170 pixels per filter and input channel, plus 90 pixels for the
  colour bar and 30 for the title (8 filters of one channel: 1290 x 200);
* ``plot_feature_maps``: 120 x 130 pixels per map, one row per layer shown, plus a first
  column for the input image and 90 pixels for the colour bars (two layers of 8 maps:
  1170 x 290).
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .plots import DPI, _figure, _plot_format, _save

FILTER_PANEL = (150, 170)
MAP_PANEL = (120, 130)


def _weights(filters: Any) -> np.ndarray:
    """A Conv2D layer's weight, a Tensor or an array, as a (F, C, kh, kw) array."""
    w = getattr(filters, "weight", filters)
    w = np.asarray(getattr(w, "data", w), dtype=float)
    if w.ndim != 4:
        raise ValueError(f"plot_filters: expected a Conv2D layer or weights of shape (filters, channels, kh, kw), "
                         f"got shape {w.shape}")
    return w


def plot_filters(filters: Any, path: str | os.PathLike | None = None, title: str = "Learned filters",
                 annotate: bool = True) -> Any:
    """Each filter of a convolution as a small image, one column per filter and one row per
    input channel, on one colour scale centred at 0 (red positive, blue negative); with
    ``annotate``, each weight's value written in its cell (kernels up to 5x5).

    >>> plot_filters(net.layers[0], path="filters.png")
    """
    file_format = _plot_format("plot_filters", path)
    w = _weights(filters)
    f, c, kh, kw = w.shape
    width = FILTER_PANEL[0] * f + 90
    fig = _figure((width / DPI, (FILTER_PANEL[1] * c + 30) / DPI))
    axes = fig.subplots(c, f, squeeze=False)
    scale = float(np.abs(w).max()) or 1.0
    image = None
    for j in range(f):
        for i in range(c):
            ax = axes[i, j]
            image = ax.imshow(w[j, i], cmap="RdBu_r", vmin=-scale, vmax=scale)
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(f"filter {j + 1}", fontsize=10)
            if j == 0 and c > 1:
                ax.set_ylabel(f"channel {i + 1}", fontsize=9)
            if annotate and kh * kw <= 25:
                for (r, k), v in np.ndenumerate(w[j, i]):
                    ax.text(k, r, f"{v:.2f}", ha="center", va="center", fontsize=7,
                            color="white" if abs(v) > 0.6 * scale else "black")
    fig.colorbar(image, ax=list(axes.ravel()), label="weight", shrink=0.9)
    fig.suptitle(title)
    _save(fig, path, file_format)
    return fig


def _layer_indices(who: str, model: Any, layers: Any) -> list[int]:
    """``layers`` as a non-empty list of indices into ``model.layers``, or an error saying which are valid."""
    valid = f"indices into model.layers, 0..{len(model.layers) - 1} for this network"
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Iterable):
        raise TypeError(f"{who}: layers must be a list of layer indices such as [1, 2] ({valid}), got {layers!r} "
                        f"({type(layers).__name__})")
    layers = list(layers)
    if not layers:
        raise ValueError(f"{who}: layers must name at least one layer: {valid} (e.g. layers=[0])")
    for i in layers:
        if isinstance(i, bool) or not isinstance(i, numbers.Integral):
            raise TypeError(f"{who}: layers are whole numbers ({valid}), got {i!r} ({type(i).__name__})")
        if not 0 <= i < len(model.layers):
            raise ValueError(f"{who}: layers are {valid}, got {i}")
    return [int(i) for i in layers]


def feature_maps(model: Any, image: Any, layers: Sequence[int]) -> dict[int, np.ndarray]:
    """The outputs of ``layers`` (indices into ``model.layers``) for one image, each as an
    array (channels, height, width), computed without a graph."""
    from autograd_lite import no_grad

    x = np.asarray(getattr(image, "data", image), dtype=float)
    if x.ndim == 3:
        x = x[None]
    if x.ndim != 4 or len(x) != 1:
        raise ValueError(f"feature_maps: give one image, shape (channels, height, width), got shape {x.shape}")
    wanted = set(_layer_indices("feature_maps", model, layers))
    maps: dict[int, np.ndarray] = {}
    out: Any = x.astype(model.dtype)
    with no_grad():
        for i, layer in enumerate(model.layers[:max(wanted) + 1]):
            out = layer(out)
            if i in wanted:
                if out.ndim != 4:
                    raise ValueError(f"feature_maps: layer {i} ({layer!r}) gives shape {out.shape}, not maps "
                                     "(batch, channels, height, width)")
                maps[i] = np.asarray(out.data[0], dtype=float)
    return maps


def plot_feature_maps(model: Any, image: Any, layers: Sequence[int], path: str | os.PathLike | None = None,
                      title: str = "Feature maps", label: str | None = None) -> Any:
    """The input image (first column) and, one row per layer in ``layers``, the maps that
    layer gives for it, on one colour scale per row (viridis: dark low, yellow high).

    >>> plot_feature_maps(net, X_test[0], layers=(1, 2), path="maps.png")   # after ReLU, after pooling
    """
    file_format = _plot_format("plot_feature_maps", path)
    layers = _layer_indices("plot_feature_maps", model, layers)
    maps = feature_maps(model, image, layers)
    x = np.asarray(getattr(image, "data", image), dtype=float).reshape(-1, *np.shape(image)[-2:])
    columns = 1 + max(m.shape[0] for m in maps.values())
    rows = len(layers)
    fig = _figure(((MAP_PANEL[0] * columns + 90) / DPI, (MAP_PANEL[1] * rows + 30) / DPI))
    axes = fig.subplots(rows, columns, squeeze=False)
    for r, index in enumerate(layers):
        m = maps[index]
        low, high = float(m.min()), float(m.max())
        image = None
        for k in range(columns):
            ax = axes[r, k]
            ax.set_xticks([])
            ax.set_yticks([])
            if k == 0:
                if r == 0:
                    ax.imshow(x[0], cmap="gray_r")
                    ax.set_title(label or "input", fontsize=9)
                else:
                    ax.set_visible(False)
                continue
            if k - 1 >= m.shape[0]:
                ax.set_visible(False)
                continue
            image = ax.imshow(m[k - 1], cmap="viridis", vmin=low, vmax=high if high > low else low + 1)
            if k == 1:
                ax.set_ylabel(f"layer {index}\n{model.layers[index]!r}", fontsize=8)
            if r == 0 or maps[layers[r - 1]].shape[0] != m.shape[0]:
                ax.set_title(f"map {k}", fontsize=9)
        fig.colorbar(image, ax=list(axes[r, 1:]), shrink=0.9, pad=0.01)
    fig.suptitle(title)
    _save(fig, path, file_format)
    return fig
