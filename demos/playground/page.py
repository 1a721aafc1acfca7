"""The playground page: header, the sidebar's settings, Play / Step / Reset, and the live part.

Training advances inside a fragment that Streamlit reruns on a timer while playing (or while
the optimizers race): each rerun takes one redraw's worth of epochs ("Redraw every"), trained
in a thread while the browser drew the previous redraw (``ahead``), draws the open tab only, so
the rest of the page stays as it is and answers clicks, and starts the next chunk. The timer
is set by a full run of the page (Streamlit registers ``run_every`` there); when training
stops, the fragment asks for one full run, which draws the page without the timer.

A click starts a new run of the page at once (Streamlit's "fast reruns"), while the previous
run may still be training in its own thread: one lock per session makes training, stepping
and drawing take turns, so a network is never trained and read by two threads at a time.
"""

from __future__ import annotations

import threading

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from . import panels, sidebar
from .ahead import TrainingAhead
from .data import DataError, make_dataset
from .settings import settings_from_query, settings_to_query
from .sidebar import Upload
from .training import Race, Run, structure

TICK_SECONDS = 0.02  # a rerun is asked for this often; requests made while one runs are merged into one
TABS = ["Decision boundary", "Hidden activations", "Weights & gradients", "Computation graph", "Gradient check",
        "Optimizers", "Model"]
_STATE_DEFAULTS = {"playing": False, "racing": False, "timer_on": False, "run": None, "run_key": None,
                   "race": None, "url_problems": []}


def _start_session() -> None:
    """On a session's first run: the settings from the link, into the widgets."""
    state = st.session_state
    for key, value in _STATE_DEFAULTS.items():
        state.setdefault(key, value)
    settings, problems = settings_from_query(st.query_params.to_dict())
    sidebar.load_into_widgets(settings)
    state["url_problems"] = problems
    state["lock"] = threading.RLock()
    state["ahead"] = TrainingAhead(state["lock"])
    state["started"] = True


def _current_run(upload: Upload | None) -> Run | None:
    """The run for the settings: the same one if only live settings changed (learning rate,
    optimizer...), a new one if the network or the data changed. None, with a message on the
    page, if the settings cannot make one."""
    state = st.session_state
    settings = state["settings"]
    if not settings.features:
        st.error("Pick at least one input feature (sidebar: Network, Input features).")
        return None
    if settings.dataset == "csv":
        if upload is None:
            st.info("Upload a CSV file in the sidebar (Data): one point per row, columns x1, x2, label.")
            return None
        if upload.error is not None:
            st.error(upload.error)
            st.caption("A file the playground reads: one point per row, its class last (a header line is "
                       "optional):")
            st.code("x1,x2,label\n0.5,1.2,0\n-1.0,0.3,1\n2.1,-0.7,1", language=None)
            return None
    key = (structure(settings), upload.digest if upload else None)
    run: Run | None = state["run"]
    if run is not None and state["run_key"] == key:
        with state["lock"]:
            run.configure(settings)
        return run
    try:
        data = make_dataset(settings, upload.points if upload else None)
    except DataError as e:
        st.error(str(e))
        return None
    state["ahead"].stop()  # the old network's chunk: no one will see it
    state["run"], state["run_key"], state["race"], state["racing"] = Run(settings, data), key, None, False
    if state["playing"]:
        state["ahead"].resume()
    return state["run"]


# -------------------------------------------------------------------- controls (button callbacks)
# A click on a button can reach the server twice while the timer runs: once with the timer's
# request for the fragment, once with its own request for the page. The buttons' keys change
# with the state (Play / Pause, and Step and Reset while playing), so that the second delivery
# finds no widget of that key left, and is dropped instead of acting again (a Pause that undid
# itself as Play, a Step of two epochs).
def _play() -> None:
    state = st.session_state
    run: Run = state["run"]
    if run.finished:  # "Train again": from new starting weights
        state["run"] = Run(run.settings, run.data)
    state["playing"] = True
    state["ahead"].resume()


def _pause() -> None:
    st.session_state["playing"] = False
    st.session_state["ahead"].stop()


def _step() -> None:
    state = st.session_state
    _pause()
    with state["lock"]:
        state["run"].advance(1)


def _reset() -> None:
    state = st.session_state
    run: Run = state["run"]
    _pause()
    state["run"] = Run(run.settings, run.data)


def _start_race() -> None:
    if st.session_state["racing"]:
        return
    run: Run = st.session_state["run"]
    st.session_state["race"] = Race(run.settings, run.data)
    st.session_state["racing"] = True


