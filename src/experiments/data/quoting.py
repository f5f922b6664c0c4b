"""How quotes in a CSV / TSV file are read: as CSV quoting or as text (``data.quoting``).

CSV is quoted by definition. TSV comes both ways: WikiQA and GLUE write quotes as text (``He said "hi"``),
while ``pandas.DataFrame.to_csv(sep="\\t")`` and spreadsheets enclose a field holding a quote, a tab or a
line break in quotes and double the inner ones (``He said "hi"`` becomes ``"He said ""hi"" ..."``).
``auto`` reads a TSV file as quoted only when that reading is valid CSV and the file shows a sign of a
quoting writer; the choice is logged either way.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from pathlib import Path

from experiments.data.labels import NUMBER

logger = logging.getLogger(__name__)

QUOTINGS = ("auto", "quoted", "none")
# A whole field in double quotes with the inner quotes doubled, as a quoting writer puts it.
_QUOTED_FIELD = re.compile(r'"(?:[^"]|"")*"')


def choose_quoting(path: Path, text: str, kind: str, quoting: str) -> bool:
    """True to read ``text`` with CSV quoting, False to keep quotes as text; the choice is logged.

    Args:
        path: the file, for the log line.
        text: its decoded content.
        kind: ``csv`` or ``tsv``.
        quoting: ``quoted``, ``none`` or ``auto`` (CSV: quoted; TSV: :func:`tsv_is_quoted`).
    """
    if quoting != "auto":
        quoted = quoting == "quoted"
        how = "set by data.quoting"
    elif kind == "csv":
        quoted, how = True, "CSV"
    else:
        quoted, how = tsv_is_quoted(text), "detected (data.quoting=auto)"
    if '"' in text:
        reading = (
            "fields in double quotes are unquoted and doubled inner quotes read as one"
            if quoted
            else "quotes are kept as text"
        )
        other = "none" if quoted else "quoted"
        logger.info("%s: %s, %s; data.quoting=%s reads it the other way", path, how, reading, other)
    return quoted


def tsv_is_quoted(text: str) -> bool:
    """Whether a tab-separated ``text`` was written with CSV quoting.

    Yes when reading it with quoting is valid (strict) CSV that differs from reading it without, and the file
    shows a quoting writer's mark: a quoted field with a doubled inner quote, rows whose field counts
    agree only when quotes are honoured (a tab or line break inside a quoted field), or every field in quotes
    but numbers (``to_csv(sep="\\t", quoting=csv.QUOTE_ALL)`` or ``QUOTE_NONNUMERIC``), header included.
    """
    if '"' not in text:
        return False
    plain = [record for record in csv.reader(io.StringIO(text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)]
    try:
        quoted = list(csv.reader(io.StringIO(text, newline=""), delimiter="\t", strict=True))
    except csv.Error:
        return False  # a bare quote inside a field: quotes are text
    plain = [record for record in plain if record]
    quoted = [record for record in quoted if record]
    if plain == quoted:
        return False
    doubled = any(_QUOTED_FIELD.fullmatch(field) and '""' in field[1:-1] for record in plain for field in record)
    return doubled or (_uniform(quoted) and not _uniform(plain)) or _all_quoted(plain)


def _all_quoted(records: list[list[str]]) -> bool:
    """Every field wholly in quotes, or a bare number, and every row with a quoted field."""
    return all(
        any(_QUOTED_FIELD.fullmatch(field) for field in record)
        and all(_QUOTED_FIELD.fullmatch(field) or NUMBER.fullmatch(field) for field in record)
        for record in records
    )


def _uniform(records: list[list[str]]) -> bool:
    return len({len(record) for record in records}) <= 1
