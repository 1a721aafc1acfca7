"""The playground page, headless (streamlit.testing.v1.AppTest): every control, the buttons,
the metrics, the tabs, bad input, and what each data set, activation, loss and optimizer learns.

In AppTest a timer never fires: each ``at.run()`` is one rerun of the page, so while playing
it trains one redraw's worth of epochs ("Redraw every"), as one timer tick does in a browser.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("streamlit", reason="the playground needs the app extra: pip install -e '.[app]'")
from streamlit.testing.v1 import AppTest  # noqa: E402

from demos.playground.model_file import model_bytes  # noqa: E402
from demos.playground.training import Run  # noqa: E402
from mlp import BCE, Adam, ReLU  # noqa: E402

APP = str(Path(__file__).resolve().parents[3] / "demos" / "playground" / "app.py")
NO_VALUE = "—"


def start(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if query:
        at.query_params.update(query)
    return at.run()


def run_of(at: AppTest) -> Run:
    return at.session_state["run"]


def metric(at: AppTest, label: str) -> str:
    values = [m.value for m in at.metric if m.label == label]
    assert values, f"no metric {label!r} on the page: {[m.label for m in at.metric]}"
    return values[0]


def no_traceback(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def open_tab(at: AppTest, name: str) -> AppTest:
    at.session_state["tab"] = name
    return at.run()


def play_to_the_end(at: AppTest, limit: int = 100) -> AppTest:
    at.button(key="play").click().run()
    for _ in range(limit):
        if not at.session_state["playing"]:
            break
        at.run()
    no_traceback(at)
    return at


# ------------------------------------------------------------------ fast: the essentials
def test_first_load_shows_the_defaults_and_puts_them_in_the_link():
    at = start()
    no_traceback(at)
    assert metric(at, "Epoch") == "0 / 2,000" and metric(at, "Test loss") == NO_VALUE
    assert float(metric(at, "Training loss")) > 0.2
    assert at.button(key="play").label == "Play" and not at.session_state["playing"]
    assert at.button(key="reset").label == "Reset"  # the seed app hid its Reset until a first run
    assert at.query_params["data"] == "xor4" and at.query_params["hidden"] == "3"
    assert at.query_params["epochs"] == "2000" and at.query_params["every"] == "100"


def test_play_trains_and_the_metrics_follow():
    """The seed app's metrics stayed at 0 after training; these move with every redraw."""
    at = start()
    first_loss = float(metric(at, "Training loss"))
    at.button(key="play").click().run()
    assert at.session_state["playing"] and at.button(key="pause").label == "Pause"
    assert metric(at, "Epoch") == "100 / 2,000"
    at.run()
    assert metric(at, "Epoch") == "200 / 2,000"
    loss = float(metric(at, "Training loss"))
    assert loss < first_loss and loss == pytest.approx(run_of(at).history.train_loss[199], abs=5e-5)
    at.button(key="pause").click().run()  # the chunk trained ahead stops at its epoch's end
    assert not at.session_state["playing"] and at.button(key="play").label == "Play"
    paused_at = metric(at, "Epoch")
    at.run()
    assert metric(at, "Epoch") == paused_at and 200 <= run_of(at).epoch <= 300  # paused: nothing moves


def test_a_csv_with_text_is_refused_on_the_page():
    at = start({"data": "csv"})
    assert "Upload a CSV file" in at.info[0].value
    at.file_uploader(key="s_upload").upload("points.csv", b"x1,x2,label\n0,0,0\n1,abc,1\n0,1,1\n1,1,0\n").run()
    no_traceback(at)
    assert at.error[0].value == "points.csv: row 3, column x2: 'abc' is not a number"
    assert at.session_state["run"] is None or at.session_state["run"].settings.dataset != "csv"


# ------------------------------------------------------------------ every control
def _first_weight(at: AppTest) -> np.ndarray:
    return run_of(at).net.layers[0].weight.data.copy()


