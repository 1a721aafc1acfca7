"""Every setting of the playground in one frozen record, its limits, and its form in the URL.

The page's address holds the whole state (TensorFlow Playground's habit): ``settings_to_query``
writes one query parameter per setting, ``settings_from_query`` reads a link back, keeping the
default (and saying why) for any value it cannot use. An uploaded CSV is the one thing a link
cannot carry.

>>> s = Settings(dataset="spiral", hidden=(8, 8))
>>> settings_to_query(s)["hidden"]
'8,8'
>>> settings, problems = settings_from_query({"hidden": "8,8", "lr": "banana"})
>>> settings.hidden, settings.lr, problems
((8, 8), 0.1, ['lr=banana ignored: not a number'])
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Names shown to people, by the value stored in settings and links.
DATASETS = {
    "xor4": "XOR, the seed's 4 points",
    "xor": "XOR (quadrants)",
    "circle": "Circle",
    "gaussians": "Two Gaussians",
    "spiral": "Spiral",
    "moons": "Moons",
    "blobs": "Blobs (linearly separable)",
    "csv": "My CSV file (x1, x2, label)",
}
MULTICLASS_DATASETS = ("spiral", "blobs")  # the ones with a "classes" setting
FEATURES = {"x1": "x₁", "x2": "x₂", "x1sq": "x₁²", "x2sq": "x₂²", "x1x2": "x₁x₂", "sinx1": "sin x₁", "sinx2": "sin x₂"}
ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Linear"}
LOSSES = {"mse": "MSE (sigmoid output)", "bce": "Binary cross-entropy (sigmoid output)",
          "ce": "Cross-entropy (softmax of one output per class)"}
OPTIMIZERS = {"sgd": "SGD", "momentum": "SGD + momentum 0.9", "rmsprop": "RMSProp", "adam": "Adam"}
REGULARIZATIONS = {"none": "None", "l1": "L1", "l2": "L2"}
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATION_RATES = (0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)

MAX_HIDDEN_LAYERS = 6
MAX_NEURONS = 32
LIMITS = {  # (lowest, highest) of the numeric settings
    "noise": (0, 50), "train_percent": (10, 90), "classes": (2, 6), "seed": (0, 99_999),
    "batch": (1, 100), "epochs": (100, 10_000), "every": (1, 1_000),
}


@dataclass(frozen=True)
class Settings:
    """What a person chose on the page. The defaults are the seed app's (XOR's 4 points, one
    hidden layer of 3 units, learning rate 0.1, 2,000 epochs drawn every 100) with
    TensorFlow Playground's tanh units, which learn XOR within those epochs (sigmoid units,
    also offered, need about 10,000)."""

    dataset: str = "xor4"
    noise: int = 0  # percent, as TensorFlow Playground's slider
    train_percent: int = 50
    classes: int = 2
    seed: int = 0
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (3,)
    activation: str = "tanh"
    loss: str = "mse"
    optimizer: str = "sgd"
    lr: float = 0.1
    batch: int = 1
    regularization: str = "none"
    reg_rate: float = 0.001
    epochs: int = 2000
    every: int = 100

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


DEFAULTS = Settings()

# One query parameter per field; short names keep links readable.
_QUERY_NAMES = {
    "dataset": "data", "noise": "noise", "train_percent": "train", "classes": "classes", "seed": "seed",
    "features": "features", "hidden": "hidden", "activation": "act", "loss": "loss", "optimizer": "opt",
    "lr": "lr", "batch": "batch", "regularization": "reg", "reg_rate": "rate", "epochs": "epochs", "every": "every",
}
_CHOICES: dict[str, Any] = {
    "dataset": DATASETS, "activation": ACTIVATIONS, "loss": LOSSES, "optimizer": OPTIMIZERS,
    "regularization": REGULARIZATIONS, "lr": LEARNING_RATES, "reg_rate": REGULARIZATION_RATES,
}


def _number_text(x: float) -> str:
    return f"{x:g}"


def settings_to_query(settings: Settings) -> dict[str, str]:
    """The query parameters that reproduce ``settings``, every field included (a link keeps
    its meaning even if a default changes later)."""
    out = {}
    for field, name in _QUERY_NAMES.items():
        value = getattr(settings, field)
        if field == "features":
            out[name] = ",".join(value)
        elif field == "hidden":
            out[name] = ",".join(str(n) for n in value) or "none"
        elif isinstance(value, float):
            out[name] = _number_text(value)
        else:
            out[name] = str(value)
    return out


def _parse(field: str, text: str) -> Any:
    """One field's value from its text, or ValueError saying what is wrong."""
    if field == "features":
        names = [n for n in text.split(",") if n]
        unknown = [n for n in names if n not in FEATURES]
        if unknown or not names:
            raise ValueError(f"features are some of {', '.join(FEATURES)}")
        return tuple(n for n in FEATURES if n in names)  # the page's order, no repeats
    if field == "hidden":
        if text in ("none", ""):
            return ()
        widths = tuple(int(n) for n in text.split(","))
        if len(widths) > MAX_HIDDEN_LAYERS or any(not 1 <= n <= MAX_NEURONS for n in widths):
            raise ValueError(f"up to {MAX_HIDDEN_LAYERS} layers of 1 to {MAX_NEURONS} neurons, e.g. 4,2")
        return widths
    if field in ("lr", "reg_rate"):
        value = float(text)
        if value not in _CHOICES[field]:
            raise ValueError(f"one of {', '.join(_number_text(v) for v in _CHOICES[field])}")
        return value
    if field in _CHOICES:
        if text not in _CHOICES[field]:
            raise ValueError(f"one of {', '.join(_CHOICES[field])}")
        return text
    value = int(text)
    low, high = LIMITS[field]
    if not low <= value <= high:
        raise ValueError(f"a whole number from {low} to {high}")
    return value


def settings_from_query(params: Mapping[str, Any]) -> tuple[Settings, list[str]]:
    """Settings from a link's query parameters, and one note per value that was not usable
    (that field keeps its default). Unknown parameters are left alone: they may belong to
    whatever embedded the page."""
    values: dict[str, Any] = {}
    problems = []
    for field, name in _QUERY_NAMES.items():
        if name not in params:
            continue
        raw = params[name]
        text = str(raw[-1] if isinstance(raw, (list, tuple)) else raw).strip()
        try:
            values[field] = _parse(field, text)
        except ValueError as e:
            hint = str(e) if not str(e).startswith(("invalid literal", "could not convert")) else "not a number"
            problems.append(f"{name}={text} ignored: {hint}")
    return DEFAULTS.replace(**values), problems
