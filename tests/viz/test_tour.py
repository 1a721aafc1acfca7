"""backward_tour: one frame per backward step."""

import re

import numpy as np
import pytest

import viz
from autograd_lite import Tensor
from viz import renderer


def test_one_frame_per_op_node_in_topological_order(tmp_path, no_system_dot):
    x1, w1 = Tensor(2.0, requires_grad=True, name="x1"), Tensor(-3.0, requires_grad=True, name="w1")
    x2, w2 = Tensor(0.0, requires_grad=True, name="x2"), Tensor(1.0, requires_grad=True, name="w2")
    b = Tensor(6.8813735870195432, requires_grad=True, name="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    paths = viz.backward_tour(o, tmp_path / "tour", format="svg")
    assert [p.rsplit("/", 1)[1] for p in paths] == [f"step_0{k}.svg" for k in range(1, 6)]
    titles = [re.search(r"backward step \d of 5: VJP of &#39;(\w+)&#39;", open(p).read()).group(1) for p in paths]
    assert titles[0] == "tanh" and sorted(titles[1:]) == ["add", "add", "mul", "mul"]
    last = open(paths[-1]).read()
    assert "grad &#45;1.5</text>" in last and "(so far)" not in last  # SVG writes "-" as &#45;
    first = open(paths[0]).read()
    assert "grad ?" in first and first.count('fill="orange"') == 1
    assert x1.grad is None  # the tour does not touch .grad


def test_a_gradient_shows_as_soon_as_every_operation_that_used_it_has_run(tmp_path, no_system_dot):
    # x1*w1's gradient is complete once the + that used it has run, before its own VJP: it
    # read "grad -" (nothing known) until its own step, from the engine rewrite on
    x1, w1 = Tensor(2.0, requires_grad=True, name="x1"), Tensor(-3.0, requires_grad=True, name="w1")
    x2, w2 = Tensor(0.0, requires_grad=True, name="x2"), Tensor(1.0, requires_grad=True, name="w2")
    p1, p2 = x1 * w1, x2 * w2
    o = (p1 + p2).tanh()
    paths = viz.backward_tour(o, tmp_path, format="svg", params={"p1": p1, "p2": p2})
    after_add = open(paths[1]).read()  # tanh, then +: both products are complete, neither VJP has run
    assert "VJP of &#39;add&#39;" in after_add
    slope = f"{1 - np.tanh(-6.0) ** 2:.4g}".replace("-", "&#45;")  # tanh' at x1 w1 + x2 w2 = -6
    for name in ("p1", "p2"):
        assert re.search(rf">{name}</text>.*?>data [^<]*</text>.*?>grad {slope}</text>", after_add, re.S), name
    assert "grad &#45;" not in after_add and after_add.count(">grad ?</text>") == 4  # the leaves wait


def test_a_new_tour_removes_the_frames_of_an_earlier_one_and_nothing_else(tmp_path, no_system_dot):
    x = Tensor(0.5, requires_grad=True, name="x")
    folder = tmp_path / "tour"
    long = viz.backward_tour(((x * x).exp() + x).tanh(), folder, format="png")
    assert len(long) == 4
    others = ["notes.txt", "step_1.svg", "step_01.svg.bak", "step_01.gif", "my_step_01.png"]
    for name in others:
        (folder / name).write_text("the user's")
    (folder / "step_09.png").mkdir()  # a folder is never removed
    short = viz.backward_tour((x * x).exp(), folder, format="svg")
    assert sorted(p.name for p in folder.iterdir()) == sorted(["step_01.svg", "step_02.svg", "step_09.png", *others])
    assert [p.rsplit("/", 1)[1] for p in short] == ["step_01.svg", "step_02.svg"]
    assert all((folder / name).read_text() == "the user's" for name in others)


def test_shared_leaf_shows_a_partial_sum(tmp_path, no_system_dot):
    x = Tensor(0.5, requires_grad=True, name="x")
    y = (x * x).exp() + x
    paths = viz.backward_tour(y, tmp_path, format="svg")
    texts = [open(p).read() for p in paths]
    assert any("(so far)" in t for t in texts)
    assert f"grad {1 + 2 * 0.5 * np.exp(0.25):.4g}" in texts[-1]


@pytest.mark.parametrize(("options", "error", "message"), [
    ({"format": "bmp"}, ValueError, r"format must be one of \('svg', 'png', 'pdf'\), got 'bmp'"),
    ({"max_frames": 0}, ValueError, r"max_frames must be a positive whole number or None \(no limit\), got 0"),
    ({"max_frames": "5"}, ValueError, r"max_frames must be a positive whole number or None \(no limit\), got '5'"),
    ({"rankdr": "TB"}, TypeError, r"no drawing option 'rankdr'; the options are collapse_modules, group_by_module, "
                                  r"legend, max_nodes, max_values, rankdir, show_data, show_grad"),
])
def test_bad_arguments_are_refused_before_the_folder_is_made(tmp_path, no_system_dot, options, error, message):
    o = (Tensor(2.0, requires_grad=True) * 3.0).tanh()
    with pytest.raises(error, match=rf"^backward_tour: {message}$"):
        viz.backward_tour(o, tmp_path / "tour", **options)
    assert not (tmp_path / "tour").exists()


def test_a_file_in_place_of_the_folder_or_no_renderer_is_refused_before_drawing(tmp_path, no_system_dot, monkeypatch):
    o = (Tensor(2.0, requires_grad=True) * 3.0).tanh()
    (tmp_path / "taken").write_text("")
    with pytest.raises(NotADirectoryError, match=r"^backward_tour: out_dir '.*taken' is a file; give the path of a "
                                                 r"folder \(made if missing\)$"):
        viz.backward_tour(o, tmp_path / "taken")
    monkeypatch.setattr(renderer, "_graphviz_pure", lambda: None)
    with pytest.raises(viz.RendererNotFound, match=r"^no Graphviz renderer found"):
        viz.backward_tour(o, tmp_path / "tour")
    assert not (tmp_path / "tour").exists()
