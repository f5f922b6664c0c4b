"""The comparison as a table for a paper: readable names, Markdown and booktabs LaTeX with a caption.

Every metric is a column of ``mean ± std``; its best value is bold only where it is significantly better than
every other row; ``†`` marks a row that differs significantly from the baseline; numbers are right-aligned on
the decimal point (same digits everywhere, a phantom minus where a column has negative values).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from experiments.reporting.compare import Comparison

DIGITS = 4
DAGGER, ONE_CLASS_MARK, NONE = "†", "°", "–"
METRIC_NAMES = {
    "accuracy": "accuracy",
    "average_precision": "AP",
    "balanced_accuracy": "balanced accuracy",
    "f1": "F1",
    "f1_macro": "macro F1",
    "f1_weighted": "weighted F1",
    "fbeta": "F-beta",
    "loss": "loss",
    "map": "MAP",
    "mcc": "MCC",
    "mrr": "MRR",
    "precision": "precision",
    "recall": "recall",
    "roc_auc": "ROC AUC",
}
SPLITS = (("best_dev_", "dev, best epoch"), ("test_", "test"), ("dev_", "dev"), ("train_", "train"))
TEST_NAMES = {
    "ttest": "paired t-test",
    "wilcoxon": "Wilcoxon signed-rank test",
    "bootstrap": "paired bootstrap test (10,000 resamples)",
}
LATEX_SYMBOLS = {"±": r"$\pm$", "†": r"\dag{}", "°": r"$^\circ$", "≥": r"$\geq$", "<": "$<$", "%": r"\%", "–": "--"}


def readable_metric(name: str) -> str:
    """``test_f1`` (or ``test/f1``) → "F1 (test)"; ``best_dev_mcc`` → "MCC (dev, best epoch)"; unknown names kept."""
    key = name.replace("/", "_")
    for prefix, split in SPLITS:
        if key.startswith(prefix):
            return f"{_readable_base(key.removeprefix(prefix))} ({split})"
    return _readable_base(key)


def _readable_base(base: str) -> str:
    if base in METRIC_NAMES:
        return METRIC_NAMES[base]
    if match := re.fullmatch(r"ndcg_at_(\d+)", base):
        return f"nDCG@{match.group(1)}"
    if base.endswith("_threshold"):
        return f"{_readable_base(base.removesuffix('_threshold'))} threshold"
    return base.replace("_", " ")


def readable_key(key: str) -> str:
    """A grouping key as a column header: ``loss`` → "Loss", ``trainer.batch_size`` → "Trainer.batch size"."""
    text = key.replace("_", " ")
    return text[:1].upper() + text[1:]


def readable_value(value: object) -> str:
    """A config choice as a cell: ``inverse_frequency`` → "inverse frequency"; paths and other values as they are."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NONE
    text = str(value)
    return text.replace("_", " ") if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", text) else text


def format_p(p: float) -> str:
    if pd.isna(p):
        return NONE
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _columns(comparison: Comparison) -> list[tuple[str, str]]:
    """(header, kind) of every shown column; kind is ``key:<name>``, ``mean:<metric>``, ``p:<metric>`` or a count."""
    columns = [(readable_key(key), f"key:{key}") for key in comparison.keys] or [("Group", "key:group")]
    for metric in comparison.metrics:
        columns += [(readable_metric(metric), f"mean:{metric}"), ("p", f"p:{metric}")]
    return [*columns, ("n", "count:n"), ("failed", "count:failed"), ("one-class", "count:one_class")]


def _label_suffix(row: pd.Series) -> str:
    return (" (baseline)" if row["baseline"] else "") + (f" {ONE_CLASS_MARK}" if row["one_class"] else "")


def caption(comparison: Comparison) -> str:
    """What the table shows: metrics, n, the test, the baseline, the markers (plain text with Unicode symbols)."""
    table, alpha = comparison.table, comparison.alpha
    counts = sorted(set(table.loc[table["n"] > 0, "n"]))
    runs = f"n = {counts[0]} runs per row" if len(counts) == 1 else "n: finished runs per row"
    direction = "higher" if comparison.higher_is_better else "lower"
    parts = [
        f"{', '.join(map(readable_metric, comparison.metrics))}: mean ± std over seeds ({runs}; {direction} is "
        "better; sorted by the first).",
        f"p: two-sided {TEST_NAMES[comparison.test]} against the baseline "
        f"{readable_value(comparison.baseline)}, runs paired by seed; {DAGGER} p < {alpha:g}.",
    ]
    if any(table[f"{metric}_bold"].any() for metric in comparison.metrics):
        parts.append(f"Bold: the best of a column, significantly better than every other row (p < {alpha:g}).")
    else:
        parts.append(f"No best value is bold: none is significantly better than every other row (p < {alpha:g}).")
    if table["one_class"].any():
        parts.append(
            f"{ONE_CLASS_MARK} one-class: runs whose test predictions are (≥ 95%) all one class, "
            "e.g. every pair positive."
        )
    if comparison.skipped:
        parts.append(f"Logged by no run, left out: {', '.join(comparison.skipped)}.")
    return " ".join(parts)


