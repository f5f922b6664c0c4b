"""The comparison as a table for a paper: readable names, Markdown and booktabs LaTeX, a caption that says it all.

Every metric is a column of ``mean ± std`` over seeds with its direction (↑ higher is better, ↓ lower), the
difference from the baseline with its 95 % confidence interval, and the p-value of the primary test,
Holm-adjusted over the table; ``†`` marks a row that differs from the baseline at the adjusted p < α, and a best
value is bold only where it is better than every other row. The caption names the test, what it resamples and how
many (n), the correction and the family size. :func:`tests_markdown` lists every test of the table, both tests
side by side. The LaTeX table fits one column of a two-column page (ACL, NeurIPS): compact cells (the
difference and its interval under the mean), only the columns that say something, and a table wider than the
column (many metrics) is scaled to it; ``width="page"`` makes it a ``table*`` across both columns.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from experiments.reporting.comparison import EXAMPLES, Comparison
from experiments.reporting.significance import SEED_TESTS

DIGITS, LATEX_DIGITS = 4, 3
DAGGER, ONE_CLASS_MARK, NONE = "†", "°", "–"
UP, DOWN = "↑", "↓"
METRIC_NAMES = {
    "accuracy": "accuracy",
    "average_precision": "AP",
    "balanced_accuracy": "balanced accuracy",
    "brier": "Brier",
    "ece": "ECE",
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
SEED_TEST_NAMES = dict(
    zip(SEED_TESTS, ("paired t-test", "Wilcoxon signed-rank test", "paired bootstrap over seeds"), strict=True)
)
LATEX_SYMBOLS = {
    "±": r"$\pm$", "†": r"\dag{}", "°": r"$^\circ$", "≥": r"$\geq$", "≤": r"$\leq$", "<": "$<$", "%": r"\%",
    "–": "--", "−": "-", "↑": r"$\uparrow$", "↓": r"$\downarrow$", "Δ": r"$\Delta$", "ε": r"$\varepsilon$",
}  # fmt: skip
WIDTHS = ("column", "page")


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
    if base.endswith("_uncalibrated"):
        return f"{_readable_base(base.removesuffix('_uncalibrated'))}, uncalibrated"
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


def readable_group(comparison: Comparison, group: str) -> str:
    """A group in words: "Loss plain, Sampling none" (the label ``loss=plain, sampling=none`` is for machines)."""
    row = comparison.table.loc[comparison.table["group"] == group]
    if row.empty or not comparison.keys:
        return readable_value(group)
    return ", ".join(f"{readable_key(key)} {readable_value(row[key].iloc[0])}" for key in comparison.keys)


def format_p(p: float) -> str:
    if pd.isna(p):
        return NONE
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _signed(value: float, digits: int) -> str:
    return NONE if pd.isna(value) else f"{value:+.{digits}f}".replace("-", "−")


def difference(row: pd.Series, metric: str, primary: str, digits: int = DIGITS) -> str:
    """``+0.0280 [−0.0100, +0.0660]``: the difference from the baseline and the primary test's 95 % interval."""
    if row["baseline"] or pd.isna(row[f"{metric}_delta"]):
        return NONE
    low, high = (f"{metric}_low", f"{metric}_high") if primary == EXAMPLES else (
        f"{metric}_seed_low", f"{metric}_seed_high")  # fmt: skip
    interval = "" if pd.isna(row[low]) else f" [{_signed(row[low], digits)}, {_signed(row[high], digits)}]"
    return _signed(row[f"{metric}_delta"], digits) + interval


def arrow(comparison: Comparison, metric: str) -> str:
    return UP if comparison.higher_is_better(metric) else DOWN


def _shown_counts(comparison: Comparison) -> list[str]:
    """``n`` always; ``failed`` and ``one_class`` only where some row has one (the caption says when none has)."""
    table = comparison.table
    return ["n", *(column for column in ("failed", "one_class") if table[column].any())]


def caption(comparison: Comparison) -> str:
    """What the table shows: metrics and their direction, n, the test, what it resamples, the correction, markers."""
    table, alpha = comparison.table, comparison.alpha
    counts = sorted(set(table.loc[table["n"] > 0, "n"]))
    runs = f"{counts[0]} runs per row" if len(counts) == 1 else "n: finished runs per row"
    metrics = ", ".join(f"{readable_metric(metric)} {arrow(comparison, metric)}" for metric in comparison.metrics)
    parts = [
        f"{metrics}: mean ± std over seeds ({runs}; {UP} higher is better, {DOWN} lower; sorted by the first).",
        f"Δ: difference of means from the baseline, {readable_group(comparison, comparison.baseline)}, with its "
        f"{comparison.confidence:.0%} confidence interval; p: two-sided {_test_words(comparison)}, "
        f"Holm-adjusted over the {_tests(comparison.family)} of the table; {DAGGER} p < {alpha:g}.",
    ]
    if any(table[f"{metric}_bold"].any() for metric in comparison.metrics):
        parts.append(f"Bold: the best of a column, better than every other row (Holm-adjusted p < {alpha:g}).")
    else:
        parts.append("No value is bold: no best value is better than every other row "
                     f"(Holm-adjusted p < {alpha:g}).")  # fmt: skip
    if table["one_class"].any():
        parts.append(
            f"{ONE_CLASS_MARK} one-class: runs whose test predictions are (≥ 95%) all one class, "
            "e.g. every pair positive."
        )
    quiet = [words for column, words in (("failed", "no run failed"), ("one_class", "no run predicts one class"))
             if not table[column].any()]  # fmt: skip
    if quiet:
        parts.append("; ".join(quiet).capitalize() + ".")
    if comparison.skipped:
        parts.append(f"Logged by no run, left out: {', '.join(comparison.skipped)}.")
    return " ".join(parts)


