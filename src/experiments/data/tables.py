"""Reading a data file into a :class:`RawTable`, every row kept and every bad row named.

CSV / TSV and JSON lines are parsed here with the standard library, record by record, rather than with the
``datasets`` builders or pandas: those pad a short CSV row with nulls, and report a bad field count or a
broken JSON line without the file and row. Parquet is read with pyarrow (the ``datasets`` Parquet reader).
Sources that already are ``datasets.Dataset`` objects (the hub) become tables with :func:`table_from_dataset`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasets import Dataset

from experiments.errors import ConfigurationError

FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".json": "jsonl", ".parquet": "parquet"}
"""Format by file extension; ``.json`` is read as JSON lines."""


@dataclass(frozen=True)
class RawTable:
    """Columns of one source as Python lists, values as the file holds them.

    Rows are counted from 1 in messages, the header not counted.

    Args:
        source: the file (or hub split) the rows come from, as named in error messages.
        columns: column name -> one value per row.
    """

    source: str
    columns: dict[str, list[Any]]

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()), []))

    def column(self, name: str, key: str) -> list[Any]:
        """The values of ``name``; a clear error naming ``key`` (the config key that asked for it) when absent."""
        if name not in self.columns:
            raise ConfigurationError(
                f"{self.source}: missing column {name!r} (data.{key}); the columns are {list(self.columns)}"
            )
        return self.columns[name]


def file_format(path: Path, format: str | None) -> str:
    """``format`` when given, else the one the extension names."""
    if format is not None:
        if format not in set(FORMATS.values()):
            raise ConfigurationError(f"data.format must be one of {sorted(set(FORMATS.values()))}, got {format!r}")
        return format
    if path.suffix.lower() not in FORMATS:
        raise ConfigurationError(
            f"{path}: cannot tell the format from the extension {path.suffix!r}; "
            f"set data.format to one of {sorted(set(FORMATS.values()))}"
        )
    return FORMATS[path.suffix.lower()]


def read_table(
    path: str | Path,
    format: str | None = None,
    header: bool = True,
    column_names: Sequence[str] | None = None,
) -> RawTable:
    """One data file as a :class:`RawTable`.

    Args:
        path: a CSV, TSV, JSON lines or Parquet file.
        format: ``csv``, ``tsv``, ``jsonl`` or ``parquet``; None takes it from the extension.
        header: False when the file has no header row (CSV / TSV), holds JSON arrays rather than objects
            (JSON lines), or its own column names are to be replaced (Parquet); ``column_names`` then names
            the columns in order.
        column_names: the column names of a header-less file.
    """
    path = Path(path)
    kind = file_format(path, format)
    if not header and not column_names:
        raise ConfigurationError(f"{path}: data.header is false, so data.column_names must list the column names")
    names = None if header else list(column_names or [])
    if not path.is_file():
        raise ConfigurationError(f"{path}: file not found")
    if kind == "parquet":
        table = _read_parquet(path, names)
    else:
        text = _decode(path)
        table = _read_jsonl(path, text, names) if kind == "jsonl" else _read_delimited(path, text, kind, names)
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


def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ConfigurationError(
            f"{path}: line {line} is not valid UTF-8 (byte {data[error.start]:#04x} at offset {error.start}); "
            "save the file as UTF-8"
        ) from error


def _read_delimited(path: Path, text: str, kind: str, names: list[str] | None) -> RawTable:
    """CSV with standard quoting; TSV without quoting (a quote is text, as in WikiQA and GLUE)."""
    if kind == "csv":
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=",")
    else:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    records = iter(reader)
    if names is None:
        names = next((record for record in records if record), [])
        if not names:
            raise ConfigurationError(f"{path}: the file is empty")
        _check_unique(path, names)
    columns: dict[str, list[Any]] = {name: [] for name in names}
    row = 0
    for record in records:
        if not record:  # a blank line holds no row
            continue
        row += 1
        if len(record) != len(names):
            raise ConfigurationError(
                f"{path}: row {row} (line {reader.line_num}) has {len(record)} fields, expected {len(names)} ({names})"
            )
        for name, value in zip(names, record, strict=True):
            columns[name].append(value)
    return RawTable(source=str(path), columns=columns)


def _read_jsonl(path: Path, text: str, names: list[str] | None) -> RawTable:
    """One JSON object per line (or, header-less, one JSON array in ``names`` order); a key a row lacks is None."""
    records: list[dict[str, Any]] = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        row = len(records) + 1
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
        records.append(record)
    keys = names or list(dict.fromkeys(key for record in records for key in record))
    return RawTable(source=str(path), columns={key: [record.get(key) for record in records] for key in keys})


def _read_parquet(path: Path, names: list[str] | None) -> RawTable:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
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