def _mean_std(mean: float, std: float, latex: bool, phantom_minus: bool) -> str:
    if pd.isna(mean):
        return "--" if latex else NONE
    sign = r"\phantom{-}" if latex and phantom_minus and mean >= 0 else ""
    if not latex:
        return f"{mean:.{DIGITS}f} ± " + (NONE if pd.isna(std) else f"{std:.{DIGITS}f}")
    if pd.isna(std):
        return f"{sign}{mean:.{DIGITS}f}\\phantom{{{{}} \\pm {0:.{DIGITS}f}}}"
    return f"{sign}{mean:.{DIGITS}f} \\pm {std:.{DIGITS}f}"


def _cells(comparison: Comparison, latex: bool) -> list[list[str]]:
    """The body of the table, row by row, in the order of :func:`_columns`."""
    table, alpha = comparison.table, comparison.alpha
    escape = latex_escape if latex else (lambda text: text.replace("|", r"\|"))
    rows = []
    for _, row in table.iterrows():
        cells = []
        for _, kind in _columns(comparison):
            part, name = kind.split(":", 1)
            if part == "key":
                cells.append(escape(readable_value(row[name if name in row else "group"])))
            elif part == "count":
                cells.append(str(int(row[name])))
            elif part == "p":
                cells.append(escape(format_p(row[f"{name}_p"])))
            else:
                negative = bool((table[f"{name}_mean"] < 0).any())
                text = _mean_std(row[f"{name}_mean"], row[f"{name}_std"], latex, negative)
                bold = bool(row[f"{name}_bold"])
                marked = bool(row[f"{name}_p"] < alpha)
                if latex:
                    text = f"$\\mathbf{{{text}}}$" if bold else f"${text}$" if text != "--" else text
                    text += r"\rlap{\textsuperscript{\dag}}" if marked else ""
                else:
                    text = (f"**{text}**" if bold else text) + (DAGGER if marked else "")
                cells.append(text)
        key_count = max(len(comparison.keys), 1)
        cells[key_count - 1] += latex_escape(_label_suffix(row)) if latex else _label_suffix(row)
        rows.append(cells)
    return rows


def to_markdown(comparison: Comparison) -> str:
    """A GitHub Markdown table (numbers right-aligned) followed by its caption."""
    columns = _columns(comparison)
    lines = [
        "| " + " | ".join(header for header, _ in columns) + " |",
        "|" + "|".join("---" if kind.startswith("key:") else "---:" for _, kind in columns) + "|",
    ]
    lines += ["| " + " | ".join(cells) + " |" for cells in _cells(comparison, latex=False)]
    return "\n".join(lines) + "\n\n" + caption(comparison) + "\n"


def latex_escape(text: str) -> str:
    """LaTeX text for ``text``: special characters escaped, the table's Unicode symbols as macros."""
    text = re.sub(r"([\\&$#_{}^~])", lambda m: {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"}.get(
        m.group(1), "\\" + m.group(1)), str(text))  # fmt: skip
    for symbol, macro in LATEX_SYMBOLS.items():
        text = text.replace(symbol, macro)
    return text


def to_latex(comparison: Comparison) -> str:
    """A booktabs ``table`` (needs ``\\usepackage{booktabs}``): caption on top, label ``tab:comparison``."""
    columns = _columns(comparison)
    spec = "".join("l" if kind.startswith("key:") else "r" for _, kind in columns)
    header = " & ".join(latex_escape(name) if name != "p" else "$p$" for name, _ in columns)
    body = [" & ".join(cells) + r" \\" for cells in _cells(comparison, latex=True)]
    return "\n".join([
        r"% needs \usepackage{booktabs}",
        r"\begin{table}[t]",
        r"\centering",
        rf"\caption{{{latex_escape(caption(comparison))}}}",
        r"\label{tab:comparison}",
        rf"\begin{{tabular}}{{{spec}}}",
        r"\toprule",
        header + r" \\",
        r"\midrule",
        *body,
        r"\bottomrule",
        r"\end{tabular}",
        r"\end{table}",
    ]) + "\n"  # fmt: skip
