"""Reading CSV / TSV / JSON lines / Parquet files, with and without header, and naming every bad row."""

from __future__ import annotations

import csv
import json
import logging
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from experiments.data import progress
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


# Reliability II: folders, compressed files, format hints, quotes.


def test_a_folder_given_as_a_data_file_is_named(tmp_path: Path):
    with pytest.raises(ConfigurationError, match=re.escape(f"{tmp_path}: is a folder, not a data file; name a file")):
        read_table(tmp_path)


def _compressed(path: Path, data: bytes, codec: str) -> Path:
    import bz2
    import gzip
    import lzma

    compress = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}[codec]
    target = path.with_name(f"{path.name}.{codec}")
    target.write_bytes(compress(data))
    return target


@pytest.mark.parametrize("codec", ["gz", "bz2", "xz"])
@pytest.mark.parametrize("kind", ["csv", "tsv", "jsonl", "parquet"])
def test_compressed_files_are_read_like_plain_ones(tmp_path: Path, kind: str, codec: str):
    plain = WRITERS[kind](tmp_path / f"pairs.{kind}", True)
    path = _compressed(plain, plain.read_bytes(), codec)
    plain.unlink()
    assert read_table(path).columns == EXPECTED


def test_a_damaged_or_mislabelled_compressed_file_is_named(tmp_path: Path):
    plain = write_csv(tmp_path / "pairs.csv", header=True)
    damaged = tmp_path / "damaged.csv.gz"
    damaged.write_bytes(_compressed(plain, plain.read_bytes(), "gz").read_bytes()[:20])
    with pytest.raises(ConfigurationError, match=re.escape(f"{damaged}: cannot be decompressed as gzip")):
        read_table(damaged)
    fake = tmp_path / "fake.csv.gz"
    fake.write_bytes(plain.read_bytes())
    with pytest.raises(ConfigurationError, match=re.escape(f"{fake}: the extension '.gz' names a compressed file")):
        read_table(fake)


@pytest.mark.parametrize(
    ("first_line", "hint"),
    [
        ("q\ta\ty\n", "(the first line holds tabs: data.format=tsv is the likely one)"),
        ("q,a,y\n", "(the first line holds commas: data.format=csv is the likely one)"),
        ('{"q": "x"}\n', "(the first line looks like JSON: data.format=jsonl is the likely one)"),
    ],
)
def test_an_extension_without_a_format_suggests_one(tmp_path: Path, first_line: str, hint: str):
    path = tmp_path / "pairs.txt"
    path.write_text(first_line, encoding="utf-8")
    formats = "['csv', 'jsonl', 'parquet', 'tsv']"
    with pytest.raises(
        ConfigurationError, match=re.escape(f"from the extension '.txt'; set data.format to one of {formats} {hint}")
    ):
        read_table(path)


def test_csv_format_on_a_tab_separated_file_suggests_tsv(tmp_path: Path):
    path = tmp_path / "pairs.txt"
    path.write_text("label\tsentence1\tsentence2\n1\tA, b.\tc\n", encoding="utf-8")
    with pytest.raises(
        ConfigurationError,
        match=re.escape(
            f"{path}: row 1 (line 2) has 2 fields, expected 1 (['label\\tsentence1\\tsentence2']); "
            "the header holds tabs: the file looks tab-separated, set data.format=tsv"
        ),
    ):
        read_table(path, format="csv")
    path.write_text("label\tsentence1\tsentence2\n1\tA b.\tc\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=re.escape("the header holds tabs: the file looks tab-separated")):
        read_table(path, format="csv").column("label", "label")


def test_a_file_without_a_header_row_says_the_first_row_looks_like_data(tmp_path: Path):
    path = tmp_path / "pairs.tsv"
    path.write_text("1\t702876\tA man.\tA person.\n0\t702877\tA dog.\tA cat.\n", encoding="utf-8")
    with pytest.raises(
        ConfigurationError,
        match=re.escape(
            f"{path}: missing column 'label' (data.label); the columns are ['1', '702876', 'A man.', 'A person.']; "
            "the first row looks like data, not a header: for a file without a header row set data.header=false "
            "data.column_names=[...]"
        ),
    ):
        read_table(path).column("label", "label")
    named = read_table(path, header=False, column_names=["label", "id", "a", "b"])
    assert named.columns["label"] == ["1", "0"]


def test_a_quoted_field_spanning_lines_is_logged_with_its_row_and_lines(tmp_path: Path, caplog):
    lines = ["q,a,y"] + [f"q{i},a{i},{i % 2}" for i in range(200)]
    lines[5] = 'q4,"starts with a quote it never closes,0'
    lines[9] = 'q8,ends with a quote",0'
    path = tmp_path / "pairs.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with caplog.at_level("WARNING", logger="experiments.data.tables"):
        table = read_table(path)
    assert len(table) == 196 and table.lines is not None and table.lines[5] == 11
    assert (
        f"{path}: 1 row(s) hold a quoted field spanning several lines, read as one text each: row 5 (lines 6-10); "
        "if a text opens a quote it never closes, the lines up to the next quote were read into it"
    ) in caplog.messages


def _pandas_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "q": ['Amrozi said "the witness" lied', "plain text", 'a "quoted" word'],
            "a": ["x", '"all in quotes"', "tab\tinside"],
            "y": [1, 0, 1],
        }
    )