CONTROLS = [
    # (name, link to start from, action, check(at, before))
    ("dataset", {}, lambda at: at.selectbox(key="s_dataset").set_value("circle"),
     lambda at, before: len(run_of(at).data.points) == 200 and at.query_params["data"] == "circle"
     and metric(at, "Test loss") != NO_VALUE),
    ("noise", {"data": "circle"}, lambda at: at.slider(key="s_noise").set_value(30),
     lambda at, before: not np.allclose(run_of(at).data.points, before.data.points)
     and at.query_params["noise"] == "30"),
    ("training share", {"data": "circle"}, lambda at: at.slider(key="s_train_percent").set_value(80),
     lambda at, before: len(run_of(at).data.train_points) == 160 and len(run_of(at).data.test_points) == 40),
    ("classes", {"data": "spiral"}, lambda at: at.number_input(key="s_classes").set_value(3),
     lambda at, before: run_of(at).data.classes == 3 and run_of(at).settings.loss == "ce"
     and at.selectbox(key="s_loss").options == ["Cross-entropy (softmax of one output per class)"]
     and repr(run_of(at).net.layers[-1]) == "Dense(3 -> 3)"),
    ("seed", {}, lambda at: at.number_input(key="s_seed").set_value(5),
     lambda at, before: not np.allclose(_first_weight(at), before.net.layers[0].weight.data)),
    ("features", {}, lambda at: at.button_group(key="s_features").set_value(["x1", "x2", "x1sq"]),
     lambda at, before: repr(run_of(at).net.layers[0]) == "Dense(3 -> 3)"
     and at.query_params["features"] == "x1,x2,x1sq"),
    ("hidden layers +", {}, lambda at: at.number_input(key="s_depth").increment(),
     lambda at, before: [repr(m) for m in run_of(at).net.layers if repr(m).startswith("Dense")]
     == ["Dense(2 -> 3)", "Dense(3 -> 4)", "Dense(4 -> 1)"] and at.query_params["hidden"] == "3,4"),
    ("hidden layers -", {}, lambda at: at.number_input(key="s_depth").decrement(),
     lambda at, before: [repr(m) for m in run_of(at).net.layers] == ["Dense(2 -> 1)", "Sigmoid()"]
     and at.query_params["hidden"] == "none"),
    ("neurons +", {}, lambda at: at.number_input(key="s_width_0").increment(),
     lambda at, before: repr(run_of(at).net.layers[0]) == "Dense(2 -> 4)"),
    ("activation", {}, lambda at: at.button_group(key="s_activation").set_value("relu"),
     lambda at, before: isinstance(run_of(at).net.layers[1], ReLU)),
    ("loss", {}, lambda at: at.selectbox(key="s_loss").set_value("bce"),
     lambda at, before: isinstance(run_of(at).base_loss, BCE)),
    ("optimizer", {}, lambda at: at.selectbox(key="s_optimizer").set_value("adam"),
     lambda at, before: isinstance(run_of(at).opt, Adam) and run_of(at) is before),
    ("learning rate", {}, lambda at: at.select_slider(key="s_lr").set_value(0.3),
     lambda at, before: run_of(at).opt.lr == 0.3 and run_of(at) is before),
    ("batch size", {}, lambda at: at.slider(key="s_batch").set_value(4),
     lambda at, before: run_of(at).settings.batch == 4 and run_of(at) is before),
    ("regularization", {}, lambda at: at.button_group(key="s_regularization").set_value("l2"),
     lambda at, before: run_of(at).net.loss_function.kind == "l2" and not at.select_slider(key="s_reg_rate").disabled),
    ("regularization rate", {"reg": "l1"}, lambda at: at.select_slider(key="s_reg_rate").set_value(0.1),
     lambda at, before: run_of(at).net.loss_function.rate == 0.1),
    ("epochs", {}, lambda at: at.slider(key="s_epochs").set_value(500),
     lambda at, before: metric(at, "Epoch") == "0 / 500"),
    ("redraw every", {}, lambda at: at.number_input(key="s_every").set_value(50),
     lambda at, before: run_of(at).settings.every == 50),
]


@pytest.mark.slow
@pytest.mark.parametrize("name, query, act, check", CONTROLS, ids=[c[0] for c in CONTROLS])
def test_every_control_changes_what_it_should(name, query, act, check):
    at = start(query)
    before = run_of(at)
    act(at)
    at.run()
    no_traceback(at)
    assert check(at, before)


@pytest.mark.slow
def test_redraw_every_sets_the_epochs_per_redraw():
    at = start({"every": "50"})
    at.button(key="play").click().run()
    assert metric(at, "Epoch") == "50 / 2,000"
    at.run()
    assert metric(at, "Epoch") == "100 / 2,000"