def _tests(count: int) -> str:
    return "1 test" if count == 1 else f"{count} tests"


def _test_words(comparison: Comparison) -> str:
    """The primary test in words, with what it resamples and how many."""
    if comparison.primary != EXAMPLES:
        return f"{SEED_TEST_NAMES[comparison.test]} against the baseline, runs paired by seed"
    sizes = {unit: count for count, unit in comparison.units.values()}
    if "pairs" in sizes:
        drawn = f"the {sizes['pairs']:,} test pairs"
        drawn += f" ({sizes['questions']:,} questions for the ranking metrics)" if "questions" in sizes else ""
    else:
        drawn = f"the {sizes['questions']:,} test questions" if "questions" in sizes else "the test examples"
    return f"paired bootstrap over {drawn}, each row's seeds pooled, {comparison.resamples:,} resamples"


def _mean_std(mean: float, std: float, digits: int) -> str:
    if pd.isna(mean):
        return NONE
    return f"{mean:.{digits}f} ± " + (NONE if pd.isna(std) else f"{std:.{digits}f}")


def _label(comparison: Comparison, row: pd.Series) -> list[str]:
    """The key cells of a row (``(baseline)`` and ``°`` on the last)."""
    cells = [readable_value(row[key]) for key in comparison.keys] or [readable_value(row["group"])]
    cells[-1] += (" (baseline)" if row["baseline"] else "") + (f" {ONE_CLASS_MARK}" if row["one_class"] else "")
    return cells


def to_markdown(comparison: Comparison) -> str:
    """A GitHub Markdown table (numbers right-aligned) followed by its caption."""
    headers = [readable_key(key) for key in comparison.keys] or ["Group"]
    for metric in comparison.metrics:
        headers += [f"{readable_metric(metric)} {arrow(comparison, metric)}", "Δ [95% CI]", "p"]
    counts = _shown_counts(comparison)
    headers += [column.replace("_", "-") for column in counts]
    lines = [
        "| " + " | ".join(headers) + " |",
        "|"
        + "|".join(["---"] * max(len(comparison.keys), 1) + ["---:"] * (len(headers) - max(len(comparison.keys), 1)))
        + "|",
    ]
    escape = lambda text: text.replace("|", r"\|")  # noqa: E731
    for _, row in comparison.table.iterrows():
        cells = [escape(cell) for cell in _label(comparison, row)]
        for metric in comparison.metrics:
            text = _mean_std(row[f"{metric}_mean"], row[f"{metric}_std"], DIGITS)
            text = (f"**{text}**" if row[f"{metric}_bold"] else text) + (
                DAGGER if row[f"{metric}_p"] < comparison.alpha else ""
            )
            cells += [text, difference(row, metric, comparison.primary), format_p(row[f"{metric}_p"])]
        cells += [str(int(row[column])) for column in counts]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n\n" + caption(comparison) + "\n"


def tests_markdown(comparison: Comparison) -> str:
    """Every test of the table, one line per row and metric: the difference, both tests with their intervals, the
    Holm-adjusted p of the primary test, and ε_min of almost stochastic order when it was asked for."""
    seed_test = SEED_TEST_NAMES[comparison.test]
    headers = ["Row", "Metric", "Δ", "95% CI, examples", "p, examples", "95% CI, seeds", f"p, seeds ({seed_test})",
               f"p, Holm ({comparison.primary})"]  # fmt: skip
    if comparison.with_aso:
        headers.append("ε_min (ASO)")
    lines = ["| " + " | ".join(headers) + " |", "|---|---|" + "---:|" * (len(headers) - 2)]
    for _, row in comparison.table.iterrows():
        if row["baseline"] or row["n"] == 0:
            continue
        for metric in comparison.metrics:
            cells = [
                readable_group(comparison, row["group"]), readable_metric(metric),
                _signed(row[f"{metric}_delta"], DIGITS), _interval(row, metric, "low", "high"),
                format_p(row[f"{metric}_p_examples"]), _interval(row, metric, "seed_low", "seed_high"),
                format_p(row[f"{metric}_p_seeds"]), format_p(row[f"{metric}_p"]),
            ]  # fmt: skip
            if comparison.with_aso:
                cells.append(NONE if pd.isna(row[f"{metric}_aso"]) else f"{row[f'{metric}_aso']:.3f}")
            lines.append("| " + " | ".join(cells) + " |")
    note = (
        f"Against the baseline {readable_group(comparison, comparison.baseline)}. Examples: paired bootstrap over "
        f"the test set ({comparison.resamples:,} resamples, each row's seeds pooled; questions for MAP, MRR, nDCG); "
        f"seeds: {seed_test}, runs paired by seed. Holm: over the {_tests(comparison.family)} of the table."
    )
    if comparison.with_aso:
        note += (" ε_min: almost stochastic order over seeds (Dror et al. 2019), the row against the baseline; "
                 "below 0.5 the row is better more often than not.")  # fmt: skip
    return "\n".join(lines) + "\n\n" + note + "\n"


