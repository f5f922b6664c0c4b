"""SIGTERM (a SLURM time limit or preemption, ``timeout``, ``kill``) ends a run the way Ctrl-C does.

Python's default for SIGTERM is to die at once, which leaves the MLflow run RUNNING. Inside
:func:`terminate_gracefully` a SIGTERM raises :class:`Terminated` instead: the tracker marks the run (and, under
``cv.folds``, the current fold's child run) KILLED with the reason, the epoch checkpoints stay for
``resume=true``, and the command exits with 143 (128 + SIGTERM), as the shell reports a terminated job.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

logger = logging.getLogger(__name__)


class Terminated(BaseException):
    """The process received a termination signal; like ``KeyboardInterrupt``, not an ``Exception``."""

    def __init__(self, signum: int) -> None:
        super().__init__(
            f"{signal.Signals(signum).name} received: the job was stopped (time limit, preemption or kill)"
        )
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    signal.signal(signum, signal.SIG_IGN)  # a second signal must not cut short the marking of the run
    logger.warning("%s received: stopping; the MLflow run is marked KILLED", signal.Signals(signum).name)
    raise Terminated(signum)


@contextmanager
def terminate_gracefully(signums: tuple[int, ...] = (signal.SIGTERM,)) -> Iterator[None]:
    """Within the block, the signals raise :class:`Terminated`; the previous handlers come back after it.

    Only the main thread can set signal handlers; elsewhere the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, _raise_terminated) for signum in signums}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