@pytest.mark.slow
def test_a_changed_network_takes_effect_at_once():
    """The seed app ignored a new hidden size or data set until Reset."""
    at = start()
    at.button(key="step").click().run()
    at.number_input(key="s_width_0").set_value(7).run()
    assert repr(run_of(at).net.layers[0]) == "Dense(2 -> 7)" and metric(at, "Epoch") == "0 / 2,000"


@pytest.mark.slow
def test_step_trains_one_epoch_and_reset_goes_back_to_the_start():
    at = start()
    start_weights = _first_weight(at)
    at.button(key="step").click().run()
    assert metric(at, "Epoch") == "1 / 2,000" and not np.allclose(_first_weight(at), start_weights)
    at.button(key="step").click().run()
    assert metric(at, "Epoch") == "2 / 2,000"
    at.button(key="reset").click().run()
    assert metric(at, "Epoch") == "0 / 2,000"
    np.testing.assert_array_equal(_first_weight(at), start_weights)


@pytest.mark.slow
def test_play_stops_at_the_target_and_offers_to_train_again():
    at = play_to_the_end(start({"epochs": "300", "every": "100"}))
    assert metric(at, "Epoch") == "300 / 300" and at.button(key="play").label == "Train again"
    at.button(key="play").click().run()
    assert metric(at, "Epoch") == "100 / 300" and at.session_state["playing"]


@pytest.mark.slow
def test_a_link_sets_every_widget():
    at = start({"data": "spiral", "classes": "3", "hidden": "8,4", "act": "relu", "opt": "adam", "lr": "0.03",
                "features": "x1,x2,sinx1"})
    no_traceback(at)
    assert at.selectbox(key="s_dataset").value == "spiral" and at.number_input(key="s_classes").value == 3
    assert at.number_input(key="s_depth").value == 2 and at.number_input(key="s_width_1").value == 4
    assert at.button_group(key="s_activation").value == "relu" and at.select_slider(key="s_lr").value == 0.03
    assert at.button_group(key="s_features").value == ["x1", "x2", "sinx1"]
    assert repr(run_of(at).net.layers[0]) == "Dense(3 -> 8)" and run_of(at).settings.loss == "ce"


@pytest.mark.slow
def test_a_bad_link_says_what_it_ignored():
    at = start({"lr": "7", "hidden": "99"})
    no_traceback(at)
    warnings = [w.value for w in at.warning]
    assert any("lr=7 ignored: one of" in w for w in warnings) and any("hidden=99 ignored" in w for w in warnings)
    assert run_of(at).settings.lr == 0.1 and run_of(at).settings.hidden == (3,)


