"""How close training gets to this machine's limit: achieved training FLOP/s against the dense matmul peak.

For fp32 and for bf16 autocast (what ``trainer.precision=bf16`` runs), alternated in one process:

1. the peak: a large square ``torch.matmul`` on the same threads (fp32 tensors; bf16 tensors);
2. training steps of MiniLM-L6 on length-grouped WikiQA batches (the framework's default batching:
   batch 32, max_length 128): forward + backward + AdamW, as the trainer runs them; the FLOPs of a step are
   6 × non-embedding parameters × tokens plus attention, 12 × layers × hidden × sequence² per pair (forward
   2 matmuls of 2·s²·d, backward twice that), counted on the padded batch (what the CPU computes) and on
   the real tokens (what is useful);
3. bf16 steps with fused AdamW, and with the dropout masks off (what they cost), alternated with the plain step;
4. a profile of one bf16 step: the operators with the most CPU time, so one can see what stays in fp32.

    flock /tmp/bench.lock python benchmarks/flops.py --steps 20 --rounds 3
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import torch
from common import WIKIQA, header

from experiments.data.wikiqa import load_wikiqa
from experiments.models.loading import load_cross_encoder
from experiments.precision import autocast
from experiments.sampling.batching import length_grouped_batches, pair_lengths


def matmul_gflops(dtype: torch.dtype, size: int, repeats: int) -> float:
    """Dense ``size``² matmul rate in GFLOP/s (2·n³ per product), best of ``repeats``."""
    a = torch.randn(size, size).to(dtype)
    b = torch.randn(size, size).to(dtype)
    torch.matmul(a, b)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.matmul(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def non_embedding_parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for name, p in model.named_parameters() if "embeddings" not in name)


def step_flops(features: dict[str, torch.Tensor], parameters: int, layers: int, hidden: int) -> tuple[float, float]:
    """(padded, real) training FLOPs of one batch."""
    mask = features["attention_mask"]
    padded_tokens = mask.numel()
    seq = mask.shape[1]
    real_lengths = mask.sum(dim=1).double()
    padded = 6 * parameters * padded_tokens + 12 * layers * hidden * seq**2 * mask.shape[0]
    real = 6 * parameters * float(real_lengths.sum()) + 12 * layers * hidden * float((real_lengths**2).sum())
    return float(padded), real


def time_steps(step: Callable[[int], None], steps: int) -> float:
    step(0)  # warm-up (allocations, autocast caches)
    start = time.perf_counter()
    for index in range(1, steps + 1):
        step(index)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=20, help="timed training steps per precision and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--matmul-size", type=int, default=2048)
    args = parser.parse_args()
    header("Training FLOP/s against the dense matmul peak, fp32 and bf16 autocast")

    model = load_cross_encoder(1, "sentence-transformers/all-MiniLM-L6-v2", max_length=args.max_length, device="cpu")
    config = model[0].auto_model.config
    parameters = non_embedding_parameters(model)
    train = load_wikiqa(str(WIKIQA), max_train_rows=None).train
    lengths = pair_lengths(train["sentence_a"], train["sentence_b"], model.tokenizer, args.max_length)
    rng = np.random.default_rng(0)
    batches = length_grouped_batches(rng.permutation(len(train)), lengths, args.batch_size, 64, rng)
    pairs = list(zip(train["sentence_a"], train["sentence_b"], strict=True))
    labels = np.asarray(train["label"], dtype=np.float32)
    inputs = []
    for batch in batches[: args.steps + 1]:
        features = model.preprocess([pairs[i] for i in batch])
        inputs.append((features, torch.from_numpy(labels[batch])))
    flops = [step_flops(features, parameters, config.num_hidden_layers, config.hidden_size) for features, _ in inputs]
    print(
        f"model: MiniLM-L6, {parameters / 1e6:.1f} M non-embedding parameters; batches of {args.batch_size}, "
        f"length-grouped, max_length {args.max_length}; {args.steps} timed steps per precision and round"
    )

    # torch's default on CPU tensors, what the trainer's optim=adamw_torch runs: one parameter at a time
    # (neither foreach nor fused).
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-6)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    dropouts = [module for module in model.modules() if isinstance(module, torch.nn.Dropout)]
    rates = [module.p for module in dropouts]

    def make_step(
        precision: str, step_optimizer: torch.optim.Optimizer = optimizer, dropout: bool = True
    ) -> Callable[[int], None]:
        """A training step; ``dropout=False`` sets every dropout rate to 0 for the step (to price the masks)."""

        def step(index: int) -> None:
            for module in dropouts:
                module.p = module.p if dropout else 0.0
            try:
                features, target = inputs[index % len(inputs)]
                with autocast(precision, "cpu"):
                    scores = model(dict(features))["scores"].squeeze(-1)
                loss = loss_fn(scores.float(), target)
                loss.backward()
                step_optimizer.step()
                step_optimizer.zero_grad(set_to_none=True)
            finally:
                for module, rate in zip(dropouts, rates, strict=True):
                    module.p = rate

        return step

    model.train()
    timed_padded = sum(padded for padded, _ in flops[1:])
    timed_real = sum(real for _, real in flops[1:])
    results: dict[str, dict[str, list[float]]] = {
        p: {"peak": [], "padded": [], "real": [], "pps": []} for p in ("fp32", "bf16")
    }
    for round_index in range(args.rounds):
        for precision, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
            peak = matmul_gflops(dtype, args.matmul_size, repeats=5)
            seconds = time_steps(make_step(precision), args.steps)
            row = results[precision]
            row["peak"].append(peak)
            row["padded"].append(timed_padded / seconds / 1e9)
            row["real"].append(timed_real / seconds / 1e9)
            row["pps"].append(args.steps * args.batch_size / seconds)
            print(
                f"round {round_index + 1} {precision}: matmul {peak:.0f} GFLOP/s; "
                f"training {row['pps'][-1]:.1f} pairs/s, "
                f"{row['padded'][-1]:.0f} GFLOP/s padded ({row['padded'][-1] / peak:.0%} of peak), "
                f"{row['real'][-1]:.0f} GFLOP/s on real tokens"
            )

    print()
    print(
        "| precision | matmul peak GFLOP/s | training pairs/s | training GFLOP/s (padded) | % of peak "
        "| GFLOP/s on real tokens |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for precision, row in results.items():
        peak, padded = float(np.median(row["peak"])), float(np.median(row["padded"]))
        print(
            f"| {precision} | {peak:.0f} | {np.median(row['pps']):.1f} | {padded:.0f} | {padded / peak:.0%} | "
            f"{np.median(row['real']):.0f} |"
        )
    print("(medians over rounds)")

    print()
    print(f"bf16 variants, alternated in {args.rounds} rounds of {args.steps} steps (pairs/s):")
    fused = torch.optim.AdamW(model.parameters(), lr=1e-6, fused=True)
    variants = {
        "AdamW as the trainer runs it (one parameter at a time), dropout on": make_step("bf16"),
        "AdamW foreach, dropout on": make_step("bf16", torch.optim.AdamW(model.parameters(), lr=1e-6, foreach=True)),
        "AdamW fused, dropout on": make_step("bf16", fused),
        "AdamW fused, dropout off": make_step("bf16", fused, dropout=False),
    }
    speeds: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, step in variants.items():
            speeds[name].append(args.steps * args.batch_size / time_steps(step, args.steps))
    base = float(np.median(speeds["AdamW as the trainer runs it (one parameter at a time), dropout on"]))
    print("| bf16 step | training pairs/s | × the trainer's step |")
    print("|---|---:|---:|")
    for name, values in speeds.items():
        print(f"| {name} | {np.median(values):.1f} | {np.median(values) / base:.2f} |")
    print(
        "(medians over rounds; dropout off is not a training setting: it prices the random masks, and with no "
        "attention dropout PyTorch's SDPA takes its CPU flash-attention kernel instead of the math path)"
    )

    print()
    print("Profile of 5 bf16 steps, operators by self CPU time:")
    step = make_step("bf16")
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], record_shapes=False) as profile:
        for index in range(1, 6):
            step(index)
    print(profile.key_averages().table(sort_by="self_cpu_time_total", row_limit=15))


if __name__ == "__main__":
    main()
