"""The input checks components declare (:mod:`experiments.inputs`): cheap, before anything heavy is imported."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from experiments.data import load_files, load_grouped, load_hub, load_wikiqa, load_wikiqa_grouped
from experiments.data.tables import read_table
from experiments.errors import ConfigurationError
from experiments.inputs import check_inputs, checked_by
from experiments.models import load_cross_encoder, tiny_cross_encoder


def test_a_declared_check_gets_the_components_arguments():
    seen: list[dict[str, object]] = []

    @checked_by(lambda **arguments: seen.append(arguments))
    def component(path: str, size: int = 1) -> None: ...

    check_inputs(component, {"path": "x", "size": 2})
    check_inputs(tiny_cross_encoder, {"name": "tiny-bert"})  # declares none: nothing to check
    assert seen == [{"path": "x", "size": 2}]


def test_data_files(tmp_path: Path):
    (tmp_path / "train.csv").write_text("a,b,label\n")
    (tmp_path / "folder").mkdir()
    check_inputs(load_files, {"train": "train.csv", "root": str(tmp_path), "label": "y"})
    for arguments, message in [
        ({"train": "nope.csv", "root": str(tmp_path)}, f"data.train: file not found: {tmp_path}/nope.csv"),
        ({"train": "train.csv", "test": "folder", "root": str(tmp_path)},
         f"data.test: {tmp_path}/folder is a folder, not a data file; name a file inside it"),
        ({"train": "train.csv", "root": str(tmp_path / "train.csv")}, f"data.root: {tmp_path}/train.csv is a file, "
         "not a folder"),
        ({"train": "x.jsonl", "dev": "y.jsonl", "test": "z.jsonl"}, "data.train: file not found: x.jsonl"),
    ]:  # fmt: skip
        with pytest.raises(ConfigurationError) as error:
            check_inputs(load_grouped if "x.jsonl" in arguments.values() else load_files, arguments)
        assert str(error.value) == message


def _special_paths(folder: Path) -> dict[str, Path]:
    """A named pipe, a symbolic link to itself and a link to a missing file, beside a real WikiQA file."""
    from experiments.data.wikiqa import embedded_wikiqa_dir

    paths = {kind: folder / f"{kind}.tsv" for kind in ("pipe", "loop", "dangling", "real")}
    os.mkfifo(paths["pipe"])
    paths["loop"].symlink_to(paths["loop"])
    paths["dangling"].symlink_to(folder / "moved.tsv")
    paths["real"].symlink_to(embedded_wikiqa_dir() / "WikiQA-dev.tsv")
    return paths


SPECIAL_PROBLEMS = {
    "pipe": "is a named pipe (FIFO), not a regular file; write the data to a file and name that",
    "loop": "is a symbolic link loop (a link that leads back to itself); point it at the data file",
    "dangling": "is a symbolic link to {folder}/moved.tsv, which does not exist",
}


@pytest.mark.parametrize("kind", list(SPECIAL_PROBLEMS))
def test_a_pipe_or_a_broken_link_as_a_data_file_says_what_it_is(tmp_path: Path, kind: str):
    paths = _special_paths(tmp_path)
    problem = SPECIAL_PROBLEMS[kind].format(folder=tmp_path)
    with pytest.raises(ConfigurationError) as early:
        check_inputs(load_files, {"train": str(paths["real"]), "dev": str(paths[kind])})
    assert str(early.value) == f"data.dev: {paths[kind]} {problem}"
    with pytest.raises(ConfigurationError) as reading:
        read_table(paths[kind], format="tsv")
    assert str(reading.value) == f"{paths[kind]}: {problem}"
    assert len(read_table(paths["real"])) == 2733  # a link to a file reads as the file


def test_a_wikiqa_root_must_hold_the_three_files(tmp_path: Path):
    check_inputs(load_wikiqa, {"root": None})  # the shipped copy
    for split in ("train", "dev"):
        (tmp_path / f"WikiQA-{split}.tsv").write_text("x\n")
    for source in (load_wikiqa, load_wikiqa_grouped):
        with pytest.raises(ConfigurationError, match=rf"^data.root: file not found: {tmp_path}/WikiQA-test.tsv$"):
            check_inputs(source, {"root": str(tmp_path)})
    with pytest.raises(ConfigurationError, match=rf"^data.root: folder not found: {tmp_path}/none$"):
        check_inputs(load_wikiqa, {"root": str(tmp_path / "none")})


def test_a_local_hub_folder_must_exist_and_hub_names_are_left_to_datasets(tmp_path: Path):
    check_inputs(load_hub, {"path": "nyu-mll/glue"})
    with pytest.raises(ConfigurationError, match=rf"^data.path: folder not found: {tmp_path}/saved$"):
        check_inputs(load_hub, {"path": str(tmp_path / "saved")})


def test_a_model_name_must_be_a_folder_or_offline_a_cached_hub_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    check_inputs(load_cross_encoder, {"name": "sentence-transformers/all-MiniLM-L6-v2", "max_length": 128})  # shipped
    check_inputs(load_cross_encoder, {"name": str(tmp_path)})
    with pytest.raises(ConfigurationError, match=r"^model.name: the local model folder './no/model' does not exist$"):
        check_inputs(load_cross_encoder, {"name": "./no/model"})
    with pytest.raises(ConfigurationError, match=r"^model.name='owner/model' is not a local folder and not in the "):
        check_inputs(load_cross_encoder, {"name": "owner/model"})
    with pytest.raises(ConfigurationError, match=r"^model.name='a b' is neither a local folder nor a hub name "):
        check_inputs(load_cross_encoder, {"name": "a b"})
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    check_inputs(load_cross_encoder, {"name": "owner/model"})  # online: the hub may have it
