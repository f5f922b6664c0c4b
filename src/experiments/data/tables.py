"""Reading a data file into a :class:`RawTable`, every row kept and every bad row named.

CSV / TSV and JSON lines are parsed here with the standard library, record by record, rather than with the
``datasets`` builders or pandas: those pad a short CSV row with nulls, and report a bad field count or a
broken JSON line without the file and row. Parquet is read with pyarrow (the ``datasets`` Parquet reader).
Files compressed with gzip, bzip2 or xz (``pairs.csv.gz``) are decompressed first (:mod:`.compression`);
how quotes in a TSV file are read is decided in :mod:`.quoting`.
Sources that already are ``datasets.Dataset`` objects (the hub) become tables with :func:`table_from_dataset`.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from experiments.data.compression import decompress, strip_compression
from experiments.data.labels import NUMBER
from experiments.data.progress import RowProgress
from experiments.data.quoting import QUOTINGS, choose_quoting
from experiments.errors import ConfigurationError
from experiments.inputs import file_problem

if TYPE_CHECKING:  # imported where used: the run's early checks import this module without datasets
    from datasets import Dataset

logger = logging.getLogger(__name__)

LARGE_FILE = 50 * 2**20
"""Files of this many bytes or more are announced when reading starts."""
# A line and its ending (\r\n, \r or \n), as io.StringIO(newline="") splits; the last line may lack one.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")

FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".json": "jsonl", ".parquet": "parquet"}
"""Format by file extension; ``.json`` is read as JSON lines."""


@dataclass(frozen=True)
class RawTable:
    """Columns of one source as Python lists, values as the file holds them.

    Rows are counted from 1 in messages, the header not counted.

    Args:
        source: the file (or hub split) the rows come from, as named in error messages.
        columns: column name -> one value per row.
        lines: the line each row starts on (CSV / TSV / JSON lines), for error messages; None when lines mean
            nothing (Parquet, the hub).
        header_read: the column names come from the file's first row (a header-less file misread shows there).
    """

    source: str
    columns: dict[str, list[Any]]
    lines: list[int] | None = None
    header_read: bool = False

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()), []))

    def where(self, row: int) -> str:
        """``row 3 (line 4)``: a row counted from 1, and its line when the file has lines."""
        return f"row {row} (line {self.lines[row - 1]})" if self.lines is not None else f"row {row}"

    def column(self, name: str, key: str) -> list[Any]:
        """The values of ``name``; a clear error naming ``key`` (the config key that asked for it) when absent."""
        if name not in self.columns:
            hint = _header_hint(list(self.columns)) if self.header_read else ""
            raise ConfigurationError(
                f"{self.source}: missing column {name!r} (data.{key}); the columns are {list(self.columns)}{hint}"
            )
        return self.columns[name]


def _header_hint(names: list[str]) -> str:
    """Why a header may be wrong: one name holding another delimiter, names in quotes, or names that look like data."""
    if len(names) == 1 and "\t" in names[0]:
        return "; the header holds tabs: the file looks tab-separated, set data.format=tsv"
    if len(names) == 1 and "," in names[0]:
        return "; the header holds commas: the file looks comma-separated, set data.format=csv"
    if all(len(name) >= 2 and name[0] == name[-1] == '"' for name in names):
        return (
            "; the column names are in double quotes: the file encloses its fields in quotes, set data.quoting=quoted"
        )
    if any(NUMBER.fullmatch(name.strip()) for name in names):
        return (
            "; the first row looks like data, not a header: for a file without a header row set "
            "data.header=false data.column_names=[...] (one name per column, in order)"
        )
    return ""


def check_format(format: str | None) -> None:
    """``data.format`` is null or a known format."""
    if format is not None and format not in set(FORMATS.values()):
        raise ConfigurationError(f"data.format must be one of {sorted(set(FORMATS.values()))}, got {format!r}")


def file_format(path: Path, format: str | None, head: str = "") -> str:
    """``format`` when given, else the one the extension names (``pairs.csv.gz`` is CSV).

    Args:
        path: the data file.
        format: ``data.format``; None = from the extension.
        head: the file's first line, to suggest a format when the extension names none.
    """
    check_format(format)
    if format is not None:
        return format
    suffix = strip_compression(path).suffix.lower()
    if suffix not in FORMATS:
        raise ConfigurationError(
            f"{path}: cannot tell the format from the extension {suffix!r}; "
            f"set data.format to one of {sorted(set(FORMATS.values()))}{_sniff(head)}"
        )
    return FORMATS[suffix]


def _sniff(head: str) -> str:
    """A hint from the first line of a file whose extension names no format."""
    if "\t" in head:
        return " (the first line holds tabs: data.format=tsv is the likely one)"
    if head.lstrip().startswith(("{", "[")):
        return " (the first line looks like JSON: data.format=jsonl is the likely one)"
    if "," in head:
        return " (the first line holds commas: data.format=csv is the likely one)"
    return ""


def read_table(
    path: str | Path,
    format: str | None = None,
    header: bool = True,
    column_names: Sequence[str] | None = None,
    quoting: str = "auto",
) -> RawTable:
    """One data file as a :class:`RawTable`.

    Args:
        path: a CSV, TSV, JSON lines or Parquet file, optionally compressed (``.gz``, ``.bz2``, ``.xz``).
        format: ``csv``, ``tsv``, ``jsonl`` or ``parquet``; None takes it from the extension.
        header: False when the file has no header row (CSV / TSV), holds JSON arrays rather than objects
            (JSON lines), or its own column names are to be replaced (Parquet); ``column_names`` then names
            the columns in order.
        column_names: the column names of a header-less file.
        quoting: CSV / TSV only. ``quoted``: a field may be enclosed in double quotes, inner ones doubled
            (what pandas and spreadsheets write); ``none``: a quote is text; ``auto``: quoted for CSV,
            detected for TSV (see :func:`experiments.data.quoting.choose_quoting`). The choice is logged.
    """
    path = Path(path)
    check_format(format)
    if quoting not in QUOTINGS:
        raise ConfigurationError(f"data.quoting must be one of {list(QUOTINGS)}, got {quoting!r}")
    if not header and not column_names:
        raise ConfigurationError(f"{path}: data.header is false, so data.column_names must list the column names")
    names = None if header else list(column_names or [])
    problem = file_problem(path)
    if problem is not None:
        raise ConfigurationError(f"{path}: {problem}")
    if path.stat().st_size >= LARGE_FILE:
        logger.info("%s: reading %.0f MB ...", path, path.stat().st_size / 2**20)
    data = decompress(path)
    kind = file_format(path, format, head=data[:4096].decode("utf-8", errors="replace").split("\n", 1)[0])
    if kind == "parquet":
        table = _read_parquet(path, data, names)
    else:
        text = _decode(path, data)
        del data  # the text is all that is read from here on: a file's worth of memory less
        if kind == "jsonl":
            table = _read_jsonl(path, text, names)
        else:
            table = _read_delimited(path, text, kind, names, choose_quoting(path, text, kind, quoting))
    if len(table) == 0:
        raise ConfigurationError(f"{path}: the file has no data rows")
    return table


def table_from_dataset(dataset: Dataset, source: str, keep: Sequence[str | None] = ()) -> RawTable:
    """A ``datasets.Dataset`` as a table of the columns in ``keep`` (all when empty).

    ``ClassLabel`` columns become their label names.
    """
    wanted = [name for name in keep if name is not None and name in dataset.column_names]
    if wanted:
        dataset = dataset.select_columns(wanted)
    columns = dataset.to_dict()
    for name, feature in dataset.features.items():
        if hasattr(feature, "int2str"):
            names = feature.names
            columns[name] = [names[value] if 0 <= value < len(names) else value for value in columns[name]]
    table = RawTable(source=source, columns=columns)
    if len(table) == 0:
        raise ConfigurationError(f"{source}: the split has no rows")
    return table


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ConfigurationError(
            f"{path}: line {line} is not valid UTF-8 (byte {data[error.start]:#04x} at offset {error.start}); "
            "save the file as UTF-8"
        ) from error


def _read_delimited(path: Path, text: str, kind: str, names: list[str] | None, quoted: bool) -> RawTable:
    """CSV or TSV, with or without quoting; a quoted field spanning lines is logged with its row and lines."""
    delimiter = "," if kind == "csv" else "\t"
    quoting = csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE
    # Lines one at a time, not io.StringIO(text): that copy takes four bytes a character.
    reader = csv.reader(_lines(text), delimiter=delimiter, quoting=quoting)
    records = _records(path, reader)
    header_read = names is None
    if names is None:
        names = next((record for _, record in records if record), [])
        if not names:
            raise ConfigurationError(f"{path}: the file is empty")
        _check_unique(path, names)
    columns: dict[str, list[Any]] = {name: [] for name in names}
    lines: list[int] = []
    spanning: list[str] = []
    progress = RowProgress(f"{path}: reading", logger)
    for first_line, record in records:
        if not record:  # a blank line holds no row
            continue
        progress.step()
        lines.append(first_line)
        row = len(lines)
        if len(record) != len(names):
            hint = _header_hint(names) if header_read else ""
            if not hint and kind == "tsv" and not quoted and '"' in "".join(record):
                hint = "; if the file encloses fields in quotes (as pandas writes), set data.quoting=quoted"
            raise ConfigurationError(
                f"{path}: row {row} (line {first_line}) has {len(record)} fields, expected {len(names)} ({names}){hint}"
            )
        if reader.line_num > first_line:
            spanning.append(f"row {row} (lines {first_line}-{reader.line_num})")
        for name, value in zip(names, record, strict=True):
            columns[name].append(value)
    progress.finish()
    if spanning:
        logger.warning(
            "%s: %d row(s) hold a quoted field spanning several lines, read as one text each: %s%s; "
            "if a text opens a quote it never closes, the lines up to the next quote were read into it",
            path, len(spanning), ", ".join(spanning[:10]), " ..." if len(spanning) > 10 else "",
        )  # fmt: skip
    return RawTable(source=str(path), columns=columns, lines=lines, header_read=header_read)


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` with their endings, one at a time."""
    return (match.group() for match in _LINE.finditer(text))


