"""SIGTERM (a SLURM time limit or preemption, ``timeout``, ``kill``) and SIGHUP (the terminal was closed, an SSH
session dropped) end a run the way Ctrl-C does.

Python's default for both is to die at once, which leaves the MLflow run RUNNING. Inside
:func:`terminate_gracefully` they raise :class:`Terminated` instead: the tracker marks the run (and, under
``cv.folds``, the current fold's child run) KILLED with the reason, the epoch checkpoints stay for
``resume=true``, and the command exits with 128 + the signal's number (143 for SIGTERM, 129 for SIGHUP), as the
shell reports a terminated job.

Python ignores an exception raised while a finalizer or a weakref callback runs ("Exception ignored in ..."),
and a signal handler may run there: a Ctrl-C or SIGTERM that lands in SQLAlchemy's garbage collection would be
lost and the run would go on. So the block also records the signal, and :class:`experiments.run.training.StopOnSignal`
raises it again at the trainer's next step. This module imports no torch: ``experiments-train`` reads it first.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

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


def raise_pending_signal() -> None:
    """Raise the stop a signal asked for, if Python swallowed the handler's own raise."""
    if _pending:
        raise _pending[0]


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    signal.signal(signum, signal.SIG_IGN)  # a second signal must not cut short the marking of the run
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
    """Within the block, the signals raise :class:`Terminated` and Ctrl-C is recorded (see the module); the
    previous handlers come back after it. A signal ignored when the block starts (``nohup``) stays ignored.

    Only the main thread can set signal handlers; elsewhere the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    # A signal ignored at the start stays ignored: nohup ignores SIGHUP so that the job outlives its terminal.
    handled = [signum for signum in signums if signal.getsignal(signum) is not signal.SIG_IGN]
    previous = {signum: signal.signal(signum, _raise_terminated) for signum in handled}
    interrupt = signal.getsignal(signal.SIGINT)
    if callable(interrupt):  # not when Ctrl-C is ignored (SIG_IGN)
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, _recording_interrupt(interrupt))
    try:
        yield
    finally:
        _pending.clear()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
