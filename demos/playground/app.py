"""The Streamlit script of the playground: ``python -m demos.playground`` runs it, with the
server options listed in ``__main__.DEFAULT_OPTIONS`` (``streamlit run demos/playground/app.py``
works too, without them: slower redraws, the page open to the network)."""

import sys
from pathlib import Path

# Streamlit runs this file as a script, from whatever folder it was started in: make the
# repository (two folders up) importable, as `python -m` from its root would.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from demos.playground.page import main  # noqa: E402

main()
