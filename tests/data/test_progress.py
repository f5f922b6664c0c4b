"""Progress lines of a long pass over rows: none for a short one, counts and rates for a long one."""

from __future__ import annotations

import logging

from experiments.data.progress import RowProgress

logger = logging.getLogger("tests.progress")


def test_a_short_step_logs_nothing(caplog):
    with caplog.at_level(logging.INFO, logger="tests.progress"):
        progress = RowProgress("reading", logger, every=60.0)
        for _ in range(10_000):
            progress.step()
        progress.finish()
    assert caplog.records == []


def test_a_long_step_logs_its_count_every_few_thousand_rows_and_its_total(caplog):
    with caplog.at_level(logging.INFO, logger="tests.progress"):
        progress = RowProgress("reading", logger, every=0.0)
        progress.step(5_000)
        progress.step(3_000)  # still within the same 4,096-row stretch as the line before: no look at the clock
        progress.step(1_000)
        progress.finish()
    messages = [record.getMessage() for record in caplog.records]
    assert [message.split(" (")[0] for message in messages] == [
        "reading, 5,000 rows so far",
        "reading, 9,000 rows so far",
        "reading: 9,000 rows in 0 s",
    ]
