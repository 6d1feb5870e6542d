import pytest

from helpers.inequality_splits import load_split
from helpers.models import load_model
from helpers.runtime import get_profile


@pytest.fixture(scope="session")
def smoke():
    return get_profile("smoke")


@pytest.fixture(scope="session")
def tiny(smoke):
    """The tiny smoke-profile model (no LoRA) and its tokenizer."""
    return load_model(smoke)


@pytest.fixture(scope="session")
def train_rows():
    return load_split("train", 400)


@pytest.fixture(scope="session")
def val_rows():
    return load_split("val", 40)
