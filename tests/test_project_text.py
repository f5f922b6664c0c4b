"""The project speaks of itself only: no internal file references and no words about the machines it was made on.

Sources are cited as papers and public pages instead (e.g. rotating undersampling cites Liu, Wu & Zhou 2009).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The text people read: code and configs, the docs, the README, the benchmark write-ups (not the data files).
SCANNED_SUFFIXES = {".py", ".md", ".yaml", ".yml", ".txt", ".toml"}
SCANNED = ("src", "conf", "docs", "README.md", "benchmarks/*.md")
INTERNAL = {
    r"\bseeds/": "a reference to an internal seed file",
    r"\b(?:lent|lend|lends|lending)\b": "words about machines being lent",
    r"(?<!no-)\bsandbox(?:es|ed)?\b": "words about a sandbox (Chromium's --no-sandbox flag aside)",
    r"\b(?:this|that|each|every|another|earlier|previous|later|helper|working) sessions?\b": (
        "words about the sessions the project was made in (an SSH session is fine)"
    ),
    r"can_start_another|budget_left|device time": "the device-lending status",
    r"/work/notes|HELPERS\.md": "an internal notes file",
}


def scanned_files() -> list[Path]:
    files: list[Path] = []
    for entry in SCANNED:
        for path in sorted(ROOT.glob(entry)):
            candidates = sorted(path.rglob("*")) if path.is_dir() else [path]
            files += [file for file in candidates if file.is_file() and file.suffix in SCANNED_SUFFIXES]
    return files


def internal_references(text: str) -> list[str]:
    """``line N: why: the line`` for every line of ``text`` that matches one of :data:`INTERNAL`."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for pattern, why in INTERNAL.items():
            if re.search(pattern, line, flags=re.IGNORECASE):
                found.append(f"line {number}: {why}: {line.strip()}")
    return found


def test_the_scan_covers_the_code_the_configs_the_docs_and_the_readme():
    names = {path.relative_to(ROOT).as_posix() for path in scanned_files()}
    assert {"README.md", "docs/README.md", "benchmarks/RESULTS.md", "conf/train.yaml"} <= names
    assert "src/experiments/sampling/rotating.py" in names
    assert not any(name.endswith(".tsv") for name in names)  # WikiQA's own sentences are data, not our words


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('The "different subset at each iteration" of ``seeds/002``.', 1),
        ("not measured: no GPU was lent to this task", 1),
        ("the sandbox had no network", 1),
        ("measured in this session", 1),
        ("an earlier session found it", 1),
        ("SIGHUP: the terminal closed or the SSH session dropped", 0),
        ('"--headless", "--no-sandbox", "--disable-gpu",', 0),
        ("process = subprocess.Popen(command, start_new_session=True)", 0),
        ("Liu, Wu and Zhou, Exploratory Undersampling for Class-Imbalance Learning, 2009", 0),
    ],
)
def test_the_patterns_catch_internal_wording_and_spare_ordinary_words(line: str, expected: int):
    assert len(internal_references(line)) == expected


def test_no_internal_references_in_the_project_text():
    found = [
        f"{path.relative_to(ROOT)} {hit}"
        for path in scanned_files()
        for hit in internal_references(path.read_text(encoding="utf-8"))
    ]
    assert not found, "internal references (cite papers and public sources instead):\n" + "\n".join(found)