def _records(path: Path, reader: Any) -> Any:
    """(first line, record) pairs of a ``csv.reader``; a parse error names its line."""
    first_line = 1
    try:
        for record in reader:
            yield first_line, record
            first_line = reader.line_num + 1
    except csv.Error as error:
        raise ConfigurationError(f"{path}: line {reader.line_num} cannot be parsed: {error}") from error


def _read_jsonl(path: Path, text: str, names: list[str] | None) -> RawTable:
    """One JSON object per line (or, header-less, one JSON array in ``names`` order); a key a row lacks is None."""
    columns: dict[str, list[Any]] = {name: [] for name in names or []}
    lines: list[int] = []
    progress = RowProgress(f"{path}: reading", logger)
    for line_number, line in enumerate(_lines(text), start=1):
        if not line.strip():
            continue
        row = len(lines) + 1
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise ConfigurationError(
                f"{path}: row {row} (line {line_number}) is not valid JSON: {error.msg}"
            ) from error
        if names is None:
            if not isinstance(record, dict):
                raise ConfigurationError(
                    f"{path}: row {row} (line {line_number}) is not a JSON object; "
                    "for JSON arrays set data.header=false and data.column_names"
                )
        else:
            if not isinstance(record, list) or len(record) != len(names):
                got = f"{len(record)} fields" if isinstance(record, list) else "not a JSON array"
                raise ConfigurationError(
                    f"{path}: row {row} (line {line_number}) has {got}, expected {len(names)} ({names})"
                )
            record = dict(zip(names, record, strict=True))
        for key in record:
            if key not in columns:  # a key first seen here: the rows before lack it
                columns[key] = [None] * len(lines)
        for key, values in columns.items():
            values.append(record.get(key))
        lines.append(line_number)
        progress.step()
    progress.finish()
    return RawTable(source=str(path), columns=columns, lines=lines)


def _read_parquet(path: Path, data: bytes, names: list[str] | None) -> RawTable:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(data))
    except Exception as error:  # pyarrow raises several types for a damaged file
        raise ConfigurationError(f"{path}: cannot be read as Parquet: {error}") from error
    if names is not None:
        if len(names) != table.num_columns:
            raise ConfigurationError(
                f"{path}: has {table.num_columns} columns {table.column_names}, "
                f"but data.column_names lists {len(names)} ({names})"
            )
        table = table.rename_columns(names)
    return RawTable(source=str(path), columns=table.to_pydict())


def _check_unique(path: Path, names: list[str]) -> None:
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ConfigurationError(f"{path}: the header repeats the column name(s) {duplicated}")
