"""A model path that does not exist fails before anything else is loaded, naming the key."""

from __future__ import annotations

import pytest

from experiments.errors import ConfigurationError
from experiments.models.loading import load_cross_encoder


def test_a_missing_local_model_folder_is_named():
    with pytest.raises(
        ConfigurationError, match=r"model.name: the local model folder './no/such/model' does not exist"
    ):
        load_cross_encoder(num_labels=1, name="./no/such/model")