def test_a_tsv_written_by_pandas_is_read_with_its_quoting(tmp_path: Path, caplog):
    path = tmp_path / "pairs.tsv"
    _pandas_frame().to_csv(path, sep="\t")
    with caplog.at_level("INFO", logger="experiments.data.quoting"):
        table = read_table(path)
    assert table.columns["q"] == list(_pandas_frame()["q"]) and table.columns["a"] == list(_pandas_frame()["a"])
    assert (
        f"{path}: detected (data.quoting=auto), fields in double quotes are unquoted and doubled inner quotes read "
        "as one; data.quoting=none reads it the other way"
    ) in caplog.messages
    with pytest.raises(ConfigurationError, match=re.escape("set data.quoting=quoted")):
        read_table(path, quoting="none")  # the tab inside a quoted field splits the row


def test_a_pandas_tsv_with_only_quotes_inside_is_detected_and_none_keeps_them(tmp_path: Path):
    path = tmp_path / "pairs.tsv"
    _pandas_frame().drop(index=2).to_csv(path, sep="\t", index=False)
    assert read_table(path).columns["q"] == ['Amrozi said "the witness" lied', "plain text"]
    assert read_table(path, quoting="none").columns["q"] == ['"Amrozi said ""the witness"" lied"', "plain text"]


def _wikiqa_rows_without_quotes(rows: int) -> pd.DataFrame:
    """The first WikiQA dev rows whose texts hold no quote, as question / answer / label."""
    from experiments.data.wikiqa import embedded_wikiqa_dir

    frame = pd.read_csv(embedded_wikiqa_dir() / "WikiQA-dev.tsv", sep="\t", quoting=csv.QUOTE_NONE, dtype=str)
    frame = frame[["Question", "Sentence", "Label"]].set_axis(["q", "a", "y"], axis=1)
    return frame[~frame["q"].str.contains('"') & ~frame["a"].str.contains('"')].head(rows).reset_index(drop=True)


@pytest.mark.parametrize("quoting", [csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC])
@pytest.mark.parametrize("header", [True, False])
def test_a_tsv_with_every_field_in_quotes_is_read_as_quoted(tmp_path: Path, quoting: int, header: bool, caplog):
    frame = _wikiqa_rows_without_quotes(50).astype({"y": int})
    path = tmp_path / "pairs.tsv"
    frame.to_csv(path, sep="\t", quoting=quoting, index=False, header=header)
    with caplog.at_level("INFO", logger="experiments.data.quoting"):
        table = read_table(path, header=header, column_names=None if header else ["q", "a", "y"])
    assert list(table.columns) == ["q", "a", "y"]
    assert table.columns["q"] == list(frame["q"]) and table.columns["a"] == list(frame["a"])
    assert table.columns["y"] == [str(label) for label in frame["y"]] and set(table.columns["y"]) == {"0", "1"}
    assert f"{path}: detected (data.quoting=auto), fields in double quotes are unquoted" in caplog.text


