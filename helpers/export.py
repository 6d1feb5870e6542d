"""Save a tuned model for use outside this course: merged 16-bit weights, and a GGUF file.

A LoRA adapter needs its base model and PEFT to run. Merged, ``W + (alpha/r)·BA`` becomes one
ordinary checkpoint that transformers, vLLM or TGI load directly; as GGUF it runs in llama.cpp,
Ollama or LM Studio on a laptop.

    paths = export_model(profile, adapter_dir, run / "export", gguf="q4_k_m")

- colab: Unsloth's ``save_pretrained_merged`` (the 4-bit base is dequantised to 16 bits before
  merging; ~3 GB for a 1.5B model) and ``save_pretrained_gguf`` (it downloads and builds
  llama.cpp on first use, several minutes, then quantises; ~1 GB at ``q4_k_m``).
- smoke: PEFT's ``merge_and_unload`` and ``save_pretrained``, the same merge on the CPU; no GGUF
  (that needs llama.cpp), and it says so.
"""

from __future__ import annotations

from pathlib import Path

from helpers.models import free_memory, load_adapter
from helpers.runtime import Profile

MERGED = "merged_16bit"
GGUF = "gguf"


def export_model(
    profile: Profile,
    adapter_dir: Path,
    out_dir: Path,
    gguf: str | None = "q4_k_m",
    max_seq_length: int = 2048,
) -> dict[str, Path]:
    """Write the base model merged with the adapter in ``adapter_dir`` to ``out_dir``, and a
    GGUF file quantised with ``gguf`` (None: none). Returns ``{"merged": ..., "gguf": ...}``
    for what was written."""
    out_dir = Path(out_dir)
    model, tokenizer = load_adapter(profile, adapter_dir, max_seq_length)
    written = {"merged": out_dir / MERGED}
    try:
        if profile.is_smoke:
            model.merge_and_unload().save_pretrained(written["merged"])
            tokenizer.save_pretrained(written["merged"])
            if gguf is not None:
                print("GGUF skipped: it needs llama.cpp, which Unsloth builds on the colab profile")
            return written
        model.save_pretrained_merged(str(written["merged"]), tokenizer, save_method="merged_16bit")
        if gguf is not None:
            written["gguf"] = out_dir / GGUF
            model.save_pretrained_gguf(str(written["gguf"]), tokenizer, quantization_method=gguf)
        return written
    finally:
        del model
        free_memory()
