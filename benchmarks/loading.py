"""What reading a large CSV costs before training starts: seconds and peak memory against the number of rows.

A CSV of N rows is made by sampling (with replacement, seeded) real pairs: WikiQA training rows (question, sentence,
label) and, when the SNLI dev file is at hand, SNLI pairs (premise, hypothesis; entailment = 1). Each size is read in
a fresh process the way a run reads ``data=files``: ``load_files`` (reading, label mapping, carving 10 % test and
10 % dev, the ``datasets`` tables), then the per-split steps the runner takes before the model (fingerprint and class
counts). The child reports the CPU seconds of each step (robust on a shared machine; the wall seconds of loading and
fingerprinting beside them), its imports counted too, since the new tree imports ``datasets`` and scikit-learn
while loading; and its peak resident memory (``VmHWM``, Linux), with the peak after its imports for reference.
``--before`` runs the same in an older source tree, side by side; ``--profile N`` prints the top of a cProfile of
N rows instead.

    flock /tmp/bench.lock python benchmarks/loading.py --rows 10000 100000 1000000 --before /tmp/before/src
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, WIKIQA, header

DEFAULT_SNLI = Path(os.environ.get("EXPERIMENTS_DATA_DIR", ROOT.parent / "shared" / "data")) / "snli"

CHILD = """
import json, logging, sys, time
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")


def peak_rss_mb():  # VmHWM: the peak of this process since exec (ru_maxrss would count the forked parent)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024


cpu, wall = time.process_time(), time.perf_counter()
from experiments.data import load_files
from experiments.data.splits import LABEL, class_counts, fingerprint
figures = {"import_cpu_s": time.process_time() - cpu, "rss_imported_mb": peak_rss_mb()}
cpu, wall = time.process_time(), time.perf_counter()
data = load_files(train=sys.argv[1], text_a="text_a", text_b="text_b", label="label")
figures.update(load_cpu_s=time.process_time() - cpu, load_wall_s=time.perf_counter() - wall)
cpu, wall = time.process_time(), time.perf_counter()
prints = {split: fingerprint(dataset) for split, dataset in data.splits().items()}
counts = {split: class_counts(dataset[LABEL], data.num_classes) for split, dataset in data.splits().items()}
figures.update(fingerprint_cpu_s=time.process_time() - cpu, fingerprint_wall_s=time.perf_counter() - wall)
figures.update(peak_rss_mb=peak_rss_mb(), rows={split: len(dataset) for split, dataset in data.splits().items()})
print(json.dumps(figures))
"""


def real_pairs(snli: Path) -> list[tuple[str, str, str]]:
    """(text_a, text_b, label) of every WikiQA training row and, when at hand, every SNLI dev pair."""
    pairs: list[tuple[str, str, str]] = []
    with (WIKIQA / "WikiQA-train.tsv").open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file, delimiter="\t", quoting=csv.QUOTE_NONE):
            pairs.append((row["Question"], row["Sentence"], row["Label"]))
    if snli.is_file():
        for line in snli.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record["label"] in ("entailment", "neutral", "contradiction"):
                pairs.append((record["premise"], record["hypothesis"], "1" if record["label"] == "entailment" else "0"))
    return pairs


def write_csv(path: Path, pairs: list[tuple[str, str, str]], rows: int, seed: int = 0) -> None:
    chooser = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["text_a", "text_b", "label"])
        for _ in range(rows):
            writer.writerow(chooser.choice(pairs))


def measure(source: Path, csv_path: Path, profile: bool = False) -> dict[str, float] | str:
    """The child's figures (or, with ``profile``, its cProfile listing) for reading ``csv_path`` with ``source``."""
    env = {**os.environ, "PYTHONPATH": str(source), "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    script = csv_path.with_suffix(".py")
    script.write_text(CHILD)
    profiler = ["-m", "cProfile", "-s", "cumulative"] if profile else []
    started = time.perf_counter()
    command = [sys.executable, *profiler, str(script), str(csv_path)]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    if profile:
        return result.stdout
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["wall_s"] = time.perf_counter() - started
    figures["log"] = result.stderr
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--before", type=Path, help="an older tree's src/ folder, measured side by side")
    parser.add_argument("--snli", type=Path, default=DEFAULT_SNLI / "snli_1.0_dev.simplified.jsonl")
    parser.add_argument("--profile", type=int, help="print a cProfile of this many rows (new tree) and stop")
    args = parser.parse_args()
    header("Loading a large CSV: seconds and peak memory against row count")
    pairs = real_pairs(args.snli)
    print(f"pairs sampled from: {len(pairs):,} real rows (WikiQA train{' + SNLI dev' if args.snli.is_file() else ''})")
    trees = {"after": ROOT / "src", **({"before": args.before} if args.before else {})}
    with tempfile.TemporaryDirectory(prefix="loading-") as folder:
        if args.profile:
            path = Path(folder) / f"pairs-{args.profile}.csv"
            write_csv(path, pairs, args.profile)
            print("\n".join(str(measure(trees["after"], path, profile=True)).splitlines()[:70]))
            return
        print(
            "\n| rows | file MB | tree | imports CPU s | load CPU s | fingerprint + counts CPU s | total CPU s "
            "| rows per CPU s | wall s | peak RSS MB | RSS after imports MB |"
        )
        print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        logs: list[str] = []
        for rows in args.rows:
            path = Path(folder) / f"pairs-{rows}.csv"
            write_csv(path, pairs, rows)
            size = path.stat().st_size / 2**20
            for tree, source in sorted(trees.items(), reverse=bool(args.before)):
                figures = measure(source, path)
                assert isinstance(figures, dict)
                cpu = figures["import_cpu_s"] + figures["load_cpu_s"] + figures["fingerprint_cpu_s"]
                wall = figures["load_wall_s"] + figures["fingerprint_wall_s"]
                steps = " | ".join(f"{figures[key]:.1f}" for key in ("import_cpu_s", "load_cpu_s", "fingerprint_cpu_s"))
                steps += f" | {cpu:.1f}"
                memory = f"{figures['peak_rss_mb']:,.0f} | {figures['rss_imported_mb']:,.0f}"
                print(
                    f"| {rows:,} | {size:.0f} | {tree} | {steps} | {rows / cpu:,.0f} | {wall:.1f} | {memory} |",
                    flush=True,
                )
                if tree == "after" and rows == max(args.rows):
                    logs.append(str(figures["log"]))
            path.unlink()
        print(f"\nThe log of the largest read (new tree):\n\n```\n{''.join(logs).strip()}\n```")


if __name__ == "__main__":
    main()