def test_a_quoted_header_read_without_quoting_suggests_data_quoting_quoted(tmp_path: Path):
    path = tmp_path / "pairs.tsv"
    _wikiqa_rows_without_quotes(5).to_csv(path, sep="\t", quoting=csv.QUOTE_ALL, index=False)
    with pytest.raises(
        ConfigurationError,
        match=re.escape(
            f"""{path}: missing column 'y' (data.label); the columns are ['"q"', '"a"', '"y"']; """
            "the column names are in double quotes: the file encloses its fields in quotes, set data.quoting=quoted"
        ),
    ):
        read_table(path, quoting="none").column("y", "label")


def test_tsv_with_bare_quotes_keeps_them_as_text(tmp_path: Path, caplog):
    path = tmp_path / "pairs.tsv"
    path.write_text('q\ta\ty\n"Weird Al" Yankovic\tHe said "hi"\t1\n"Hello"\tx\t0\n', encoding="utf-8")
    with caplog.at_level("INFO", logger="experiments.data.quoting"):
        table = read_table(path)
    assert table.columns["q"] == ['"Weird Al" Yankovic', '"Hello"'] and table.columns["a"] == ['He said "hi"', "x"]
    assert (
        f"{path}: detected (data.quoting=auto), quotes are kept as text; data.quoting=quoted reads it the other way"
    ) in caplog.messages
    assert read_table(path, quoting="quoted", format="tsv").columns["q"][1] == "Hello"


def test_the_shipped_wikiqa_files_keep_their_quotes(caplog):
    from experiments.data.wikiqa import embedded_wikiqa_dir

    path = embedded_wikiqa_dir() / "WikiQA-dev.tsv"
    with caplog.at_level("INFO", logger="experiments.data.quoting"):
        table = read_table(path)
    assert len(table) == 2733
    assert sum('"' in text for text in table.columns["Sentence"]) > 0
    assert any("quotes are kept as text" in message for message in caplog.messages)


def test_an_unknown_quoting_is_refused(tmp_path: Path):
    path = write_csv(tmp_path / "pairs.csv", header=True)
    with pytest.raises(ConfigurationError, match=re.escape("data.quoting must be one of ['auto', 'quoted', 'none']")):
        read_table(path, quoting="double")


def test_every_line_ending_is_read_as_before_and_a_quoted_field_keeps_its_newline(tmp_path: Path):
    """Lines split as ``io.StringIO(newline="")`` splits them (``\\r\\n``, ``\\r``, ``\\n``), the last one optional."""
    for ending in ("\r\n", "\r", "\n"):
        path = tmp_path / "pairs.csv"
        body = ending.join(["q,a,y", 'one,"two', 'lines",1', "three,four,0"])
        path.write_text(body, encoding="utf-8", newline="")
        table = read_table(path)
        assert table.columns == {"q": ["one", "three"], "a": [f"two{ending}lines", "four"], "y": ["1", "0"]}
        assert table.lines == [2, 4]


def test_a_json_key_first_seen_in_a_later_row_is_none_in_the_rows_before(tmp_path: Path):
    path = tmp_path / "pairs.jsonl"
    path.write_text('{"q": "a", "y": 1}\n\n{"q": "b", "g": "x", "y": 0}\n{"y": 1, "q": "c"}\n', encoding="utf-8")
    table = read_table(path)
    assert table.columns == {"q": ["a", "b", "c"], "y": [1, 0, 1], "g": [None, "x", None]}
    assert table.lines == [1, 3, 4]


def test_a_long_read_logs_its_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog):
    monkeypatch.setattr(progress, "EVERY", 0.0)  # every step counts as long
    path = tmp_path / "pairs.csv"
    path.write_text("q,a,y\n" + "x,y,1\n" * 10_000, encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="experiments.data.tables"):
        read_table(path)
    lines = [record.getMessage() for record in caplog.records]
    assert f"{path}: reading, 4,096 rows so far (" in lines[0] and lines[0].endswith(" rows/s)")
    assert lines[-1].startswith(f"{path}: reading: 10,000 rows in 0 s (")
