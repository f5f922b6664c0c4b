"""The LaTeX table compiles with pdflatex and fits one column of a two-column ACL page (no Overfull hbox).

Needs ``pdflatex`` with booktabs (Debian: ``texlive-latex-base`` and ``texlive-latex-recommended``, which
``.ci/run`` installs); skipped, saying so, where they are missing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from experiments.reporting.comparison import compare_groups
from experiments.reporting.paper_table import to_latex

# ACL's page: text 6.3 in wide in two columns 0.2 in apart, so a column is 3.05 in (220.4 pt).
ACL_PAGE = r"""\documentclass[10pt,twocolumn]{article}
\usepackage[T1]{fontenc}
\usepackage{booktabs}
\usepackage{graphicx}
\setlength{\textwidth}{6.3in}
\setlength{\columnsep}{0.2in}
\setlength{\oddsidemargin}{0in}
\let\originalresizebox\resizebox
\renewcommand{\resizebox}[3]{\typeout{TABLE-SCALED}\originalresizebox{#1}{#2}{#3}}
\begin{document}
\typeout{COLUMN-WIDTH=\the\columnwidth}
\input{table}
Text after the table.
\end{document}
"""


def tex_available() -> bool:
    if shutil.which("pdflatex") is None:
        return False
    found = subprocess.run(["kpsewhich", "booktabs.sty"], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


pytestmark = pytest.mark.skipif(
    not tex_available(), reason="pdflatex with booktabs is not installed (apt-get install texlive-latex-recommended)"
)


def grid(losses: list[str], metrics: list[str]) -> pd.DataFrame:
    """Three seeds of every loss, every metric; the best loss ahead by 0.1."""
    rows = []
    for index, loss in enumerate(losses):
        for seed in (1, 2, 3):
            values = {metric: 0.3 + 0.1 * (index == 0) + 0.01 * seed + 0.001 * index for metric in metrics}
            rows.append({"run_id": f"{loss}{seed}", "status": "FINISHED", "seed": str(seed), "loss": loss,
                         "sampling": "none", "one_class": None, **values})  # fmt: skip
    return pd.DataFrame(rows)


def compile_table(latex: str, folder: Path) -> str:
    """pdflatex's log of the ACL page holding ``latex``."""
    (folder / "table.tex").write_text(latex, encoding="utf-8")
    (folder / "page.tex").write_text(ACL_PAGE, encoding="utf-8")
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "page.tex"],
        cwd=folder, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    log = (folder / "page.log").read_text(encoding="latin-1")
    assert done.returncode == 0, log[-3000:]
    assert re.search(r"COLUMN-WIDTH=220\.\d+pt", log)
    return log


def test_a_table_of_six_losses_and_two_metrics_fits_a_column_unscaled(tmp_path: Path):
    losses = ["focal", "plain", "inverse_frequency", "effective_number", "logit_adjusted", "ghm"]
    comparison = compare_groups(grid(losses, ["test_f1", "test_mcc"]), ["test_f1", "test_mcc"], ["loss"],
                                baseline="plain")  # fmt: skip
    log = compile_table(to_latex(comparison), tmp_path)
    assert "Overfull \\hbox" not in log and "TABLE-SCALED" not in log


def test_a_wider_table_is_scaled_to_the_column_and_never_overflows(tmp_path: Path):
    metrics = ["test_f1", "test_mcc", "test_average_precision", "test_map", "test_mrr"]
    frame = grid(["focal", "plain", "ghm"], metrics).assign(sampling=["none"] * 3 + ["rotating"] * 3 + ["none"] * 3)
    comparison = compare_groups(frame, metrics, ["loss", "sampling"], baseline="plain")
    log = compile_table(to_latex(comparison), tmp_path)
    assert "Overfull \\hbox" not in log and "TABLE-SCALED" in log


def test_a_page_wide_table_is_a_table_star(tmp_path: Path):
    metrics = ["test_f1", "test_mcc", "test_average_precision"]
    comparison = compare_groups(grid(["focal", "plain"], metrics), metrics, ["loss"], baseline="plain")
    latex = to_latex(comparison, width="page")
    assert latex.count(r"\begin{table*}[t]") == 1 and latex.count(r"\end{table*}") == 1
    log = compile_table(latex, tmp_path)
    assert "Overfull \\hbox" not in log and "TABLE-SCALED" not in log
