"""Grouped sources: normalisation, files, WikiQA by question, and the exact message of every bad shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from datasets import Dataset

from experiments.data import load_grouped, load_wikiqa_grouped
from experiments.data.grouped import flatten_groups, group_pairs, grouped_splits
from experiments.errors import ConfigurationError


def splits_of(rows: dict) -> dict[str, Dataset]:
    dataset = Dataset.from_dict(rows)
    return {"train": dataset, "dev": dataset, "test": dataset}


def test_a_single_positive_string_becomes_a_list():
    data = grouped_splits(splits_of({"anchor": ["q"], "positive": ["p"], "negative": [["n1", "n2"]]}), name="toy")
    assert data.train.to_list() == [{"anchor": "q", "positive": ["p"], "negative": ["n1", "n2"], "group": "train-0"}]
    assert data.label_names == ["0", "1"] and data.rows_read == {"train": 1, "dev": 1, "test": 1}


def test_flatten_and_group_are_inverse():
    rows = {"anchor": ["a", "b"], "positive": [["p"], []], "negative": [["n"], ["m", "o"]], "group": ["g1", "g2"]}
    grouped = Dataset.from_dict(rows)
    assert group_pairs(flatten_groups(grouped)).to_list() == grouped.to_list()


def write_jsonl(path: Path, rows: list[dict]) -> str:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return str(path)


def test_jsonl_and_parquet_files_with_own_column_names(tmp_path: Path):
    rows = [
        {"q": "q1", "good": ["a"], "bad": ["b", "c"], "id": "x1"},
        {"q": "q2", "good": [], "bad": ["d"], "id": "x2"},
    ]
    jsonl = write_jsonl(tmp_path / "train.jsonl", rows)
    Dataset.from_list(rows).to_parquet(str(tmp_path / "test.parquet"))
    data = load_grouped(
        jsonl,
        jsonl,
        str(tmp_path / "test.parquet"),
        anchor_column="q",
        positive_column="good",
        negative_column="bad",
        group_column="id",
        max_train_groups=1,
        seed=0,
    )
    assert len(data.train) == 1 and data.test["group"] == ["x1", "x2"]
    assert data.test["negative"] == [["b", "c"], ["d"]]


def test_wikiqa_grouped_keeps_every_candidate():
    data = load_wikiqa_grouped()
    assert {split: len(d) for split, d in data.splits().items()} == {"train": 2118, "dev": 296, "test": 633}
    for split, dataset in data.splits().items():
        assert (
            sum(len(p) + len(n) for p, n in zip(dataset["positive"], dataset["negative"], strict=True))
            == (data.rows_read[split])
        )
    assert sum(1 for positives in data.train["positive"] if not positives) == 1245
    ranked = load_wikiqa_grouped(max_train_groups=50, ranked_eval_only=True, seed=1)
    assert (len(ranked.train), len(ranked.dev), len(ranked.test)) == (50, 122, 237)
    small = load_wikiqa_grouped(max_train_rows=100, seed=1)
    assert sum(len(p) + len(n) for p, n in zip(small.train["positive"], small.train["negative"], strict=True)) <= 100


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            {"anchor": ["q"], "positive": [["p"]]},
            r"toy: the train split lacks column\(s\) \['negative'\]; it has \['anchor', 'positive'\]",
        ),
        (
            {"anchor": ["q", " "], "positive": [["p"], ["p"]], "negative": [["n"], ["n"]]},
            r"toy: train row 1, column 'anchor': expected a non-empty string, got ' '",
        ),
        (
            {"anchor": ["q"], "positive": [["p"]], "negative": [[1, 2]]},
            r"toy: train row 0, column 'negative': item 0 is not a string: 1 \(int\)",
        ),
        (
            {"anchor": ["q"], "positive": [["p"]], "negative": ["n"]},
            r"toy: train row 0, column 'negative': expected a list of strings, got str",
        ),
        (
            {"anchor": ["q"], "positive": [["p"]], "negative": [["n", ""]]},
            r"toy: train row 0, column 'negative': item 1 is an empty string",
        ),
        (
            {"anchor": ["q", "r"], "positive": [["p"], []], "negative": [["n"], []]},
            r"toy: train row 1: both 'positive' and 'negative' are empty; an anchor needs a candidate",
        ),
    ],
)
def test_bad_shapes_name_the_row(rows: dict, message: str):
    with pytest.raises(ConfigurationError, match=message):
        grouped_splits(splits_of(rows), name="toy")


def test_a_bad_row_in_a_file_names_the_file(tmp_path: Path):
    good = write_jsonl(tmp_path / "good.jsonl", [{"anchor": "q", "positive": "p", "negative": ["n"]}])
    bad = write_jsonl(
        tmp_path / "dev.jsonl",
        [{"anchor": "q", "positive": "p", "negative": ["n"]}, {"anchor": "", "positive": "p", "negative": ["n"]}],
    )
    with pytest.raises(ConfigurationError, match=rf"{tmp_path}/dev.jsonl: dev row 1, column 'anchor'"):
        load_grouped(good, bad, good)
    with pytest.raises(ConfigurationError, match=r"data.test: file not found: .*missing.jsonl"):
        load_grouped(good, good, str(tmp_path / "missing.jsonl"))
