"""Turn DOT source into SVG / PNG / PDF files, with or without a system Graphviz.

The renderer is the system's ``dot`` when it is on PATH, else ``graphviz-pure`` (a pure-Rust
port of Graphviz's dot, installed from PyPI with this package). graphviz-pure writes SVG and
PNG but not PDF; without a system Graphviz a PDF is made from its PNG (150 dpi) with matplotlib.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile

from autograd_lite.files import write_atomically

FORMATS = ("svg", "png", "pdf")
PNG_DPI = 150  # Graphviz's default of 72 dpi is blurry on today's screens
#: seconds a renderer may run before it is stopped: a drawing that takes longer is too large to
#: lay out (dot's layout grows faster than quadratically with long edges), and waiting longer helps no one.
TIMEOUT = 300


class RendererNotFound(RuntimeError):
    """Neither a system Graphviz nor graphviz-pure could be found."""


def _graphviz_pure() -> str | None:
    """The graphviz-pure executable: on PATH, or beside this Python (an unactivated venv)."""
    found = shutil.which("graphviz-pure")
    if found:
        return found
    exe = "graphviz-pure.exe" if os.name == "nt" else "graphviz-pure"
    folders = {os.path.dirname(sys.executable), sysconfig.get_path("scripts")}
    try:
        folders.add(sysconfig.get_path("scripts", f"{os.name}_user"))
    except KeyError:
        pass
    for folder in folders:
        candidate = os.path.join(folder, exe)
        if folder and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def check_format(format: object, who: str = "render") -> str:
    """``format`` in lower case if the renderers write it (svg, png, pdf), else a ValueError naming those."""
    if not isinstance(format, str) or format.lower() not in FORMATS:
        raise ValueError(f"{who}: format must be one of {FORMATS}, got {format!r}")
    return format.lower()


def find_renderer() -> tuple[str, str]:
    """(kind, executable): ("dot", path) for a system Graphviz, else ("graphviz-pure", path).

    Raises:
        RendererNotFound: with the ways to get one.
    """
    dot = shutil.which("dot")
    if dot:
        return "dot", dot
    pure = _graphviz_pure()
    if pure:
        return "graphviz-pure", pure
    raise RendererNotFound(
        "no Graphviz renderer found: `pip install graphviz-pure` (no system packages needed) "
        "or install Graphviz (https://graphviz.org/download/, e.g. `apt install graphviz`)"
    )


def _run(exe: str, format: str, args: list[str], source: str | None = None, timeout: float | None = None) -> bytes:
    """Run the renderer ``exe`` to ``format`` (at :data:`PNG_DPI` for png) with ``args`` (DOT
    ``source`` on stdin); its stdout.

    A renderer that fails or runs past ``timeout`` (default :data:`TIMEOUT`) raises a
    RuntimeError that says which and what to do, not a subprocess traceback.
    """
    timeout = TIMEOUT if timeout is None else timeout
    name = os.path.basename(exe)
    dpi = [f"-Gdpi={PNG_DPI}"] if format == "png" else []
    try:
        done = subprocess.run([exe, f"-T{format}", *args, *dpi], input=None if source is None else source.encode(),
                              capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{name} did not finish laying out the drawing within {timeout:g} s and was stopped: "
                           "the graph is too large to draw; draw a smaller part of it") from None
    if done.returncode != 0:
        raise RuntimeError(f"{name} failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def pipe(source: str, format: str = "svg") -> bytes:
    """Render DOT ``source`` to ``format`` (svg or png) and return the bytes."""
    if format not in ("svg", "png"):
        raise ValueError(f"pipe: format must be 'svg' or 'png', got {format!r}")
    _, exe = find_renderer()
    return _run(exe, format, [], source)


def render_source(source: str, path: str, format: str | None = None) -> str:
    """Write DOT ``source`` rendered as ``format`` to ``path``; returns the path written.

    ``format`` defaults to the path's extension; a path without that extension gets it added
    (``render_source(src, "neuron", "svg")`` writes ``neuron.svg``). If no renderer exists,
    the DOT source is written beside (``neuron.gv``) and the error says where.
    """
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lstrip(".").lower()
    format = check_format(format or ext or "svg")
    if ext != format:
        path = f"{path}.{format}"
    try:
        kind, exe = find_renderer()
    except RendererNotFound as e:
        gv = os.path.splitext(path)[0] + ".gv"
        write_atomically(gv, lambda tmp: _write_text(tmp, source))
        raise RendererNotFound(f"{e}. The DOT source was written to {gv}") from None

    if format == "pdf" and kind == "graphviz-pure":
        return write_atomically(path, lambda tmp: _pdf_from_png(pipe(source, "png"), tmp))

    def run(tmp: str) -> None:
        _run(exe, format, ["-o", tmp], source)

    return write_atomically(path, run)


def render_many(sources: list[str], paths: list[str], format: str) -> list[str]:
    """Render several DOT sources (frames of a tour) with one renderer process; returns the paths.

    Each file is written atomically, as :func:`render_source` writes one. Starting the renderer
    once instead of once per frame is most of the cost of a small frame.
    """
    if len(sources) != len(paths):
        raise ValueError("render_many: one path per source")
    if not sources:
        return []
    format = check_format(format)
    kind, exe = find_renderer()
    out_format = "png" if format == "pdf" and kind == "graphviz-pure" else format
    folder = os.path.dirname(os.path.abspath(paths[0]))
    os.makedirs(folder, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".frames-", dir=folder) as tmp:
        combined = os.path.join(tmp, "frames.gv")
        _write_text(combined, "\n".join(sources))
        _run(exe, out_format, ["-O", combined], timeout=2 * TIMEOUT)  # all the frames of a tour, each a small drawing
        for k, path in enumerate(paths):
            made = f"{combined}.{out_format}" if k == 0 else f"{combined}.{k + 1}.{out_format}"
            if out_format != format:  # graphviz-pure writes no PDF: wrap its PNG
                with open(made, "rb") as f:
                    png = f.read()
                write_atomically(path, lambda tmp_path, png=png: _pdf_from_png(png, tmp_path))
            else:
                with open(made, "rb") as src:
                    data = src.read()
                write_atomically(path, lambda tmp_path, data=data: _write_bytes(tmp_path, data))
    return list(paths)


def _write_bytes(path: str, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)


def _write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def _pdf_from_png(png: bytes, path: str) -> None:
    """A one-page PDF holding the PNG at its natural size (for renderers without PDF output)."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.image import imread

    image = imread(io.BytesIO(png), format="png")
    height, width = image.shape[:2]
    fig = Figure(figsize=(width / PNG_DPI, height / PNG_DPI), dpi=PNG_DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.imshow(image, interpolation="lanczos")
    ax.axis("off")
    fig.savefig(path, format="pdf", dpi=PNG_DPI)