def _interval(row: pd.Series, metric: str, low: str, high: str) -> str:
    if pd.isna(row[f"{metric}_{low}"]):
        return NONE
    return f"[{_signed(row[f'{metric}_{low}'], DIGITS)}, {_signed(row[f'{metric}_{high}'], DIGITS)}]"


def latex_escape(text: str) -> str:
    """LaTeX text for ``text``: special characters escaped, the table's Unicode symbols as macros."""
    text = re.sub(r"([\\&$#_{}^~])", lambda m: {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"}.get(
        m.group(1), "\\" + m.group(1)), str(text))  # fmt: skip
    for symbol, macro in LATEX_SYMBOLS.items():
        text = text.replace(symbol, macro)
    return text


def _latex_number(text: str) -> str:
    """A number cell's text in math mode (``−`` as a minus sign)."""
    return "$" + text.replace("−", "-").replace("±", r"\pm") + "$"


def _latex_cell(comparison: Comparison, row: pd.Series, metric: str) -> str:
    """``mean ± std`` (bold, †) with the confidence interval of its difference from the baseline under it."""
    mean = _mean_std(row[f"{metric}_mean"], row[f"{metric}_std"], LATEX_DIGITS)
    if mean == NONE:
        return "--"
    text = _latex_number(mean)
    if row[f"{metric}_bold"]:
        text = r"\boldmath" + text
    if row[f"{metric}_p"] < comparison.alpha:
        text += r"\rlap{\textsuperscript{\dag}}"
    below = difference(row, metric, comparison.primary, LATEX_DIGITS)
    _, _, interval = below.partition(" ")
    if not interval:
        return text
    return rf"\begin{{tabular}}[t]{{@{{}}r@{{}}}}{text}\\{{\scriptsize {_latex_number(interval)}}}\end{{tabular}}"


def to_latex(comparison: Comparison, width: str = "column") -> str:
    """A booktabs table (needs ``\\usepackage{booktabs}`` and ``graphicx``): caption on top, label
    ``tab:comparison``. ``width``: ``column`` (``table``, one column of a two-column page) or ``page`` (``table*``);
    a tabular wider than the line is scaled down to it (a comment in the output says so)."""
    if width not in WIDTHS:
        raise ValueError(f"width must be one of {WIDTHS}, got {width!r}")
    environment = "table" if width == "column" else "table*"
    keys = max(len(comparison.keys), 1)
    counts = _shown_counts(comparison)
    finished = comparison.table.loc[comparison.table["n"] > 0, "n"]
    if finished.nunique() == 1 and not comparison.table["failed"].any():
        counts.remove("n")  # the caption gives it
    headers = [readable_key(key) for key in comparison.keys] or ["Group"]
    headers += [f"{readable_metric(metric)} {arrow(comparison, metric)}" for metric in comparison.metrics]
    headers += [column.replace("_", "-") for column in counts]
    body = []
    for _, row in comparison.table.iterrows():
        cells = [latex_escape(cell) for cell in _label(comparison, row)]
        cells += [_latex_cell(comparison, row, metric) for metric in comparison.metrics]
        cells += [str(int(row[column])) for column in counts]
        body.append(" & ".join(cells) + r" \\")
    text = caption(comparison) + " Under each mean: the confidence interval of Δ."
    spec = "l" * keys + "r" * (len(headers) - keys)
    return "\n".join([
        r"% needs \usepackage{booktabs} and \usepackage{graphicx}",
        r"% Sized for one column of a two-column page (experiments-compare --latex-width page: across the page);",
        r"% a tabular wider than \linewidth is scaled down to it.",
        rf"\begin{{{environment}}}[t]",
        r"\centering",
        r"\footnotesize",
        r"\setlength{\tabcolsep}{3pt}",
        rf"\caption{{{latex_escape(text)}}}",
        r"\label{tab:comparison}",
        r"\setbox0=\hbox{%",
        rf"\begin{{tabular}}{{{spec}}}",
        r"\toprule",
        " & ".join(latex_escape(header) for header in headers) + r" \\",
        r"\midrule",
        *body,
        r"\bottomrule",
        r"\end{tabular}}%",
        r"\leavevmode\ifdim\wd0>\linewidth\resizebox{\linewidth}{!}{\box0}\else\box0\fi",
        rf"\end{{{environment}}}",
    ]) + "\n"  # fmt: skip
