"""``python -m demos.playground``: start the playground's web server and open it.

Arguments go to ``streamlit run`` (e.g. ``--server.port 8502``, ``--server.headless true``).
"""

from __future__ import annotations

import os
import subprocess
import sys

APP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "app.py")
DEFAULT_OPTIONS = [
    # This machine only (pass --server.address 0.0.0.0 to share it): Streamlit then also skips
    # looking up the machine's public address on the internet.
    "--server.address", "localhost",
    # no usage statistics: the page makes no request beyond its own server
    "--browser.gatherUsageStats", "false",
    "--client.toolbarMode", "minimal",  # no "Deploy" button
    "--server.showEmailPrompt", "false",  # Streamlit's first run would otherwise wait for an e-mail address
    # Streamlit runs a full garbage collection after every run of the page, half the server's
    # time per redraw here; the engine makes no reference cycles, so the usual GC is enough.
    "--runner.postScriptGC", "false",
    "--server.fileWatcherType", "none",  # no rerun on file changes: this is not a development server
]


def command(args: list[str]) -> list[str]:
    """The ``streamlit run`` command line for the app, with ``args`` after our defaults."""
    return [sys.executable, "-m", "streamlit", "run", APP, *DEFAULT_OPTIONS, *args]


def usage() -> str:
    """What ``--help`` prints: how to start it, our defaults, where the other options are."""
    pairs = [" ".join(DEFAULT_OPTIONS[i:i + 2]) for i in range(0, len(DEFAULT_OPTIONS), 2)]
    return (
        "usage: python -m demos.playground [STREAMLIT OPTIONS]\n\n"
        "Start the playground's web server on http://localhost:8501 (Streamlit) and open it.\n"
        "Every argument goes to `streamlit run`, after these defaults (an option given again wins):\n  "
        + "\n  ".join(pairs)
        + "\n\nExamples: --server.port 8502 (another port), --server.headless true (no browser opened).\n"
        "All of Streamlit's options: python -m streamlit run --help"
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "-h" in args or "--help" in args:
        print(usage())
        return 0
    try:
        import streamlit  # noqa: F401
    except ImportError:
        print("The playground needs Streamlit: python -m pip install -e \".[app]\"", file=sys.stderr)
        return 1
    try:
        return subprocess.call(command(args))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
