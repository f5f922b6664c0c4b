"""Reading CSV / TSV / JSON lines / Parquet files, with and without header, and naming every bad row."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from experiments.data.tables import read_table
from experiments.errors import ConfigurationError

ROWS = [("how old?", 'He said "ten", then left.', "yes"), ("where, then?", "Paris", "no")]
NAMES = ["q", "a", "y"]
EXPECTED = {"q": ["how old?", "where, then?"], "a": ['He said "ten", then left.', "Paris"], "y": ["yes", "no"]}


def write_csv(path: Path, header: bool) -> Path:
    body = 'how old?,"He said ""ten"", then left.",yes\r\n"where, then?",Paris,no\r\n'
    path.write_text(("q,a,y\r\n" if header else "") + body, encoding="utf-8", newline="")
    return path


def write_tsv(path: Path, header: bool) -> Path:
    lines = (["\t".join(NAMES)] if header else []) + ["\t".join(row) for row in ROWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_jsonl(path: Path, header: bool) -> Path:
    records = [dict(zip(NAMES, row, strict=True)) if header else list(row) for row in ROWS]
    path.write_text("\n".join(json.dumps(record) for record in records) + "\n", encoding="utf-8")
    return path


def write_parquet(path: Path, header: bool) -> Path:
    names = NAMES if header else ["c0", "c1", "c2"]
    pq.write_table(pa.table({name: EXPECTED[key] for name, key in zip(names, NAMES, strict=True)}), path)
    return path


WRITERS = {"csv": write_csv, "tsv": write_tsv, "jsonl": write_jsonl, "parquet": write_parquet}


@pytest.mark.parametrize("kind", sorted(WRITERS))
@pytest.mark.parametrize("header", [True, False])
def test_each_format_with_and_without_header(tmp_path: Path, kind: str, header: bool):
    path = WRITERS[kind](tmp_path / f"pairs.{kind}", header)
    table = read_table(path, header=header, column_names=None if header else NAMES)
    assert table.columns == EXPECTED
    assert len(table) == 2 and table.source == str(path)


def test_format_override_beats_the_extension(tmp_path: Path):
    path = write_tsv(tmp_path / "pairs.txt", header=True)
    assert read_table(path, format="tsv").columns == EXPECTED
    with pytest.raises(ConfigurationError, match=re.escape("cannot tell the format from the extension '.txt'")):
        read_table(path)
    with pytest.raises(ConfigurationError, match=re.escape("data.format must be one of")):
        read_table(path, format="xlsx")


def test_jsonl_keeps_value_types_and_a_missing_key_is_none(tmp_path: Path):
    path = tmp_path / "pairs.jsonl"
    path.write_text('{"q": "a", "y": true}\n\n{"q": "b", "y": 3, "extra": 1}\n', encoding="utf-8")
    assert read_table(path).columns == {"q": ["a", "b"], "y": [True, 3], "extra": [None, 1]}


def test_a_blank_line_is_not_a_row(tmp_path: Path):
    path = tmp_path / "pairs.csv"
    path.write_text("q,a,y\n\nx,z,1\n\n", encoding="utf-8")
    assert read_table(path).columns == {"q": ["x"], "a": ["z"], "y": ["1"]}


def test_missing_file(tmp_path: Path):
    with pytest.raises(ConfigurationError, match=re.escape(f"{tmp_path / 'nope.csv'}: file not found")):
        read_table(tmp_path / "nope.csv")


@pytest.mark.parametrize("content", ["", "q,a,y\n", "q,a,y\n\n"])
def test_empty_file(tmp_path: Path, content: str):
    path = tmp_path / "pairs.csv"
    path.write_text(content, encoding="utf-8")
    message = "the file is empty" if not content else "the file has no data rows"
    with pytest.raises(ConfigurationError, match=re.escape(f"{path}: {message}")):
        read_table(path)


def test_empty_jsonl_file(tmp_path: Path):
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=re.escape(f"{path}: the file has no data rows")):
        read_table(path)


def test_csv_row_with_the_wrong_number_of_fields(tmp_path: Path):
    path = tmp_path / "pairs.csv"
    path.write_text('q,a,y\nx,"multi\nline",1\nx,y\n', encoding="utf-8")
    with pytest.raises(
        ConfigurationError,
        match=re.escape(f"{path}: row 2 (line 4) has 2 fields, expected 3 (['q', 'a', 'y'])"),
    ):
        read_table(path)


def test_tsv_row_with_too_many_fields(tmp_path: Path):
    path = tmp_path / "pairs.tsv"
    path.write_text("q\ta\ty\nx\ty\t1\t2\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=re.escape(f"{path}: row 1 (line 2) has 4 fields, expected 3")):
        read_table(path)


def test_header_less_jsonl_row_with_the_wrong_number_of_fields(tmp_path: Path):
    path = tmp_path / "pairs.jsonl"
    path.write_text('["a", "b", 1]\n["a", "b"]\n', encoding="utf-8")
    with pytest.raises(ConfigurationError, match=re.escape(f"{path}: row 2 (line 2) has 2 fields, expected 3")):
        read_table(path, header=False, column_names=NAMES)


def test_broken_json_line(tmp_path: Path):
    path = tmp_path / "pairs.jsonl"
    path.write_text('{"q": "a"}\n{"q": \n', encoding="utf-8")
    with pytest.raises(ConfigurationError, match=re.escape(f"{path}: row 2 (line 2) is not valid JSON")):
        read_table(path)


def test_non_utf8_file(tmp_path: Path):
    path = tmp_path / "pairs.csv"
    path.write_bytes("q,a,y\nx,y,1\ncaf\xe9,y,1\n".encode("latin-1"))
    with pytest.raises(
        ConfigurationError, match=re.escape(f"{path}: line 3 is not valid UTF-8 (byte 0xe9 at offset 15)")
    ):
        read_table(path)


def test_header_less_file_needs_column_names(tmp_path: Path):
    path = write_csv(tmp_path / "pairs.csv", header=False)
    with pytest.raises(ConfigurationError, match=re.escape("data.header is false, so data.column_names must list")):
        read_table(path, header=False)


def test_parquet_column_names_must_match_the_column_count(tmp_path: Path):
    path = write_parquet(tmp_path / "pairs.parquet", header=True)
    with pytest.raises(ConfigurationError, match=re.escape("has 3 columns ['q', 'a', 'y'], but data.column_names")):
        read_table(path, header=False, column_names=["q", "a"])


def test_repeated_header_name(tmp_path: Path):
    path = tmp_path / "pairs.csv"
    path.write_text("q,q,y\nx,z,1\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=re.escape(f"{path}: the header repeats the column name(s) ['q']")):
        read_table(path)
