"""Training one redraw ahead: a chunk in a thread, taken by the next redraw, stopped by Pause."""

import threading
import time

from demos.playground.ahead import TrainingAhead
from demos.playground.data import make_dataset
from demos.playground.settings import Settings
from demos.playground.training import Run


def make_run() -> Run:
    settings = Settings()
    return Run(settings, make_dataset(settings))


def test_a_chunk_trains_in_the_background_and_is_taken_once():
    lock = threading.RLock()
    ahead, run = TrainingAhead(lock), make_run()
    ahead.start(run, 30)
    ahead.wait()
    assert run.epoch == 30
    assert ahead.take(run) and not ahead.take(run)
    assert not ahead.take(make_run())


def test_the_chunk_waits_for_the_lock():
    lock = threading.RLock()
    ahead, run = TrainingAhead(lock), make_run()
    with lock:  # the page is drawing
        ahead.start(run, 20)
        time.sleep(0.05)
        assert run.epoch == 0
    ahead.wait()
    assert run.epoch == 20


def test_a_second_start_while_one_runs_does_nothing():
    lock = threading.RLock()
    ahead, run = TrainingAhead(lock), make_run()
    with lock:
        ahead.start(run, 10)
        ahead.start(run, 500)  # would deadlock if it waited for the first, which needs the lock
    ahead.wait()
    assert run.epoch == 10


def test_stop_ends_the_chunk_at_the_end_of_an_epoch():
    lock = threading.RLock()
    ahead, run = TrainingAhead(lock), make_run()
    in_epoch_10 = threading.Event()
    record = run.recorder

    def recorder(epoch, loss, net):  # the chunk holds at the end of its 10th epoch until Pause
        record(epoch, loss, net)
        if epoch == 10:
            in_epoch_10.set()
            while not run.stop_requested:  # sleeping lets the test's thread run (a busy training
                time.sleep(0.001)  # thread can keep it from waking for seconds)

    run.recorder = recorder
    ahead.start(run, 100_000)
    assert in_epoch_10.wait(timeout=30)
    ahead.stop()
    stopped_at = run.epoch
    assert stopped_at == 10 and len(run.history.epochs) == stopped_at
    assert not run.stop_requested and not ahead.take(run)
    assert run.advance(5) == 5  # and training can go on


def test_stop_before_the_chunk_starts_trains_nothing():
    lock = threading.RLock()
    ahead, run = TrainingAhead(lock), make_run()
    with lock:
        ahead.start(run, 50)
        stopper = threading.Thread(target=ahead.stop)
        stopper.start()
        time.sleep(0.05)
    stopper.join()
    assert run.epoch == 0


def test_no_chunk_starts_between_stop_and_resume():
    """A page run that was ending when Pause came must not start training again."""
    lock = threading.RLock()
    ahead, run = TrainingAhead(lock), make_run()
    ahead.stop()
    ahead.start(run, 10)
    ahead.wait()
    assert run.epoch == 0 and not ahead.take(run)
    ahead.resume()
    ahead.start(run, 10)
    ahead.wait()
    assert run.epoch == 10


def test_a_chunk_asked_for_just_before_a_stop_does_not_train():
    """start() passed its check, then stop() ran before the thread was registered (so it had
    nothing to wait for): the thread itself must see the stop once it gets the lock."""
    lock = threading.RLock()
    ahead, run = TrainingAhead(lock), make_run()
    with lock:
        ahead.start(run, 10)
        ahead._stopped = True  # what that stop() leaves behind
    ahead.wait()
    assert run.epoch == 0 and not ahead.take(run)
