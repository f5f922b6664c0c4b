"""WikiQA grouped by question: the shipped example of anchors with a variable number of negatives."""

from __future__ import annotations

import logging

from experiments.data.grouped import GroupedSplits, group_pairs, subset_groups
from experiments.data.splits import column
from experiments.data.wikiqa import check_wikiqa, load_wikiqa
from experiments.inputs import checked_by

logger = logging.getLogger(__name__)


@checked_by(check_wikiqa)
def load_wikiqa_grouped(
    root: str | None = None,
    max_train_groups: int | None = None,
    max_train_rows: int | None = None,
    ranked_eval_only: bool = False,
    seed: int = 0,
) -> GroupedSplits:
    """WikiQA as one row per ``QuestionID``: anchor = question, positives = correct sentences, negatives = the rest.

    2,118 / 296 / 633 questions. About 59 % have no correct sentence (an empty ``positive`` list)
    and a few have no wrong one; every row is kept here and each ``negatives`` mode says what it
    does with them. ``rows_read`` counts the TSV rows (candidate pairs), so flattening gives them back.

    Args:
        root: folder holding ``WikiQA-{train,dev,test}.tsv``; None uses the copy inside the package.
        max_train_groups: keep at most this many training questions (seeded), for quick runs.
        max_train_rows: and at most this many training pairs (whole questions only), so a pair budget
            set for ``data=wikiqa`` (e.g. by ``experiment=smoke``) means the same here.
        ranked_eval_only: keep only the dev / test questions with at least one correct and one wrong
            sentence (122 / 237), the questions MAP and MRR are computed on; pair metrics then cover
            those questions only. Makes evaluation about three times cheaper.
        seed: seed of that subset.
    """
    pairs = load_wikiqa(root)
    grouped = {split: group_pairs(dataset) for split, dataset in pairs.splits().items()}
    train = subset_groups(grouped["train"], max_train_groups, seed, max_train_rows)
    if ranked_eval_only:
        for split in ("dev", "test"):
            both = zip(column(grouped[split], "positive"), column(grouped[split], "negative"), strict=True)
            grouped[split] = grouped[split].select([row for row, (pos, neg) in enumerate(both) if pos and neg])
    data = GroupedSplits(
        name="wikiqa_grouped",
        train=train,
        dev=grouped["dev"],
        test=grouped["test"],
        rows_read=pairs.rows_read,
    )
    logger.info(
        "WikiQA grouped: questions %s, training on %d",
        {split: len(dataset) for split, dataset in data.splits().items()},
        len(train),
    )
    return data
