"""Log lines for a long pass over many rows, so that a large data set is never read in silence.

A step that ends within :data:`EVERY` seconds logs nothing here; a longer one logs its count and rate every
:data:`EVERY` seconds and once when it ends (``pairs.csv: reading, 250,000 rows so far (48,100 rows/s)``). Log lines
rather than a progress bar: they read the same in a terminal, a job's log file and a cluster's output file.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

EVERY = 5.0
"""Seconds between two progress lines."""
_CHECK = 4096
"""Rows between two looks at the clock."""
MANY_ROWS = 100_000
"""A step over this many rows or more is announced before it starts (it may take seconds)."""


@contextmanager
def announced(what: str, rows: int, logger: logging.Logger) -> Iterator[None]:
    """Log ``<what> (<rows> rows) ...`` before a step over :data:`MANY_ROWS` rows or more, and its time after it
    when it took longer than :data:`EVERY` seconds; a step over fewer rows logs nothing."""
    if rows < MANY_ROWS:
        yield
        return
    logger.info("%s (%s rows) ...", what, f"{rows:,}")
    started = time.monotonic()
    yield
    if time.monotonic() - started >= EVERY:
        logger.info("%s: done in %.0f s", what, time.monotonic() - started)


class RowProgress:
    """Counts the rows of one step and logs its progress every :data:`EVERY` seconds.

    Args:
        what: the step, as the log line starts (``pairs.csv: reading``).
        logger: where the lines go.
        every: seconds between two lines; None = :data:`EVERY`.
    """

    def __init__(self, what: str, logger: logging.Logger, every: float | None = None) -> None:
        self.what = what
        self.logger = logger
        self.every = EVERY if every is None else every
        self.rows = 0
        self.started = self.last = time.monotonic()

    def rate(self) -> str:
        elapsed = time.monotonic() - self.started
        return f"{self.rows / elapsed:,.0f} rows/s" if elapsed > 0 else "-"

    def step(self, rows: int = 1) -> None:
        """Count ``rows`` more; log when :attr:`every` seconds passed since the last line (checked now and then)."""
        before = self.rows
        self.rows += rows
        if before // _CHECK == self.rows // _CHECK:
            return
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            self.logger.info("%s, %s rows so far (%s)", self.what, f"{self.rows:,}", self.rate())

    def finish(self) -> None:
        """Log the total when the step was long enough to have logged progress."""
        if time.monotonic() - self.started >= self.every:
            seconds = time.monotonic() - self.started
            self.logger.info("%s: %s rows in %.0f s (%s)", self.what, f"{self.rows:,}", seconds, self.rate())
