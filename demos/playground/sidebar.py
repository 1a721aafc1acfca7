"""The sidebar: every setting as a widget, read back as one :class:`Settings`.

Widgets keep their values in ``st.session_state`` under ``KEYS``; :func:`load_into_widgets`
puts a whole Settings there (from a link, on a session's first run), and :func:`read` draws the
widgets and returns what they hold, with the uploaded CSV's points (or the reason they are
refused).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields

import numpy as np
import streamlit as st

from .data import DataError, parse_csv
from .settings import (
    ACTIVATIONS,
    DATASETS,
    DEFAULTS,
    FEATURES,
    LEARNING_RATES,
    LIMITS,
    LOSSES,
    MAX_HIDDEN_LAYERS,
    MAX_NEURONS,
    MULTICLASS_DATASETS,
    OPTIMIZERS,
    REGULARIZATION_RATES,
    REGULARIZATIONS,
    Settings,
)

KEYS = {f.name: f"s_{f.name}" for f in fields(Settings) if f.name != "hidden"}
DEPTH_KEY = "s_depth"
UPLOAD_KEY = "s_upload"
NEW_LAYER_WIDTH = 4


def width_key(layer: int) -> str:
    return f"s_width_{layer}"


@dataclass(frozen=True)
class Upload:
    """An uploaded CSV: its points and labels, or why it was refused; ``digest`` tells files apart."""

    name: str
    digest: str
    points: tuple[np.ndarray, np.ndarray] | None
    error: str | None


def load_into_widgets(settings: Settings) -> None:
    """Make every widget show ``settings`` (before the widgets are drawn in this run)."""
    state = st.session_state
    for name, key in KEYS.items():
        value = getattr(settings, name)
        state[key] = list(value) if name == "features" else value
    state[DEPTH_KEY] = len(settings.hidden)
    for k, width in enumerate(settings.hidden):
        state[width_key(k)] = width


def _read_upload() -> Upload | None:
    file = st.file_uploader("CSV file: columns x1, x2, label", type=["csv"], key=UPLOAD_KEY,
                            help="One point per row: its two coordinates and its class (0, 1, 2...). "
                                 "A header line x1,x2,label is optional. At most 5,000 rows.")
    if file is None:
        return None
    content = file.getvalue()
    digest = hashlib.sha256(content).hexdigest()[:16]
    try:
        return Upload(file.name, digest, parse_csv(content), None)
    except DataError as e:
        return Upload(file.name, digest, None, f"{file.name}: {e}")


def _data_section() -> tuple[Upload | None, int]:
    """Data set widgets; returns the upload (if any) and the number of classes of the data."""
    st.header("Data", divider="gray")
    dataset = st.selectbox("Data set", list(DATASETS), format_func=DATASETS.get, key=KEYS["dataset"])
    upload = _read_upload() if dataset == "csv" else None
    classes = 2
    if dataset in MULTICLASS_DATASETS:
        classes = st.number_input("Classes", *LIMITS["classes"], key=KEYS["classes"], persist_state="page",
                                  help="More than 2 classes need cross-entropy (one output per class).")
    elif upload is not None and upload.points is not None:
        classes = int(upload.points[1].max()) + 1
    st.slider("Noise (%)", *LIMITS["noise"], key=KEYS["noise"], disabled=dataset in ("xor4", "csv"),
              help="How far points stray from their class's shape. The seed's XOR and CSV files have none.")
    st.slider("Training data (%)", *LIMITS["train_percent"], step=10, key=KEYS["train_percent"],
              disabled=dataset == "xor4",
              help="The rest is the test set, scored but never trained on. The seed's 4 XOR points are all "
                   "used for training.")
    st.number_input("Seed", *LIMITS["seed"], key=KEYS["seed"],
                    help="Fixes the points, the split and the starting weights: the same seed, the same run.")
    return upload, classes


def _network_section() -> tuple[int, ...]:
    st.header("Network", divider="gray")
    st.pills("Input features", list(FEATURES), format_func=FEATURES.get, selection_mode="multi",
             key=KEYS["features"], help="What the first layer sees, computed from each point (x₁, x₂).")
    depth = st.number_input("Hidden layers", 0, MAX_HIDDEN_LAYERS, key=DEPTH_KEY,
                            help="0 makes a linear model (logistic regression with BCE).")
    widths = []
    for k in range(depth):
        key = width_key(k)
        if key not in st.session_state:
            st.session_state[key] = NEW_LAYER_WIDTH
        widths.append(st.number_input(f"Neurons in layer {k + 1}", 1, MAX_NEURONS, key=key, persist_state="page"))
    st.segmented_control("Activation", list(ACTIVATIONS), format_func=ACTIVATIONS.get, required=True,
                         key=KEYS["activation"], help="Applied after every hidden layer.")
    return tuple(int(w) for w in widths)


def _training_section(classes: int) -> None:
    st.header("Training", divider="gray")
    losses = list(LOSSES) if classes == 2 else ["ce"]
    if st.session_state.get(KEYS["loss"]) not in losses:
        st.session_state[KEYS["loss"]] = losses[0]
    st.selectbox("Loss", losses, format_func=LOSSES.get, key=KEYS["loss"],
                 help="With more than 2 classes only cross-entropy applies." if classes > 2 else None)
    st.selectbox("Optimizer", list(OPTIMIZERS), format_func=OPTIMIZERS.get, key=KEYS["optimizer"])
    st.select_slider("Learning rate", LEARNING_RATES, key=KEYS["lr"], format_func=lambda v: f"{v:g}")
    st.slider("Batch size", *LIMITS["batch"], key=KEYS["batch"],
              help="Samples per step; 1 is the seed's per-sample SGD.")
    regularization = st.segmented_control("Regularization", list(REGULARIZATIONS), format_func=REGULARIZATIONS.get,
                                          required=True, key=KEYS["regularization"])
    st.select_slider("Regularization rate", REGULARIZATION_RATES, key=KEYS["reg_rate"], format_func=lambda v: f"{v:g}",
                     disabled=regularization == "none")
    st.slider("Epochs", *LIMITS["epochs"], step=100, key=KEYS["epochs"], help="Play stops after this many.")
    st.number_input("Redraw every (epochs)", *LIMITS["every"], key=KEYS["every"],
                    help="Epochs trained between two redraws of the charts.")


def read() -> tuple[Settings, Upload | None]:
    """Draw the sidebar; returns the settings it shows and the uploaded CSV (if any)."""
    with st.sidebar:
        upload, classes = _data_section()
        hidden = _network_section()
        _training_section(classes)
    state = st.session_state
    # a hidden widget's key may be gone (Streamlit forgets widgets it did not draw): keep the default
    values = {name: state.get(key, getattr(DEFAULTS, name)) for name, key in KEYS.items()}
    values["features"] = tuple(n for n in FEATURES if n in (values["features"] or ()))
    values["hidden"] = hidden
    return Settings(**values), upload

