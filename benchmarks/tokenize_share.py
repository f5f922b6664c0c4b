"""Share of a CPU training step spent tokenising (does tokenising once, ahead of training, pay?).

Times ``model.preprocess`` (the tokeniser call the loss makes every step) against a whole training step
(tokenise + forward + backward + optimizer) of MiniLM on random batches of WikiQA training pairs.

    flock /tmp/bench.lock python benchmarks/tokenize_share.py --batches 8 --max-length 128
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from common import WIKIQA, header


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=128)
    args = parser.parse_args()
    header("Tokenisation share of a training step")
    import pandas as pd
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss

    from experiments.models import load_cross_encoder

    frame = pd.read_csv(WIKIQA / "WikiQA-train.tsv", sep="\t", quoting=3, dtype=str, keep_default_na=False)
    model = load_cross_encoder(1, "sentence-transformers/all-MiniLM-L6-v2", max_length=args.max_length)
    loss = BinaryCrossEntropyLoss(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    rng = np.random.default_rng(0)
    tokenise, step = [], []
    for _ in range(args.batches):
        rows = frame.iloc[rng.choice(len(frame), args.batch_size, replace=False)]
        texts = [list(rows["Question"]), list(rows["Sentence"])]
        labels = torch.tensor(rows["Label"].astype(float).to_numpy())
        start = time.perf_counter()
        model.preprocess(list(zip(*texts, strict=True)))
        tokenise.append(time.perf_counter() - start)
        start = time.perf_counter()
        model.train()
        value = loss(texts, labels)
        value.backward()
        optimizer.step()
        optimizer.zero_grad()
        step.append(time.perf_counter() - start)
    print(f"batch size {args.batch_size}, max_length {args.max_length}, {args.batches} random batches")
    print(f"tokenise per batch: {np.median(tokenise) * 1000:.1f} ms (median)")
    print(f"training step per batch (tokenise included): {np.median(step) * 1000:.0f} ms (median)")
    print(f"tokenisation share of a step: {np.sum(tokenise) / np.sum(step):.2%}")


if __name__ == "__main__":
    main()