# ------------------------------------------------------------------ bad input: a message, never a traceback
BAD_CSVS = {
    "text": (b"x1,x2,label\n0,0,0\n1,abc,1\n0,1,1\n1,1,0\n", "row 3, column x2: 'abc' is not a number"),
    "NaN": (b"x1,x2,label\n0,0,0\n1,NaN,1\n0,1,1\n1,1,0\n", "row 3, column x2 is NaN"),
    "one class": (b"x1,x2,label\n0,0,1\n1,0,1\n0,1,1\n1,1,1\n", "every row has the label 1"),
    "wrong columns": (b"x,y,z\n0,0,0\n1,0,1\n0,1,1\n1,1,0\n", "the columns must be x1, x2, label"),
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", BAD_CSVS)
def test_bad_csvs_are_refused_with_a_message(kind):
    content, message = BAD_CSVS[kind]
    at = start({"data": "csv"})
    at.file_uploader(key="s_upload").upload(f"{kind}.csv", content).run()
    no_traceback(at)
    assert message in at.error[0].value
    assert not at.session_state["playing"] and not at.button  # no Play without data


@pytest.mark.slow
def test_a_good_csv_trains():
    rows = [f"{x:.2f},{y:.2f},{int(x * y > 0)}" for x in np.linspace(-2, 2, 7) for y in np.linspace(-2, 2, 7)
            if abs(x) > 0.1 and abs(y) > 0.1]
    at = start({"data": "csv", "hidden": "8", "opt": "adam", "lr": "0.03", "batch": "4", "epochs": "300",
                "every": "300", "train": "80"})
    at.file_uploader(key="s_upload").upload("xor.csv", ("x1,x2,label\n" + "\n".join(rows)).encode()).run()
    play_to_the_end(at)
    assert metric(at, "Training accuracy") == "100.0%" and len(run_of(at).data.points) == 36


@pytest.mark.slow
def test_a_diverging_learning_rate_stops_and_says_so():
    at = start({"data": "circle", "act": "linear", "loss": "ce", "lr": "10", "batch": "10", "every": "100"})
    play_to_the_end(at)
    run = run_of(at)
    assert not at.session_state["playing"] and 0 < run.epoch < 100
    assert at.error[0].value.startswith(f"Training diverged in epoch {run.epoch + 1}")
    assert all(np.isfinite(p.data).all() for p in run.net.parameters())
    assert metric(at, "Epoch") == f"{run.epoch} / 2,000"


@pytest.mark.slow
def test_no_feature_gets_a_message():
    at = start()
    at.button_group(key="s_features").set_value([]).run()
    no_traceback(at)
    assert "Pick at least one input feature" in at.error[0].value


@pytest.mark.slow
def test_a_network_too_big_to_draw_says_why_and_how():
    at = open_tab(start({"hidden": "4,4,4,4"}), "Computation graph")
    no_traceback(at)
    assert "4 hidden layers" in at.info[0].value and "Draw it anyway" in at.info[0].value
    assert not at.get("graphviz_chart")
    at.checkbox(key="draw_anyway").check().run()
    assert at.get("graphviz_chart") and "cluster_layers.6" in at.get("graphviz_chart")[0].proto.spec


# ------------------------------------------------------------------ the tabs
@pytest.mark.slow
@pytest.mark.parametrize("query", [{}, {"data": "blobs", "classes": "3", "hidden": "4,3", "reg": "l2"}])
def test_every_tab_draws_without_error(query):
    at = start(query)
    at.button(key="step").click().run()
    for tab in ("Decision boundary", "Hidden activations", "Weights & gradients", "Computation graph",
                "Gradient check", "Optimizers", "Model"):
        open_tab(at, tab)
        no_traceback(at)
        assert not at.error, (tab, [e.value for e in at.error])


@pytest.mark.slow
def test_the_decision_tab_draws_network_boundary_and_loss():
    at = start()
    at.button(key="play").click().run()
    specs = [c.proto.spec for c in at.get("vega_lite_chart")]
    assert len(specs) == 3
    assert any('"type": "image"' in s and '"rule"' in s for s in specs)  # the network: pictures and weights
    assert any('"url"' in s and '"circle"' in s for s in specs)  # the boundary: a picture and the points


@pytest.mark.slow
def test_the_graph_tab_draws_one_step_and_its_backward_tour():
    at = open_tab(start(), "Computation graph")
    dot = at.get("graphviz_chart")[0].proto.spec
    assert '"cluster_layers.0"' in dot and "loss" in dot and "grad" in dot
    assert "tour" not in at.session_state  # drawn only when asked for
    at.button_group(key="graph_view").set_value("The backward pass, step by step").run()
    frames = at.session_state["tour"][1]
    assert len(frames) > 5 and all(Path(f).read_text().lstrip().startswith("<") for f in frames)
    at.slider(key="tour_step").set_value(3).run()
    assert at.image and not at.exception


@pytest.mark.slow
def test_the_gradient_check_agrees_to_rounding():
    at = start({"hidden": "4,3", "act": "sigmoid"})
    at.button(key="step").click().run()
    open_tab(at, "Gradient check")
    table = at.dataframe[0].value
    assert list(table["parameter"]) == [f"layers.{i}.{p}" for i in (0, 2, 4) for p in ("weight", "bias")]
    assert table["autodiff − manual"].max() < 1e-12 and table["autodiff − numerical"].max() < 1e-7
    assert table["largest |gradient|"].min() > 0


@pytest.mark.slow
def test_the_optimizer_race_runs_four_curves():
    at = open_tab(start({"epochs": "200", "every": "100"}), "Optimizers")
    at.button(key="race_start").click().run()
    for _ in range(5):
        at.run()
    no_traceback(at)
    race = at.session_state["race"]
    assert race.finished and [r.epoch for r in race.runs.values()] == [200] * 4
    assert len(at.dataframe[0].value) == 4 and at.get("vega_lite_chart")


@pytest.mark.slow
def test_download_and_upload_the_model():
    at = start()
    at.button(key="step").click().run()
    trained = _first_weight(at)
    content = model_bytes(run_of(at))
    at.button(key="reset").click().run()
    open_tab(at, "Model")
    assert at.get("download_button") and "Dense(2 -> 3)" in at.code[0].value
    at.file_uploader(key="model_upload").upload("mine.npz", content).run()
    assert "Loaded mine.npz" in at.success[0].value
    np.testing.assert_array_equal(_first_weight(at), trained)


@pytest.mark.slow
def test_a_model_of_another_shape_is_refused_with_the_reason():
    at = start()
    content = model_bytes(run_of(at))
    at.number_input(key="s_width_0").set_value(5).run()
    open_tab(at, "Model")
    at.file_uploader(key="model_upload").upload("small.npz", content).run()
    no_traceback(at)
    assert "'small.npz' holds a network ['Dense(2 -> 3)'" in at.error[0].value


# ------------------------------------------------------------------ what each choice learns, at seed 0
FAST = {"hidden": "8", "opt": "adam", "lr": "0.03", "batch": "10", "epochs": "300", "every": "300"}
LEARNS = {
    # name: (link, least training accuracy, least test accuracy)
    "the seed's XOR, defaults": ({"every": "2000"}, 1.0, None),
    "XOR quadrants": ({"data": "xor", **FAST}, 1.0, 0.93),
    "circle": ({"data": "circle", **FAST}, 1.0, 0.97),
    "two Gaussians": ({"data": "gaussians", **FAST}, 1.0, 0.97),
    "spiral, sin features": ({"data": "spiral", **FAST, "hidden": "8,8", "epochs": "500", "every": "500",
                              "features": "x1,x2,sinx1,sinx2"}, 1.0, 0.93),
    "moons": ({"data": "moons", **FAST}, 1.0, 0.97),
    "three blobs, cross-entropy": ({"data": "blobs", "classes": "3", "loss": "ce", **FAST}, 1.0, 0.97),
    "ReLU": ({"data": "circle", "act": "relu", **FAST}, 1.0, 0.97),
    "tanh": ({"data": "circle", "act": "tanh", **FAST}, 1.0, 0.97),
    "sigmoid": ({"data": "circle", "act": "sigmoid", **FAST}, 1.0, 0.97),
    "linear, x1² and x2² features": ({"data": "circle", "act": "linear", "features": "x1,x2,x1sq,x2sq", **FAST},
                                     1.0, 0.97),
    "MSE": ({"data": "moons", "loss": "mse", **FAST}, 1.0, 0.97),
    "BCE": ({"data": "moons", "loss": "bce", **FAST}, 1.0, 0.97),
    "cross-entropy, 2 classes": ({"data": "moons", "loss": "ce", **FAST}, 1.0, 0.97),
    "SGD": ({"data": "circle", **FAST, "opt": "sgd", "lr": "0.3"}, 1.0, 0.97),
    "SGD + momentum": ({"data": "circle", **FAST, "opt": "momentum", "lr": "0.03"}, 1.0, 0.97),
    "RMSProp": ({"data": "circle", **FAST, "opt": "rmsprop", "lr": "0.01"}, 1.0, 0.97),
    "Adam": ({"data": "circle", **FAST}, 1.0, 0.97),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", LEARNS)
def test_each_choice_learns_its_data(name):
    query, train, test = LEARNS[name]
    at = play_to_the_end(start(query))
    run = run_of(at)
    assert run.finished and run.diverged is None
    assert float(metric(at, "Training accuracy").rstrip("%")) / 100 >= train
    if test is not None:
        assert float(metric(at, "Test accuracy").rstrip("%")) / 100 >= test


@pytest.mark.slow
def test_a_linear_network_cannot_learn_the_circle():
    """The check above can fail: without squared features, linear units stay far from the circle."""
    at = play_to_the_end(start({"data": "circle", "act": "linear", **FAST}))
    assert float(metric(at, "Training accuracy").rstrip("%")) < 80
