"""Model files: a network's parameters and its architecture in one .npz, written atomically.

>>> net.save("digits.npz")
>>> same = NeuralNetwork.from_file("digits.npz")      # rebuilt from the file alone
>>> other.load("digits.npz")                          # into a network built with the same layers

The file holds every parameter under its name (``layers.0.weight``...) and, under
``__architecture__``, a JSON record: for each layer its class, its constructor's arguments
(``Module.config()``) and its repr; the loss likewise; the shape of one input sample when
the network knows it; the parameters' dtype. ``from_file`` rebuilds the layers from that
record (mlp's own layer classes, and those given in ``layers=``), without touching numpy's
global random state, then loads the values. A loss_function that is not one of mlp's losses
(a plain function) is not recorded: set it on the rebuilt network. Files written before the record held the
settings (a list of layer reprs) still ``load`` into a network built by hand.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_lite.files import write_atomically

from .activations import ReLU, Sigmoid, Softmax, Tanh
from .conv import AvgPool2D, Conv2D, Flatten, MaxPool2D
from .layers import Dense
from .loss import BCE, MSE, CrossEntropy
from .module import Module

if TYPE_CHECKING:
    from .network import NeuralNetwork

ARCHITECTURE_KEY = "__architecture__"
FORMAT = 2

#: the layer and loss classes from_file rebuilds by name
LAYERS: dict[str, type[Module]] = {cls.__name__: cls for cls in (Dense, Sigmoid, ReLU, Tanh, Softmax, Conv2D,
                                                                MaxPool2D, AvgPool2D, Flatten)}
LOSSES: dict[str, type] = {cls.__name__: cls for cls in (MSE, BCE, CrossEntropy)}


def architecture(net: NeuralNetwork) -> dict[str, Any]:
    """The JSON record of ``net``: layers (class, config, repr), loss, input shape, dtype."""
    loss = net.loss_function
    loss_record = None
    if loss is not None and type(loss).__name__ in LOSSES and hasattr(loss, "config"):
        loss_record = {"class": type(loss).__name__, "config": loss.config()}
    shape = net.input_shape
    return {
        "format": FORMAT,
        "layers": [{"class": type(layer).__name__, "config": layer.config(), "repr": repr(layer)}
                   for layer in net.layers],
        "loss": loss_record,
        "input_shape": None if shape is None else list(shape),
        "dtype": str(net.dtype),
    }


def save(net: NeuralNetwork, path: str | os.PathLike) -> str:
    """Write ``net`` to ``path`` atomically (see the module docstring); returns the path."""
    arrays = {name: p.data for name, p in net.named_parameters()}
    arrays[ARCHITECTURE_KEY] = np.array(json.dumps(architecture(net)))

    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:  # a file object: np.savez would otherwise append ".npz"
            np.savez(f, **arrays)

    return write_atomically(path, write)


def read(path: str | os.PathLike, caller: str) -> tuple[dict[str, np.ndarray], Any]:
    """The parameter arrays and the architecture record of a file written by :func:`save`.

    Raises FileNotFoundError, or ValueError saying why the file is not a model file; the file
    is always closed.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{caller}: no model file at {path!r}")
    try:
        if not os.path.isfile(path):
            raise ValueError("it is a folder or a device, not a file")
        with open(path, "rb") as fh:  # ours to close, whatever np.load makes of the file
            if fh.read(4) != b"PK\x03\x04":
                raise ValueError("it is not a zip archive, as every .npz file is")
            fh.seek(0)
            with np.load(fh, allow_pickle=False) as f:
                arrays = {k: np.array(f[k]) for k in f.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as e:
        raise ValueError(f"{caller}: {path!r} is not a model file written by save() ({e})") from None
    stored = arrays.pop(ARCHITECTURE_KEY, None)
    if stored is None:
        raise ValueError(f"{caller}: {path!r} has no architecture record; it was not written by save()")
    try:
        record = json.loads(str(stored))
    except ValueError as e:
        raise ValueError(f"{caller}: {path!r} has an unreadable architecture record ({e})") from None
    return arrays, record


def _reprs(record: Any) -> list[str]:
    """The layers' reprs in a record of either format (format 1 was the list of them)."""
    if isinstance(record, list):
        return [str(r) for r in record]
    return [str(layer.get("repr")) for layer in record.get("layers", [])]


def load(net: NeuralNetwork, path: str | os.PathLike) -> NeuralNetwork:
    """Read the parameters in ``path`` into ``net``, built with the same layers. Everything is
    read and checked before any parameter changes; each parameter keeps its dtype."""
    arrays, record = read(path, "load()")
    theirs, ours = _reprs(record), [repr(layer) for layer in net.layers]
    if theirs != ours:
        raise ValueError(f"load(): {os.fspath(path)!r} holds a network {theirs}, this one is {ours}")
    net.load_state_dict(arrays)
    if isinstance(record, dict) and record.get("input_shape") is not None and net.input_shape is None:
        net.input_shape = tuple(record["input_shape"])
    return net


def from_file(cls: type[NeuralNetwork], path: str | os.PathLike,
              layers: Mapping[str, type[Module]] | None = None) -> NeuralNetwork:
    """A network rebuilt from ``path`` alone: its layers, loss, dtype, input shape and values."""
    arrays, record = read(path, "from_file()")
    where = os.fspath(path)
    if not isinstance(record, dict) or record.get("format", 0) < FORMAT:
        raise ValueError(f"from_file(): {where!r} was written by an older version, which recorded the layers' names "
                         f"only ({_reprs(record)}); build that network yourself and call net.load(path)")
    known = {**LAYERS, **(layers or {})}
    built = []
    state = np.random.get_state()  # the constructors draw initial weights: leave the caller's stream alone
    try:
        for i, entry in enumerate(record["layers"]):
            name, config = entry["class"], entry["config"]
            if name not in known:
                raise ValueError(f"from_file(): layer {i} of {where!r} is a {name} ({entry['repr']}), a class "
                                 f"from_file does not know; pass it: NeuralNetwork.from_file(path, layers={{'{name}': "
                                 f"{name}}}), or build the network yourself and call net.load(path)")
            if config is None:
                raise ValueError(f"from_file(): layer {i} of {where!r}, {entry['repr']}, recorded no settings (its "
                                 "class defines no config()); build the network yourself and call net.load(path)")
            built.append(known[name](**config))
    finally:
        np.random.set_state(state)
    loss = record.get("loss")
    net = cls(loss_function=None if loss is None else LOSSES[loss["class"]](**loss["config"]))
    for layer in built:
        net.add(layer)
    net.astype(record.get("dtype", "float64"))
    if record.get("input_shape") is not None:
        net.input_shape = tuple(record["input_shape"])
    net.load_state_dict(arrays)
    return net
