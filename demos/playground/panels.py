"""What each tab of the playground shows, drawn from a :class:`Run` (Streamlit calls only).

Costly panels remember what they computed for the run's current epoch in ``st.session_state``
(see :func:`_cached`), so a rerun that changed nothing does not redo them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from viz.network import colour_range, colourise, neuron_maps

from . import autodiff, charts
from .model_file import FILE_NAME, load_model, model_bytes
from .settings import FEATURES, OPTIMIZERS
from .training import Race, Run


def _cached(name: str, key: Any, compute: Callable[[], Any]) -> Any:
    """``compute()``, or what it returned last time for the same ``key``."""
    slot = st.session_state.get(f"cache_{name}")
    if slot is not None and slot[0] == key:
        return slot[1]
    value = compute()
    st.session_state[f"cache_{name}"] = (key, value)
    return value


def _run_key(run: Run) -> tuple[int, int]:
    return id(run), run.epoch


def _chart(spec_and_data: tuple[dict[str, Any], dict[str, pd.DataFrame]], key: str, fixed: bool = False) -> None:
    """A Vega-Lite chart, as wide as its column unless ``fixed`` (then as its specification says)."""
    spec, datasets = spec_and_data
    st.vega_lite_chart(charts.vega(spec, datasets, stretch=not fixed), key=key, width="content" if fixed else "stretch")


def decision_tab(run: Run) -> None:
    """The seed app's first tab and TensorFlow Playground's page: the network with a picture per
    neuron and a line per weight, the decision boundary with the points, the loss curve."""
    left, right = st.columns([11, 9], gap="large")
    with left:  # the charts carry their own titles: fewer elements for the browser to redraw
        labels = [FEATURES[name] for name in run.settings.features]
        _chart(charts.network_chart(run, labels), "network")  # columns spread over the column's width
        _chart(charts.loss_chart(run.history, run.data.has_test), "loss")
    with right:
        _chart(charts.boundary_chart(run), "boundary", fixed=True)


def activations_tab(run: Run) -> None:
    """One heatmap per hidden neuron (the seed app's "hidden activations"), over the data's plane."""
    if not run.settings.hidden:
        st.info("This network has no hidden layer: add one in the sidebar (Network, Hidden layers).")
        return
    resolution = 48
    points, _, _ = charts.grid(run.data.extent(), resolution)
    maps = neuron_maps(run.net, run.inputs(points), (resolution, resolution))[1:-1]
    (x0, x1), (y0, y1) = run.data.extent()
    st.caption(f"Each picture covers x₁ from {x0:.2f} to {x1:.2f} (left to right) and x₂ from {y0:.2f} to {y1:.2f} "
               "(bottom to top), the data's own range. Orange is negative, white 0, blue positive; each neuron's "
               "colours span ±1 or ± its largest output.")
    for k, layer in enumerate(maps, 1):
        st.markdown(f"**Hidden layer {k}** ({run.settings.activation})")
        images, captions = [], []
        for j, values in enumerate(layer, 1):
            low, high = colour_range(values)
            images.append(colourise(values[::-1], low, high))  # image rows go top down
            captions.append(f"neuron {j}: {values.min():.2f} … {values.max():.2f}")
        st.image(images, caption=captions, width=120)


def dynamics_tab(run: Run) -> None:
    """Weights over training (the seed app's "weight dynamics") and each layer's gradient norm."""
    st.markdown("**Weight dynamics**: the first 12 weights of the Dense layers, every epoch.")
    _chart(charts.weights_chart(run), "weights")
    st.markdown("**Gradient norm per layer**: ‖∂loss/∂W‖ on the whole training set, every 5 epochs. With "
                "sigmoid units stacked deep, the first layers' lines sit far below the output's: their gradients "
                "vanish.")
    _chart(charts.gradient_norm_chart(run.history), "grad_norms")


GRAPH_VIEWS = ("One training step", "The backward pass, step by step")


def graph_tab(run: Run, playing: bool) -> None:
    """The computation graph of one training step, and its backward pass step by step."""
    reason = autodiff.too_big_to_draw(run)
    if reason is not None:
        st.info(reason, icon="ℹ️")
        if not st.checkbox("Draw it anyway", key="draw_anyway"):
            return
    X, _ = autodiff.current_batch(run)
    whole, tour_view = GRAPH_VIEWS
    left, right = st.columns([1, 1], vertical_alignment="bottom")
    view = left.segmented_control("Show", GRAPH_VIEWS, default=whole, required=True, key="graph_view")
    max_values = right.slider("Show the numbers of tensors of up to", 1, 64, 12, key="max_values",
                              help="Larger tensors show their shape only.")
    samples = f"{len(X)} sample{'s' * (len(X) != 1)}"
    if view == whole:
        st.markdown(f"**One training step** on the next batch ({samples}), at epoch {run.epoch}: the forward pass "
                    "leaves every value (data), the backward pass every gradient (grad); dashed boxes are layers. "
                    ":blue[Blue] boxes are parameters, :green[green] the loss.")
        drawing = _cached("graph", (_run_key(run), max_values), lambda: autodiff.step_graph(run, max_values))
        st.graphviz_chart(drawing.source, width="stretch")
        return
    st.markdown(f"**The backward pass of that step** ({samples}), one operation at a time (`viz.backward_tour`): "
                "the orange operation runs its vector-Jacobian product; `?` marks gradients still being summed.")
    if playing:
        st.caption("Pause to record the backward pass of the current step.")
    tour = st.session_state.get("tour")
    key = (_run_key(run), max_values)
    if not playing and (tour is None or tour[0] != key):
        folder = tempfile.TemporaryDirectory(prefix="playground-tour-")  # removed with the session's state
        with st.spinner("Drawing every backward step..."):
            tour = (key, autodiff.tour(run, folder.name, max_values), folder)
        st.session_state["tour"] = tour
    if tour is None:
        return
    frames = tour[1]
    step = st.slider("Backward step", 1, len(frames), 1, key="tour_step") if len(frames) > 1 else 1
    st.image(frames[min(step, len(frames)) - 1], width=760)  # the graph runs down: narrower shows more of it


def gradients_tab(run: Run) -> None:
    """Autodiff against the seed's hand-derived backprop and against central differences."""
    comparison = _cached("gradients", _run_key(run), lambda: autodiff.compare_gradients(run))
    t = comparison.seconds
    st.markdown(
        f"Every parameter's gradient of the training loss at epoch {run.epoch}, three ways: the engine's "
        f"`backward()` ({t['autodiff'] * 1e3:.1f} ms), the seed's backprop derived by hand, `mlp.manual` "
        f"({t['manual'] * 1e3:.1f} ms), and central differences, two forward passes per weight "
        f"({t['numerical'] * 1e3:.1f} ms). Autodiff and the hand-derived formulas agree to rounding (~1e-16); "
        "central differences to ~1e-9, their own error.")
    if run.settings.regularization != "none":
        st.caption("The L1/L2 penalty is left out here: `mlp.manual` has no derivative for it.")
    rows = pd.DataFrame(comparison.rows())
    st.dataframe(rows, hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.2e") for c in rows.columns[2:]})
    st.markdown("**The largest differences**, weight by weight:")
    worst = pd.DataFrame(comparison.largest_differences())
    st.dataframe(worst, hide_index=True, width="stretch",
                 column_config={"autodiff − numerical": st.column_config.NumberColumn(format="%.2e"),
                                **{c: st.column_config.NumberColumn(format="%.12f")
                                   for c in ("autodiff", "manual", "numerical")}})


def race_tab(run: Run, race: Race | None, racing: bool, start: Callable[[], None], stop: Callable[[], None]) -> None:
    """The four optimizers from the same starting weights, their loss curves side by side."""
    s = run.settings
    st.markdown(f"SGD, SGD with momentum 0.9, RMSProp and Adam train this network from the same starting weights "
                f"on the same data, with learning rate {s.lr:g} and batch size {s.batch}, for {s.epochs:,} epochs.")
    if racing:
        st.button("Stop the race", on_click=stop, key="race_stop")
    else:
        st.button("Race the four optimizers", on_click=start, type="primary", key="race_start")
    if race is None:
        return
    _chart(charts.race_chart(race, OPTIMIZERS), "race")
    table = pd.DataFrame([{"optimizer": OPTIMIZERS[kind], "epochs": r.epoch, "training loss": r.train_loss,
                           "training accuracy": r.accuracy(), "note": "diverged" if r.diverged else ""}
                          for kind, r in race.runs.items()])
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={"training loss": st.column_config.NumberColumn(format="%.5f"),
                                "training accuracy": st.column_config.NumberColumn(format="percent")})


def python_snippet(run: Run) -> str:
    """Python that rebuilds the network and loads the downloaded file."""
    lines = ["import numpy as np", "from mlp import *", "",
             f"net = NeuralNetwork(loss_function={run.base_loss!r})"]
    for layer in run.net.layers:
        text = repr(layer)
        if text.startswith("Dense("):
            fan_in, fan_out = text[6:-1].split(" -> ")
            text = f"Dense({fan_in}, {fan_out})"
        lines.append(f"net.add({text})")
    names = ", ".join(FEATURES[n] for n in run.settings.features)
    lines += [f'net.load("{FILE_NAME}")', f"# inputs: one column per feature, in this order: {names}",
              "print(net.predict(np.array([[0.5, -1.0]])))  # one row per point"]
    return "\n".join(lines)


def model_tab(run: Run) -> None:
    """The network's summary, the trained model as a file to download, and loading one back."""
    st.code(run.net.summary(), language=None)
    st.download_button("Download the trained model (.npz)", data=model_bytes(run), file_name=FILE_NAME,
                       mime="application/octet-stream", key="download",
                       help="NeuralNetwork.save(): the weights and the architecture.")
    st.markdown("Use it in Python (`NeuralNetwork.load` checks that the layers match):")
    st.code(python_snippet(run), language="python")
    upload = st.file_uploader("Load a model saved here (.npz)", type=["npz"], key="model_upload")
    if upload is not None and st.session_state.get("model_loaded") != upload.file_id:
        st.session_state["model_loaded"] = upload.file_id
        error = load_model(run, upload.getvalue(), upload.name)
        st.session_state["model_message"] = ("error", error) if error else (
            "success", f"Loaded {upload.name}: training goes on from these weights.")
    message = st.session_state.get("model_message")
    if message:
        (st.error if message[0] == "error" else st.success)(message[1])


def _loss_text(value: float) -> str:
    """4 decimals, or 3 significant digits with an exponent for a loss on its way to diverging."""
    return f"{value:.4f}" if abs(value) < 1e4 else f"{value:.3g}"


def metrics(run: Run) -> None:
    """The counters above the tabs: epoch, losses and accuracies, updated at every redraw."""
    s = run.settings
    nan = "—"
    cols = st.columns([1.4, 1, 1, 1, 1])  # "10,000 / 10,000" needs the room
    cols[0].metric("Epoch", f"{run.epoch:,} / {s.epochs:,}")
    cols[1].metric("Training loss", _loss_text(run.train_loss))
    cols[2].metric("Test loss", _loss_text(run.test_loss) if run.data.has_test else nan,
                   help=None if run.data.has_test else "The seed's 4 XOR points leave none to test on.")
    cols[3].metric("Training accuracy", f"{run.accuracy():.1%}")
    cols[4].metric("Test accuracy", f"{run.accuracy(test=True):.1%}" if run.data.has_test else nan)
    st.progress(min(run.epoch / s.epochs, 1.0))