def _stop_race() -> None:
    st.session_state["racing"] = False


def _controls(run: Run) -> None:
    playing = st.session_state["playing"]
    suffix = "_while_playing" if playing else ""
    play, step, reset, note = st.columns([1.3, 1, 1, 5], vertical_alignment="center")
    if playing:
        play.button("Pause", icon=":material/pause:", on_click=_pause, type="primary", key="pause", width="stretch")
    else:
        play.button("Train again" if run.finished else "Play", icon=":material/replay:" if run.finished else
                    ":material/play_arrow:", on_click=_play, type="primary", key="play", width="stretch",
                    help="Train until the epoch target, redrawing as it goes.")
    step.button("Step", icon=":material/skip_next:", on_click=_step, key="step" + suffix, width="stretch",
                help="Train one epoch (and pause).")
    reset.button("Reset", icon=":material/restart_alt:", on_click=_reset, key="reset" + suffix, width="stretch",
                 help="Back to the starting weights (from the seed); the settings stay.")
    note.caption("The address bar holds every setting: copy it to share this exact playground.")


# -------------------------------------------------------------------- the live part
def _live(counters: DeltaGenerator, tab: str) -> None:
    """Take one redraw's worth of training (when playing), draw the counters (in their place
    above the tabs) and the open tab, and start the next chunk."""
    state = st.session_state
    state["ahead"].wait()  # outside the lock, which the thread needs
    with state["lock"]:
        _train_and_draw(counters, tab)


def _train_and_draw(counters: DeltaGenerator, tab: str) -> None:
    state = st.session_state
    if (state["playing"] or state["racing"]) != state["timer_on"]:
        st.rerun(scope="app")  # Play or a race was switched inside the fragment: the timer needs a full run
    run: Run = state["run"]
    settings = run.settings
    if state["playing"]:
        if not state["ahead"].take(run):  # nothing trained ahead: the first redraw after Play
            run.advance(min(settings.every, settings.epochs - run.epoch))
        if run.finished or run.diverged:
            state["playing"] = False
            st.rerun(scope="app")  # stops the timer; that run draws the final state
    race: Race | None = state["race"]
    if state["racing"] and race is not None:
        race.advance(settings.every)
        if race.finished:
            state["racing"] = False
            st.rerun(scope="app")

    with counters:
        panels.metrics(run)
        if run.diverged:
            st.error(run.diverged)
    drawers = {
        "Decision boundary": lambda: panels.decision_tab(run),
        "Hidden activations": lambda: panels.activations_tab(run),
        "Weights & gradients": lambda: panels.dynamics_tab(run),
        "Computation graph": lambda: panels.graph_tab(run, state["playing"]),
        "Gradient check": lambda: panels.gradients_tab(run),
        "Optimizers": lambda: panels.race_tab(run, race, state["racing"], _start_race, _stop_race),
        "Model": lambda: panels.model_tab(run),
    }
    drawers[tab]()
    if state["playing"]:  # the next redraw's epochs, while the browser draws this one
        state["ahead"].start(run, min(settings.every, settings.epochs - run.epoch))


def main() -> None:
    """One run of the page."""
    st.set_page_config(page_title="Playground · autograd-lite", page_icon="🧮", layout="wide")
    if "started" not in st.session_state:
        _start_session()
    state = st.session_state
    settings, upload = sidebar.read()
    state["settings"] = settings
    query = settings_to_query(settings)
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)  # the link reproduces this page

    st.html("<style>[data-testid='stMainBlockContainer'] {padding-top: 2.5rem}</style>")  # less blank above
    st.title("Neural network playground")
    st.caption("Train a small network in your browser and watch it learn, down to the automatic differentiation "
               "that computes every gradient (autograd-lite, on numpy).")
    for problem in state["url_problems"]:
        st.warning(f"The link's {problem}; the default is used.")
    state["url_problems"] = []

    run = _current_run(upload)
    if run is None:
        _pause()
        return
    _controls(run)
    live = state["playing"] or state["racing"]
    state["timer_on"] = live
    counters = st.container()  # filled by the fragment, above the tabs
    for tab, name in zip(st.tabs(TABS, key="tab", on_change="rerun"), TABS):
        if tab.open:  # only the open tab is computed, and redrawn while playing
            with tab:
                st.fragment(_live, run_every=TICK_SECONDS if live else None)(counters, name)
