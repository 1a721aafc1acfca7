"""Training one redraw ahead of the page.

While the browser draws the state after one redraw's epochs (its busiest moment: a tenth of a
second or more on a small machine), the next redraw's epochs train in a thread here, so that
training and drawing overlap instead of taking turns. Every redraw still shows the network
exactly at a multiple of "Redraw every": the page draws what was trained, then starts the
next chunk. The session's lock keeps the thread and the page from touching a run at once.

>>> ahead = TrainingAhead(lock)
>>> ahead.start(run, 100)       # returns at once; trains once the lock is free
>>> ahead.wait()                # never while holding the lock
>>> ahead.take(run)             # True: a chunk of run's epochs finished since the last take
>>> ahead.stop()                # Pause: the chunk stops at its epoch's end; no new one starts...
>>> ahead.resume()              # ...until Play
"""

from __future__ import annotations

import threading

from .training import Run


class TrainingAhead:
    """At most one chunk of training in a background thread, for one session."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._thread: threading.Thread | None = None
        self._run: Run | None = None
        self._finished: Run | None = None  # the run whose chunk finished and was not taken yet
        self._stopped = False

    def start(self, run: Run, epochs: int) -> None:
        """Train ``run`` for ``epochs`` epochs in a thread; nothing if a chunk is still going or
        training is stopped. Never waits: the caller may hold the lock, which the chunk needs."""
        if self._stopped or (self._thread is not None and self._thread.is_alive()):
            return

        def work() -> None:
            with self._lock:
                if self._stopped:  # stopped after this chunk was asked for (a page run that was ending)
                    return
                run.advance(epochs)
            self._finished = run

        self._run = run
        self._thread = threading.Thread(target=work, name="playground-training", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        """Until the chunk in the thread, if any, has finished."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def take(self, run: Run) -> bool:
        """Whether a chunk of ``run`` finished since the last call (which it then forgets).
        Never waits (see :meth:`start`): call :meth:`wait` first, without the lock."""
        finished, self._finished = self._finished, None
        return finished is run

    def stop(self) -> None:
        """Stop the chunk in the thread at the end of its current epoch, wait for it, and start
        none until :meth:`resume`."""
        self._stopped = True
        run = self._run
        if run is not None:
            run.stop_requested = True
        try:
            self.wait()
        finally:
            if run is not None:
                run.stop_requested = False
        self._finished = None

    def resume(self) -> None:
        """Allow chunks again (Play)."""
        self._stopped = False
