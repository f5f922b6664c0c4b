"""SIGTERM (a SLURM time limit or preemption, ``timeout``, ``kill``) and SIGHUP (the terminal was closed, an SSH
session dropped) end a run the way Ctrl-C does.

Python's default for both is to die at once, which leaves the MLflow run RUNNING. Inside
:func:`terminate_gracefully` they raise :class:`Terminated` instead: the tracker marks the run (and, under
``cv.folds``, the current fold's child run) KILLED with the reason, the epoch checkpoints stay for
``resume=true``, and the command exits with 128 + the signal's number (143 for SIGTERM, 129 for SIGHUP), as the
shell reports a terminated job.

Inside a submitit job (``hydra/launcher=submitit_slurm`` or ``submitit_local``) the block also takes submitit's
preemption signal (``USR2``, or ``$SUBMITIT_PREEMPT_SIGNAL``: what SLURM sends at a preemption and shortly before a
time limit, and what submitit's local executor sends to simulate one): the run is marked KILLED the same way, then
submitit's own handler gets the signal and requeues the job with the same arguments; with ``resume=auto`` the
requeued job continues from the checkpoint, in the same MLflow run. A second stop signal while the first is being
handled is only noted (a preemption signal is still handed to submitit).

Python ignores an exception raised while a finalizer or a weakref callback runs ("Exception ignored in ..."),
and a signal handler may run there: a Ctrl-C or SIGTERM that lands in SQLAlchemy's garbage collection would be
lost and the run would go on. So the block also records the signal, and :class:`experiments.run.training.StopOnSignal`
raises it again at the trainer's next step.

A stop signal that lands while the tracking store is being written (:func:`signals_held`, around every MLflow
client call of the run) is raised as soon as the write is done, not in the middle of it: a SQLite write cut short
by an exception can keep the store's lock, and marking the run KILLED then fails with "database is locked".
This module imports no torch: ``experiments-train`` reads it first.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

logger = logging.getLogger(__name__)

_REASONS = {
    signal.SIGTERM: "the job was stopped (time limit, preemption or kill)",
    signal.SIGHUP: "the terminal was closed or the session hung up (start long jobs under nohup, tmux or screen)",
}
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
"""The signals that end a run KILLED, as Ctrl-C does."""


class Terminated(BaseException):
    """The process received a termination signal; like ``KeyboardInterrupt``, not an ``Exception``."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"{signal.Signals(signum).name} received: {_REASONS.get(signum, _REASONS[signal.SIGTERM])}")
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


# The stop a signal asked for inside terminate_gracefully, until the block ends.
_pending: list[BaseException] = []
# Open signals_held blocks (store writes) of the main thread, and the stop that waits for the last one to end.
_holding: list[None] = []
_held: list[Callable[[], None]] = []
# The signals the block stops on, and the preemption signal to hand to submitit when the block ends.
_stop_signals: list[int] = []
_handover: list[int] = []


def preemption_signal() -> int | None:
    """Inside a submitit job, the signal submitit requeues the job on (``SIGUSR2`` by default); else None."""
    if not os.environ.get("SUBMITIT_EXECUTOR"):
        return None
    return getattr(signal, f"SIG{os.environ.get('SUBMITIT_PREEMPT_SIGNAL', 'USR2')}", None)


def raise_pending_signal() -> None:
    """Raise the stop a signal asked for, if Python swallowed the handler's own raise."""
    if _pending:
        raise _pending[0]


def _note_signal(signum: int, frame: FrameType | None) -> None:
    """A stop signal after the first: noted, never raised (it must not cut short the marking of the run)."""
    logger.warning("%s received while stopping; noted", signal.Signals(signum).name)
    if signum == preemption_signal():
        _handover[:] = [signum]


@contextmanager
def signals_held() -> Iterator[None]:
    """A stop signal (or Ctrl-C) that lands inside the block takes effect when the block ends, so that the block
    (a write to the tracking store) is never cut in half. Blocks nest; other threads run them unchanged."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _holding.append(None)
    try:
        yield
    finally:
        _holding.pop()
        if not _holding and _held:  # the stop replaces an error the block raised: the job was stopped
            _held.pop()()


def _when_not_held(handler: Callable[[int, FrameType | None], None]) -> Callable[[int, FrameType | None], None]:
    """``handler``, run at once, or when the open :func:`signals_held` block ends."""

    def handle(signum: int, frame: FrameType | None) -> None:
        if _holding:
            logger.warning(
                "%s received while the tracking store is written: stopping after the write", signal.Signals(signum).name
            )
            _held[:] = [lambda: handler(signum, frame)]
            return
        handler(signum, frame)

    return handle


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    for stop_signal in _stop_signals:  # a second signal must not cut short the marking of the run
        signal.signal(stop_signal, _note_signal)
    if signum == preemption_signal():
        _handover[:] = [signum]
    stop = Terminated(signum)
    _pending[:] = [stop]
    raise stop


def _recording_interrupt(previous: Any) -> Any:
    """A SIGINT handler that records the interrupt, then runs ``previous`` (Python's, or a sweep's)."""

    def on_interrupt(signum: int, frame: FrameType | None) -> None:
        _pending[:] = [KeyboardInterrupt()]
        previous(signum, frame)
        raise KeyboardInterrupt

    return on_interrupt


@contextmanager
def terminate_gracefully(signums: tuple[int, ...] = STOP_SIGNALS) -> Iterator[None]:
    """Within the block, the signals (and submitit's preemption signal in a submitit job) raise :class:`Terminated`
    and Ctrl-C is recorded (see the module); the previous handlers come back after it, and a preemption signal
    received in the block is then handed to submitit's handler, which requeues the job. A signal ignored when the
    block starts (``nohup``) stays ignored.

    Only the main thread can set signal handlers; elsewhere the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    # A signal ignored at the start stays ignored: nohup ignores SIGHUP so that the job outlives its terminal.
    handled = [signum for signum in signums if signal.getsignal(signum) is not signal.SIG_IGN]
    preemption = preemption_signal()
    if preemption is not None and callable(signal.getsignal(preemption)):  # submitit's handler is installed
        handled.append(preemption)
    _stop_signals[:] = handled
    previous = {signum: signal.signal(signum, _when_not_held(_raise_terminated)) for signum in handled}
    interrupt = signal.getsignal(signal.SIGINT)
    if callable(interrupt):  # not when Ctrl-C is ignored (SIG_IGN)
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, _when_not_held(_recording_interrupt(interrupt)))
    try:
        yield
    finally:
        handover = _handover[:]
        _pending.clear()
        _held.clear()
        _handover.clear()
        _stop_signals.clear()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in handover:
            handler = previous.get(signum)
            if callable(handler):
                logger.warning("Handing %s to submitit: it requeues the job", signal.Signals(signum).name)
                handler(signum, None)
