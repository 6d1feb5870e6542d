"""Save a tuned model for use outside this course: merged 16-bit weights, and a GGUF file.

A LoRA adapter needs its base model and PEFT to run. Merged, ``W + (alpha/r)·BA`` becomes one
ordinary checkpoint that transformers, vLLM or TGI load directly; as GGUF it runs in llama.cpp,
Ollama or LM Studio on a laptop.

    paths = export_model(profile, adapter_dir, gguf="q4_k_m")
    # {"merged": /content/export/model_c/merged_16bit,
    #  "gguf": /content/export/model_c/merged_16bit_gguf/Qwen2.5-Math-1.5B.Q4_K_M.gguf}

- colab: Unsloth merges once. ``save_pretrained_gguf`` (unsloth 2026.10.7, ``unsloth/save.py``)
  makes its own 16-bit merge in the folder it is given (into the base's original 16-bit weights,
  which it downloads; ~3 GB for a 1.5B model), then converts that folder and writes
  ``<model>.<METHOD>.gguf`` (~1 GB at ``q4_k_m``; it builds llama.cpp first, several minutes)
  into the sibling folder ``f"{folder}_gguf"``. So we hand it our ``merged_16bit`` folder, ask
  it to keep the merge (``merge_is_disposable=False``: it is the other half of the export) and
  make no merge of our own. Without a GGUF, ``save_pretrained_merged`` alone (it merges into
  the dequantised 4-bit base).
- smoke: PEFT's ``merge_and_unload`` and ``save_pretrained``, the same merge on the CPU; no GGUF
  (that needs llama.cpp), and it says so.

By default an export goes to the runtime's own disk, not to a mounted Drive (~4 GB for a 1.5B
model, a quarter of a free 15 GB Drive): ``/content/export/<run>`` on Colab, ``<run>/export``
elsewhere. Copy or download what you keep: Colab deletes its disk with the runtime.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from helpers.models import free_memory, load_adapter
from helpers.runtime import Profile, on_colab

COLAB_EXPORTS = Path("/content/export")  # the Colab runtime's own disk, deleted with it
MERGED = "merged_16bit"


def default_export_dir(adapter_dir: Path) -> Path:
    """``/content/export/<run>`` on Colab, else ``<run>/export``, where ``<run>`` is the folder
    holding ``adapter_dir`` (``RUN / "model_c" / "adapter"`` exports to ``.../model_c``)."""
    run = Path(adapter_dir).parent
    return COLAB_EXPORTS / run.name if on_colab() else run / "export"


def gguf_dir(merged: Path) -> Path:
    """Where Unsloth puts the GGUF of a merge in ``merged``: a sibling, not a child
    (``_gguf_output_directory`` in ``unsloth/save.py``)."""
    return Path(f"{merged}_gguf")


def prepare_export_dir(out_dir: Path) -> None:
    """Make ``out_dir`` and prove it takes a file, before any model loads: a file standing where
    the export needs a folder, or a folder that cannot be written, stops here with the fix."""
    merged = out_dir / MERGED
    for path in (gguf_dir(merged), merged, out_dir, *out_dir.parents):
        if path.exists() and not path.is_dir():
            raise FileExistsError(
                f"{path} is a file where the export needs a folder: move or delete it, "
                "or pass export_model another out_dir"
            )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=out_dir, prefix=".write-test-")
        os.close(handle)
        os.remove(probe)
    except OSError as error:
        raise PermissionError(
            f"cannot write the export to {out_dir} ({error.strerror or error}): pass "
            f"export_model an out_dir you can write to (on Colab the default, {COLAB_EXPORTS}, "
            "is the runtime's own disk)"
        ) from error


def export_model(
    profile: Profile,
    adapter_dir: Path,
    out_dir: Path | None = None,
    gguf: str | None = "q4_k_m",
    max_seq_length: int = 2048,
) -> dict[str, Path]:
    """Write the base model merged with the adapter in ``adapter_dir`` to ``out_dir/merged_16bit``
    and, unless ``gguf`` is None, a GGUF file quantised with it. ``out_dir`` defaults to
    ``default_export_dir``. Returns ``{"merged": folder, "gguf": file}`` for what was written
    and prints their sizes."""
    out_dir = Path(out_dir) if out_dir is not None else default_export_dir(adapter_dir)
    prepare_export_dir(out_dir)
    merged = out_dir / MERGED
    model, tokenizer = load_adapter(profile, adapter_dir, max_seq_length)
    try:
        written = {"merged": merged}
        if profile.is_smoke:
            model.merge_and_unload().save_pretrained(merged)
            tokenizer.save_pretrained(merged)
            if gguf is not None:
                print("GGUF skipped: it needs llama.cpp, which Unsloth builds on the colab profile")
        elif gguf is None:
            model.save_pretrained_merged(str(merged), tokenizer, save_method="merged_16bit")
        else:
            written["gguf"] = save_merged_and_gguf(model, tokenizer, merged, gguf)
    finally:
        del model
        free_memory()
    for name, path in written.items():
        print(f"{name:<6} {size_text(path):>10}  {path}")
    return written


def save_merged_and_gguf(model, tokenizer, merged: Path, method: str) -> Path:
    """One merge for both: Unsloth's ``save_pretrained_gguf`` writes the 16-bit merge into
    ``merged`` and keeps it; returns the one ``.gguf`` file it wrote (found, not named by us)."""
    folder = gguf_dir(merged)
    before = gguf_files(folder)
    model.save_pretrained_gguf(
        str(merged), tokenizer, quantization_method=method, merge_is_disposable=False
    )
    made = sorted(path for path, stamp in gguf_files(folder).items() if before.get(path) != stamp)
    if len(made) != 1:
        raise RuntimeError(
            f"expected Unsloth to write one .gguf file into {folder}, found "
            f"{[path.name for path in made] or 'none'}: check that unsloth is the version "
            "requirements-colab.txt pins, then export again"
        )
    return made[0]


def gguf_files(folder: Path) -> dict[Path, int]:
    """The ``.gguf`` files in ``folder`` with their modification times (a rerun rewrites one)."""
    return {path: path.stat().st_mtime_ns for path in folder.glob("*.gguf")}


def size_text(path: Path) -> str:
    """The bytes in a file, or in every file under a folder, for a person to read.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = (Path(folder) / "weights").write_bytes(bytes(3 * 2**20))
    ...     size_text(Path(folder))
    '3.0 MiB'
    """
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    return f"{total / 2**30:.2f} GiB" if total >= 2**30 else f"{total / 2**20:.1f} MiB"
