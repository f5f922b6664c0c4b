"""Every relative link and ``#anchor`` in the Markdown documentation resolves: to a file of the checkout, and to
a heading of the file it names, with the anchor GitHub gives that heading."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = sorted({ROOT / "README.md", *ROOT.glob("docs/**/*.md"), *ROOT.glob("benchmarks/**/*.md")})
FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
# [text](target) and ![alt](target); the target ends at a space (a title may follow) or the closing parenthesis
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_ID = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"")


def prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: its rendered text lower-cased, punctuation dropped, spaces as hyphens."""
    text = CODE_SPAN.sub(lambda match: match.group(2), heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link is its text
    text = re.sub(r"<[^>]+>", "", text).replace("*", "")
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors of a Markdown file: one per heading (repeats get ``-1``, ``-2``, ...), and HTML ids."""
    seen: Counter[str] = Counter()
    found = set()
    for line in prose_lines(path.read_text(encoding="utf-8")):
        if match := HEADING.match(line):
            anchor = github_anchor(match.group(2))
            found.add(anchor if not seen[anchor] else f"{anchor}-{seen[anchor]}")
            seen[anchor] += 1
        found.update(HTML_ID.findall(line))
    return found


def links(path: Path) -> list[str]:
    """The link targets in a Markdown file's prose (not in code blocks or code spans)."""
    targets = []
    for line in prose_lines(path.read_text(encoding="utf-8")):
        targets += LINK.findall(CODE_SPAN.sub("", line))
    return targets


def broken_links(path: Path) -> list[str]:
    broken = []
    for target in links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:, ...: not checked here
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{target}: no file {linked.relative_to(ROOT) if linked.is_relative_to(ROOT) else linked}")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no heading with that anchor in {linked.relative_to(ROOT)}")
    return broken


def test_the_github_anchor_rules():
    assert github_anchor("The robustness toolbox on WikiQA (measured, one seed)") == (
        "the-robustness-toolbox-on-wikiqa-measured-one-seed"
    )
    assert github_anchor("The WikiQA recipe search and `experiment=wikiqa_best` (measured)") == (
        "the-wikiqa-recipe-search-and-experimentwikiqa_best-measured"
    )
    assert github_anchor("Reproduce a run: `experiments-reproduce`") == "reproduce-a-run-experiments-reproduce"
    assert github_anchor("See [the guide](docs/x.md) — **now**") == "see-the-guide--now"


def test_links_and_anchors_are_found(tmp_path: Path):
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n## Same\n## Same\n[a](#same-1) ![b](img.png) `[c](nowhere.md)`\n```\n[d](nowhere.md)\n# Not\n```\n"
        '[e](page.md#title "a title") [f](https://example.com/x#y)\n',
        encoding="utf-8",
    )
    assert anchors(page) == {"title", "same", "same-1"}
    assert links(page) == ["#same-1", "img.png", "page.md#title", "https://example.com/x#y"]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(document: Path):
    assert broken_links(document) == []
