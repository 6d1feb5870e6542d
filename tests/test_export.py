import torch
from transformers import AutoModelForCausalLM

from helpers.export import export_model
from helpers.models import LoraSettings, load_adapter, load_model

TEXT = "<|im_start|>user\nFor how many integers x in [-5, 5] is 2x > 1?<|im_end|>\n"


def test_the_merged_model_gives_the_adapters_logits_without_peft(smoke, tmp_path, capsys):
    model, tokenizer = load_model(smoke, lora=LoraSettings(r=8, alpha=16))
    with torch.no_grad():  # LoRA's B starts at zero: make the adapter change the output
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.normal_(0, 0.5)
    model.save_pretrained(tmp_path / "adapter")
    tokenizer.save_pretrained(tmp_path / "adapter")
    paths = export_model(smoke, tmp_path / "adapter", tmp_path / "export")
    assert set(paths) == {"merged"}  # no GGUF on a CPU, and it says so
    assert "GGUF skipped" in capsys.readouterr().out
    inputs = tokenizer([TEXT], return_tensors="pt")
    adapted, _ = load_adapter(smoke, tmp_path / "adapter")
    merged = AutoModelForCausalLM.from_pretrained(paths["merged"], dtype=torch.float32)
    assert not any("lora_" in name for name, _ in merged.named_parameters())  # plain weights
    with torch.no_grad():
        expected = adapted.eval()(**inputs).logits
        got = merged.eval()(**inputs).logits
    assert torch.allclose(expected, got, atol=1e-4)
