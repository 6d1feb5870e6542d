import errno
import os
import tempfile
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM

import helpers.export
from helpers.checkpoints import LoraSettings
from helpers.export import export_model
from helpers.models import load_adapter, load_model
from helpers.runtime import get_profile

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
    printed = capsys.readouterr().out
    assert "GGUF skipped" in printed
    assert f"MiB  {paths['merged']}" in printed  # the size of what was written
    inputs = tokenizer([TEXT], return_tensors="pt")
    adapted, _ = load_adapter(smoke, tmp_path / "adapter")
    merged = AutoModelForCausalLM.from_pretrained(paths["merged"], dtype=torch.float32)
    assert not any("lora_" in name for name, _ in merged.named_parameters())  # plain weights
    with torch.no_grad():
        expected = adapted.eval()(**inputs).logits
        got = merged.eval()(**inputs).logits
    assert torch.allclose(expected, got, atol=1e-4)


class UnslothLikeModel:
    """Writes what unsloth 2026.10.7's save methods write (``unsloth/save.py``): a 16-bit merge
    into the folder given; ``save_pretrained_gguf`` merges there itself, then writes
    ``<model>.<METHOD>.gguf`` and a Modelfile into the sibling folder ``f"{folder}_gguf"``."""

    def __init__(self):
        self.merges = []

    def save_pretrained_merged(self, save_directory, tokenizer=None, save_method="merged_16bit"):
        self.merge(Path(save_directory))

    def save_pretrained_gguf(
        self,
        save_directory,
        tokenizer=None,
        quantization_method="fast_quantized",
        merge_is_disposable=True,
    ):
        self.merge(Path(save_directory))
        folder = Path(f"{save_directory}_gguf")
        folder.mkdir(exist_ok=True)
        (folder / f"Qwen2.5-Math-1.5B.{quantization_method.upper()}.gguf").write_bytes(bytes(900))
        (folder / "Modelfile").write_text("FROM ./Qwen2.5-Math-1.5B.Q4_K_M.gguf\n")
        self.kept_merge = not merge_is_disposable

    def merge(self, folder: Path):
        self.merges.append(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.json").write_text("{}")
        (folder / "model.safetensors").write_bytes(bytes(3000))


@pytest.fixture
def unsloth_like(monkeypatch):
    """The colab branch with an Unsloth-like model in place of the GPU loader."""
    model = UnslothLikeModel()
    monkeypatch.setattr(helpers.export, "load_adapter", lambda *args: (model, "tokenizer"))
    return model


def test_the_colab_export_merges_once_and_returns_the_gguf_file_it_wrote(
    unsloth_like, tmp_path, capsys
):
    paths = export_model(get_profile("colab"), tmp_path / "model_c" / "adapter", tmp_path / "out")
    assert paths["gguf"] == tmp_path / "out/merged_16bit_gguf/Qwen2.5-Math-1.5B.Q4_K_M.gguf"
    assert paths["gguf"].is_file()
    assert unsloth_like.merges == [paths["merged"]] and unsloth_like.kept_merge
    assert (paths["merged"] / "model.safetensors").is_file()
    printed = capsys.readouterr().out
    assert f"0.0 MiB  {paths['gguf']}" in printed and f"MiB  {paths['merged']}" in printed
    os.utime(paths["gguf"], (0, 0))  # an export made earlier: a rerun finds the file rewritten
    assert export_model(get_profile("colab"), tmp_path / "a", tmp_path / "out") == paths


def test_exports_go_to_the_runtimes_disk_on_colab_and_the_run_folder_elsewhere(
    unsloth_like, tmp_path, monkeypatch
):
    adapter = tmp_path / "drive" / "runs" / "model_c" / "adapter"
    assert helpers.export.default_export_dir(adapter) == adapter.parent / "export"
    monkeypatch.setattr(helpers.export, "COLAB_EXPORTS", tmp_path / "content" / "export")
    monkeypatch.setattr(helpers.export, "on_colab", lambda: True)
    paths = export_model(get_profile("colab"), adapter, gguf=None)
    assert paths == {"merged": tmp_path / "content/export/model_c/merged_16bit"}
    assert not (tmp_path / "drive").exists()


def fail_if_a_model_loads(*args):
    raise AssertionError("a model was loaded before the export folder was checked")


def test_a_file_where_the_export_needs_a_folder_stops_before_any_model_loads(
    smoke, tmp_path, monkeypatch
):
    monkeypatch.setattr(helpers.export, "load_adapter", fail_if_a_model_loads)
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "merged_16bit").write_text("not a folder")
    with pytest.raises(FileExistsError, match=r"merged_16bit is a file .* move or delete it"):
        export_model(smoke, tmp_path / "adapter", tmp_path / "export")
    with pytest.raises(FileExistsError, match=r"export/merged_16bit is a file"):
        export_model(smoke, tmp_path / "adapter", tmp_path / "export" / "merged_16bit" / "x")


def test_a_read_only_destination_stops_before_any_model_loads(smoke, tmp_path, monkeypatch):
    def read_only(*args, **kwargs):  # what a read-only mount answers (root ignores chmod)
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(helpers.export, "load_adapter", fail_if_a_model_loads)
    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    with pytest.raises(PermissionError, match="Read-only file system.*an out_dir you can write"):
        export_model(smoke, tmp_path / "adapter", tmp_path / "export")
