"""Rendering to files with no system Graphviz, and Jupyter display."""

import pytest

import viz
from viz import renderer as render_module


def test_finds_graphviz_pure_beside_python_without_dot_on_path(no_system_dot):
    kind, exe = viz.find_renderer()
    assert kind == "graphviz-pure" and exe.endswith(("graphviz-pure", "graphviz-pure.exe"))


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_renders_each_format_without_a_system_graphviz(neuron, tmp_path, no_system_dot, fmt):
    o, _ = neuron
    path = viz.render(o, tmp_path / "neuron", format=fmt)
    assert path == str(tmp_path / f"neuron.{fmt}")
    data = open(path, "rb").read()
    signature = {"svg": b"<?xml", "png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF"}[fmt]
    assert data.startswith(signature) and len(data) > 1000
    if fmt == "svg":
        assert b"data 0.7071" in data and b"tanh" in data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty-bin", f"neuron.{fmt}"]  # no temp files


def test_format_follows_the_extension(neuron, tmp_path, no_system_dot):
    o, _ = neuron
    assert viz.render(o, tmp_path / "n.png").endswith("n.png")
    assert open(tmp_path / "n.png", "rb").read(4) == b"\x89PNG"


def test_a_drawing_renders_too(neuron, tmp_path, no_system_dot):
    o, _ = neuron
    drawing = viz.draw_graph(o, rankdir="TB")
    assert viz.render(drawing, tmp_path / "tb.svg").endswith("tb.svg")
    assert drawing.render(tmp_path / "again", format="svg").endswith("again.svg")


def test_displays_inline_in_jupyter_without_dot(neuron, no_system_dot):
    o, _ = neuron
    bundle = viz.draw_graph(o)._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


def test_no_renderer_is_a_clear_error_and_the_source_is_kept(neuron, tmp_path, no_system_dot, monkeypatch):
    monkeypatch.setattr(render_module, "_graphviz_pure", lambda: None)
    o, _ = neuron
    with pytest.raises(viz.RendererNotFound, match=r"pip install graphviz-pure.*written to .*neuron\.gv"):
        viz.render(o, tmp_path / "neuron.svg")
    assert "tanh" in (tmp_path / "neuron.gv").read_text()


def test_unknown_format_is_refused(neuron, tmp_path):
    o, _ = neuron
    with pytest.raises(ValueError, match="format must be one of"):
        viz.render(o, tmp_path / "x", format="gif")


def test_a_renderer_past_its_timeout_is_a_clear_error_and_leaves_no_file(neuron, tmp_path, monkeypatch):
    slow = tmp_path / "slow-dot"
    slow.write_text("#!/bin/sh\nexec sleep 30\n")
    slow.chmod(0o755)
    monkeypatch.setattr(render_module, "find_renderer", lambda: ("dot", str(slow)))
    monkeypatch.setattr(render_module, "TIMEOUT", 0.5)
    o, _ = neuron
    with pytest.raises(RuntimeError, match=r"^slow-dot did not finish laying out the drawing within 0.5 s and was "
                                           r"stopped: the graph is too large to draw; draw a smaller part of it$"):
        viz.render(o, tmp_path / "neuron.svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["slow-dot"]  # no drawing, no temporary file
