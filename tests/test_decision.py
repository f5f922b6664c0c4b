"""The saved classifier is written atomically and loads back in a fresh process with the same predictions."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import f1_score

from experiments.calibration import IsotonicCalibration, NoCalibration, TemperatureScaling
from experiments.data.wikiqa import load_wikiqa
from experiments.heads import BinarySigmoidHead, BinarySoftmaxHead, Head, MulticlassHead
from experiments.models import tiny_cross_encoder
from experiments.models.decision import DecisionRule, PairClassifier, decision_rule, save_classifier
from experiments.run.runner import train
from experiments.tracking.pyfunc_model import PairClassifierModel
from tests.conftest import fast_overrides

LOAD_AND_SCORE = """
import json, sys
from experiments.models.decision import PairClassifier
classifier = PairClassifier.load(sys.argv[1])
pairs = [tuple(pair) for pair in json.load(open(sys.argv[2]))]
print(json.dumps({"scores": classifier.scores(pairs).tolist(), "labels": classifier.predict(pairs),
                  "threshold": classifier.rule.threshold, "label_names": classifier.rule.label_names}))
"""


def test_a_failure_while_saving_leaves_no_model_and_no_staging_folder(tmp_path: Path):
    rule = DecisionRule("binary_sigmoid", {"not", "json"}, 0.5, "f1", 1, "dev_f1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        save_classifier(tiny_cross_encoder(num_labels=1), BinarySigmoidHead(), rule, tmp_path / "model")
    assert list(tmp_path.iterdir()) == []


def test_the_saved_model_gives_the_same_predictions_in_a_fresh_process(
    compose_config, tiny_wikiqa: Path, tmp_path: Path
):
    summary = train(compose_config(*fast_overrides(tiny_wikiqa)))
    test = load_wikiqa(str(tiny_wikiqa)).test
    pairs_file = tmp_path / "pairs.json"
    pairs_file.write_text(json.dumps(list(zip(test["sentence_a"], test["sentence_b"], strict=True))))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    output = subprocess.run(
        [sys.executable, "-c", LOAD_AND_SCORE, str(tmp_path / "run" / "model"), str(pairs_file)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    loaded = json.loads(output.strip().splitlines()[-1])
    assert loaded["threshold"] == pytest.approx(summary["best_dev_f1_threshold"])
    assert loaded["label_names"] == ["0", "1"]
    predicted = np.array([int(label) for label in loaded["labels"]])
    assert (predicted == (np.array(loaded["scores"]) > loaded["threshold"])).all()
    assert f1_score(test["label"], predicted, zero_division=0) == pytest.approx(summary["test_f1"])


def saved_tiny_classifier(folder: Path) -> Path:
    rule = DecisionRule("binary_sigmoid", ["0", "1"], 0.5, "f1", 1, "dev_f1")
    return save_classifier(tiny_cross_encoder(num_labels=1), BinarySigmoidHead(), rule, folder)


def load_in_a_fresh_process(folder: Path) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys; from experiments.models.decision import PairClassifier; "
        "print(PairClassifier.load(sys.argv[1]).head)"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-c", code, str(folder)], env=env, capture_output=True, text=True)


def test_a_model_folder_cannot_choose_code_to_run(tmp_path: Path):
    folder = saved_tiny_classifier(tmp_path / "model")
    decision = json.loads((folder / "decision.json").read_text())
    assert "head_class" not in decision
    # A folder saved before heads were looked up by name, with its import path replaced by a callable
    (folder / "decision.json").write_text(json.dumps({**decision, "head_class": "os.abort"}))
    loaded = load_in_a_fresh_process(folder)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert "BinarySigmoidHead" in loaded.stdout


def test_an_unknown_head_name_is_refused(tmp_path: Path):
    folder = saved_tiny_classifier(tmp_path / "model")
    decision = json.loads((folder / "decision.json").read_text())
    (folder / "decision.json").write_text(json.dumps({**decision, "head": "os.abort"}))
    with pytest.raises(ValueError, match=r"decision.json: unknown head 'os.abort'; the known heads are \['binary_"):
        PairClassifier.load(folder)


RNG = np.random.default_rng(0)
FITTED = {
    "none": lambda width: NoCalibration(),
    "isotonic": lambda width: IsotonicCalibration().fit(RNG.normal(size=40), np.arange(40) % 2),
    "temperature": lambda width: TemperatureScaling().fit(RNG.normal(size=(40, width)), np.arange(40) % width),
}


@pytest.mark.parametrize(
    ("head", "label_names", "calibration", "shape"),
    [
        (BinarySigmoidHead(), ["0", "1"], "isotonic", (0,)),
        (BinarySoftmaxHead(), ["0", "1"], "none", (0,)),
        (MulticlassHead(), ["a", "b", "c"], "temperature", (0, 3)),
    ],
)
def test_no_pairs_give_no_probabilities_and_no_labels(
    tmp_path: Path, head: Head, label_names: list[str], calibration: str, shape: tuple[int, ...]
):
    width = head.num_labels(len(label_names))
    calibrator = FITTED[calibration](len(label_names))
    rule = DecisionRule(
        head.name, label_names, 0.5 if head.binary else None, "f1" if head.binary else None, 1, "dev_f1",
        calibration=calibrator.to_dict() if calibration != "none" else None,
    )  # fmt: skip
    folder = save_classifier(tiny_cross_encoder(num_labels=width), head, rule, tmp_path / "model")
    classifier = PairClassifier.load(folder)
    assert classifier.predict_proba([]).shape == shape and classifier.scores([]).shape == shape
    assert classifier.predict([]) == []
    pyfunc = PairClassifierModel()
    pyfunc.classifier = classifier
    assert pyfunc.predict(None, pd.DataFrame({"text_a": [], "text_b": []})).empty  # type: ignore[arg-type]
    one = [("how are glacier caves formed?", "A glacier cave is a cave formed within the ice of a glacier.")]
    assert classifier.predict_proba(one).shape == (1, *shape[1:]) and classifier.predict(one)[0] in label_names


def test_the_decision_rule_takes_the_dev_threshold_of_the_threshold_metric():
    best = {"epoch": 3.0, "dev_f1_threshold": 0.42, "dev_mcc_threshold": 0.61}
    rule = decision_rule(BinarySigmoidHead(), ["no", "yes"], best, "mcc", "dev_f1", "bf16", NoCalibration())
    assert rule == DecisionRule(
        "binary_sigmoid", ["no", "yes"], 0.61, "mcc", 3, "dev_f1", "bf16", NoCalibration().to_dict()
    )


def test_a_multiclass_decision_rule_has_no_threshold():
    labels = ["a", "b", "c"]
    rule = decision_rule(MulticlassHead(), labels, {"epoch": 1.0}, "f1", "dev_f1_macro", "fp32", NoCalibration())
    assert rule.threshold is None and rule.threshold_metric is None and rule.best_epoch == 1


def test_a_calibration_naming_a_callable_is_never_imported(tmp_path: Path):
    folder = saved_tiny_classifier(tmp_path / "model")
    decision = json.loads((folder / "decision.json").read_text())
    # A folder saved by an earlier version, whose calibrator's import path was replaced by a callable
    tampered = {"name": "none", "class": "os.abort", "values": {}}
    (folder / "decision.json").write_text(json.dumps({**decision, "calibration": tampered}))
    loaded = load_in_a_fresh_process(folder)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert "BinarySigmoidHead" in loaded.stdout
    assert NoCalibration().to_dict() == {"name": "none", "values": {}}  # no import path is written any more


def test_an_unknown_calibration_name_is_refused_naming_the_file(tmp_path: Path):
    folder = saved_tiny_classifier(tmp_path / "model")
    decision = json.loads((folder / "decision.json").read_text())
    (folder / "decision.json").write_text(json.dumps({**decision, "calibration": {"name": "os.abort", "values": {}}}))
    with pytest.raises(
        ValueError,
        match=rf"^{re.escape(str(folder / 'decision.json'))}: unknown calibration 'os.abort'; the known calibrations "
        r"are \['isotonic', 'none', 'platt', 'prior', 'temperature'\]$",
    ):
        PairClassifier.load(folder)


def test_the_activation_a_model_folder_names_is_never_imported(tmp_path: Path):
    folder = saved_tiny_classifier(tmp_path / "model")
    settings = folder / "config_sentence_transformers.json"
    config = json.loads(settings.read_text())
    settings.write_text(json.dumps({**config, "activation_fn": "torch.nn.modules.activation.Tanh"}))
    classifier = PairClassifier.load(folder)
    assert type(classifier.model.activation_fn) is torch.nn.Identity
    # A module class outside sentence-transformers is refused, not imported (no remote code)
    modules = json.loads((folder / "modules.json").read_text())
    modules[0]["type"] = "os.abort"
    (folder / "modules.json").write_text(json.dumps(modules))
    with pytest.raises(ValueError, match=r"'os\.abort', which is not part of Sentence Transformers"):
        PairClassifier.load(folder)
