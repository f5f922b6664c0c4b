"""docs/README.md is the index of the docs: it links every page under docs/."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_the_index_links_every_doc():
    linked = set(re.findall(r"\]\(([\w.-]+\.md)(?:#[\w-]*)?\)", (DOCS / "README.md").read_text(encoding="utf-8")))
    pages = {path.name for path in DOCS.glob("*.md")} - {"README.md"}
    assert pages, "no docs found"
    assert sorted(pages - linked) == [], "pages missing from docs/README.md"
