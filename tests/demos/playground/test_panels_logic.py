"""The playground's non-Streamlit parts behind the tabs: charts, the autodiff panels, model files,
and the command that starts it."""

import sys

import numpy as np
import pytest

from demos.playground import autodiff, charts
from demos.playground.__main__ import APP, command
from demos.playground.data import make_dataset
from demos.playground.model_file import load_model, model_bytes
from demos.playground.settings import Settings
from demos.playground.training import Run


def run_of(**changes) -> Run:
    settings = Settings(**changes)
    return Run(settings, make_dataset(settings))


def test_thin_keeps_ends_and_at_most_the_count():
    assert charts.thin(5).tolist() == [0, 1, 2, 3, 4]
    kept = charts.thin(10_000, 400)
    assert len(kept) <= 400 and kept[0] == 0 and kept[-1] == 9_999


def test_loss_chart_has_train_and_test_rows_per_epoch():
    run = run_of(dataset="circle", batch=20)
    run.advance(3)
    spec, data = charts.loss_chart(run.history, with_test=True)
    rows = data["lines"]
    assert sorted(set(rows["set"])) == ["test", "train"] and rows["epoch"].tolist() == [1, 2, 3, 1, 2, 3]
    np.testing.assert_allclose(rows["loss"][:3], run.history.train_loss)
    assert spec["encoding"]["y"]["scale"] == {"type": "log"}


def test_boundary_chart_puts_every_point_over_the_prediction_picture():
    run = run_of(dataset="blobs", classes=3, loss="ce")
    spec, data = charts.boundary_chart(run, resolution=20)
    assert len(data["points"]) == 200 and set(data["points"]["set"]) == {"train", "test"}
    background = data["background"].iloc[0]
    (x0, x1), (y0, y1) = run.data.extent()
    assert (background.x, background.x2, background.y, background.y2) == (x0, x1, y0, y1)
    assert background.url.startswith("data:image/png;base64,")
    assert [layer["data"]["name"] for layer in spec["layer"]] == ["background", "points"]


def test_network_chart_moves_its_data_to_named_sets():
    spec, data = charts.network_chart(run_of(hidden=(4, 2)), ["x₁", "x₂"])
    assert all("values" not in layer["data"] for layer in spec["layer"])
    assert len(data["layer0"]) == 2 * 4 + 4 * 2 + 2 * 1 and len(data["layer1"]) == 2 + 4 + 2 + 1


def test_small_networks_are_drawn_and_big_ones_say_how_to_see_them():
    assert autodiff.too_big_to_draw(run_of(hidden=(16, 16, 16))) is None
    wide = autodiff.too_big_to_draw(run_of(hidden=(17,)))
    deep = autodiff.too_big_to_draw(run_of(hidden=(2, 2, 2, 2)))
    assert "1 hidden layers of up to 17 neurons" in wide and "4 hidden layers" in deep
    assert "Draw it anyway" in wide and "fewer layers or neurons" in deep


def test_step_graph_shows_the_layers_and_leaves_no_gradient():
    run = run_of(hidden=(3, 2), batch=2)
    source = autodiff.step_graph(run).source
    assert source.count('subgraph "cluster_layers.') == 6 and '"{ loss | data' in source and "grad [" in source
    assert all(p.grad is None for p in run.net.parameters())


def test_gradient_comparison_agrees_and_names_the_largest_differences():
    run = run_of(hidden=(4,), activation="sigmoid", regularization="l2", reg_rate=0.1)
    run.advance(5)
    comparison = autodiff.compare_gradients(run)
    rows = comparison.rows()
    assert [r["parameter"] for r in rows] == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
    assert max(r["autodiff − manual"] for r in rows) < 1e-14
    assert max(r["autodiff − numerical"] for r in rows) < 1e-8
    worst = comparison.largest_differences(3)
    assert len(worst) == 3 and worst[0]["autodiff − numerical"] >= worst[2]["autodiff − numerical"]
    assert worst[0]["weight"].startswith("layers.")


def test_a_model_file_round_trips_and_a_wrong_one_is_explained():
    trained = run_of()
    trained.advance(20)
    content = model_bytes(trained)
    fresh = run_of()
    assert load_model(fresh, content, "mine.npz") is None
    np.testing.assert_array_equal(fresh.net.layers[2].weight.data, trained.net.layers[2].weight.data)
    message = load_model(run_of(hidden=(5,)), content, "mine.npz")
    assert message.startswith("load(): 'mine.npz' holds a network ['Dense(2 -> 3)'")
    assert "set the features, hidden layers and activation" in message
    assert "is not a model file" in load_model(run_of(), b"not a zip", "junk.npz")


def test_the_command_runs_streamlit_on_the_app_without_usage_statistics():
    line = command(["--server.port", "8600"])
    assert line[:5] == [sys.executable, "-m", "streamlit", "run", APP]
    assert line[-2:] == ["--server.port", "8600"] and "--browser.gatherUsageStats" in line


def test_help_names_the_defaults_and_starts_nothing(capsys):
    from demos.playground.__main__ import DEFAULT_OPTIONS, main

    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m demos.playground")
    assert all(option in out for option in DEFAULT_OPTIONS) and "--server.port" in out


@pytest.mark.parametrize("query", ["", "?data=spiral&hidden=8,8&batch=10"])
def test_benchmark_scenarios_parse(query):
    from demos.playground.settings import settings_from_query

    params = dict(p.split("=") for p in query.lstrip("?").split("&") if p)
    assert settings_from_query(params)[1] == []
