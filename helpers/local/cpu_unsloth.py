"""Colab's Unsloth on a CPU: its rewritten TRL trainers for real, its loader stood in for.

A learner's notebook imports Unsloth first; Unsloth then rewrites TRL's trainers into its own
(``UnslothSFTTrainer``, ``UnslothGRPOTrainer``: other loss, logging and generation code) and its
loader gives every model a few methods those trainers call. CI has no GPU, yet it must train
through the same code, so the smoke profile does this:

- ``patch_trl_as_on_a_gpu()`` imports the pinned Unsloth under its CPU switch
  (``UNSLOTH_ALLOW_CPU=1``) and lets it rewrite TRL's SFT and GRPO trainers exactly as
  ``import unsloth`` does on a GPU (under the switch it skips that step);
- ``CPUFastLanguageModel`` stands in for the loader, which needs CUDA: the same calls, keywords
  and return values, done with transformers + PEFT, and the model gets Unsloth's own
  ``for_training`` / ``for_inference`` and ``max_seq_length``, as the loader attaches them.

    FastLanguageModel = CPUFastLanguageModel          # what the smoke profile does
    model, tokenizer = FastLanguageModel.from_pretrained(model_name=path, max_seq_length=1024,
                                                         dtype=None, load_in_4bit=True)
    model = FastLanguageModel.get_peft_model(model, r=8, lora_alpha=16, ...)

What the stand-in cannot reproduce, and so what CI does not test:

- 4-bit weights (``load_in_4bit``; bitsandbytes' kernels need CUDA) and ``dtype``: a CPU
  trains in float32;
- Unsloth's fused kernels (LoRA MLP and attention, RoPE, cross-entropy), its compiled forward,
  its fast ``generate``, and its patched training loop (it prints the banner and fixes
  gradient accumulation): the loader installs them, so the model here runs transformers' code;
- gradient checkpointing (``use_gradient_checkpointing``): the local models are small enough
  without, and Unsloth's offloaded variant needs a GPU;
- ``torch.compile``: off (Unsloth's own ``UNSLOTH_COMPILE_DISABLE=1``, and
  ``TORCHDYNAMO_DISABLE=1`` for what it compiles otherwise), so the functions it compiles on a
  GPU (GRPO's loss, log-softmax chunks) run eagerly here, the same Python code. Compiling them
  for a CPU would emit C++, not a GPU's Triton kernels: it would test nothing Colab runs and
  cost CI over a minute on its first GRPO step;
- GPU memory: nothing here says whether a T4 holds a run.

A keyword Unsloth does not take is an error here too (it would be one on Colab); the API-drift
test holds the keywords our code passes to the real signatures.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

# The trainers the course builds: trl.trainer.<file> is rewritten into Unsloth<Name>Trainer.
PATCHED_TRAINERS = ("sft_trainer", "grpo_trainer")
ALLOW_CPU = "UNSLOTH_ALLOW_CPU"  # Unsloth's own switch (unsloth/device_type.py)
COMPILE_LOCATION = "UNSLOTH_COMPILE_LOCATION"  # where Unsloth writes its generated trainers
NO_COMPILE = ("UNSLOTH_COMPILE_DISABLE", "TORCHDYNAMO_DISABLE")  # torch.compile off: see above


def patch_trl_as_on_a_gpu(cache: Path | None = None) -> None:
    """Import Unsloth on this CPU and rewrite TRL's SFT and GRPO trainers as on a GPU.

    On a GPU, ``import unsloth`` runs ``PatchFastRL`` (unsloth/models/rl.py), which rewrites
    every trainer of ``trl.trainer``, and wraps ``SFTTrainer.__init__`` twice
    (unsloth/_gpu_init.py, its last lines). Under ``UNSLOTH_ALLOW_CPU=1`` it skips all three, so
    they run here with the switch off: the same functions, for the two trainers the course
    builds (the generated files are byte for byte those of the full ``PatchFastRL``, tested;
    the other eleven trainers would cost ~8 s of every process). Unsloth writes them to
    ``cache`` (``$UNSLOTH_COMPILE_LOCATION``; by default next to the tiny model), shared by
    every process. Calling it again does nothing.
    """
    if _patched():
        return
    if cache is None and COMPILE_LOCATION not in os.environ:
        from helpers.local.cpu_models import cache_dir

        cache = cache_dir() / "unsloth_compiled_cache"
    if cache is not None:
        os.environ[COMPILE_LOCATION] = str(cache)  # read once, when Unsloth is imported
    os.environ[ALLOW_CPU] = "1"
    for switch in NO_COMPILE:  # read when Unsloth and torch._dynamo are imported
        os.environ.setdefault(switch, "1")
    import torch._dynamo

    torch._dynamo.config.disable = os.environ["TORCHDYNAMO_DISABLE"] == "1"  # torch came first?
    import unsloth  # noqa: F401  (first: it patches transformers, trl and peft)
    from unsloth.context_parallel import patch_sft_trainer
    from unsloth.models import rl
    from unsloth.models._trl_tool_templates import patch_trl_tool_chat_templates
    from unsloth.trainer import _patch_trl_trainer

    os.environ[ALLOW_CPU] = "0"  # what a GPU would see, while the trainers are rewritten
    try:
        rl.patch_trl_disable_gradient_checkpointing()  # PatchFastRL's steps, in its order
        rl.patch_trl_fused_lm_head_devices()
        patch_trl_tool_chat_templates()
        for trainer in PATCHED_TRAINERS:
            rl._patch_trl_rl_trainers(trainer)
        _patch_trl_trainer()  # then _gpu_init.py's
        patch_sft_trainer()
    finally:
        os.environ[ALLOW_CPU] = "1"


def _patched() -> bool:
    """True once this process has run ``patch_trl_as_on_a_gpu`` (Unsloth marks trl then)."""
    import sys

    return hasattr(sys.modules.get("trl"), "__UNSLOTH_BACKWARDS_COMPATIBLE__")


def attach_unsloth_api(model, tokenizer, max_seq_length: int, gradient_checkpointing=False):
    """Give ``model`` the methods and fields Unsloth's loader attaches and its trainers call:
    Unsloth's own ``for_training`` / ``for_inference`` (mode switches: dropout, caches, the
    tokenizer's padding side) on the model and each ``.model`` inside it, ``max_seq_length``
    on every module, the tokenizer the switches flip, and the gradient-checkpointing choice
    (``False`` here: see the module docstring)."""
    from unsloth.models.llama import FastLlamaModel
    from unsloth.models.vision import FastBaseModel

    model.for_training = functools.partial(FastLlamaModel.for_training, model)
    model.for_inference = functools.partial(FastLlamaModel.for_inference, model)
    inner = model
    while hasattr(inner, "model"):
        inner._saved_temp_tokenizer = tokenizer
        inner = inner.model
        inner.for_training = functools.partial(FastBaseModel.for_training, inner)
        inner.for_inference = functools.partial(FastBaseModel.for_inference, inner)
    inner._saved_temp_tokenizer = tokenizer
    for module in model.modules():
        module.max_seq_length = max_seq_length
    model._unsloth_gradient_checkpointing = gradient_checkpointing
    return model


class CPUFastLanguageModel:
    """``unsloth.FastLanguageModel``'s loading, LoRA and mode switches, on a CPU."""

    @staticmethod
    def from_pretrained(
        model_name: str,
        max_seq_length: int = 2048,
        dtype=None,  # not applied: float32 on a CPU
        load_in_4bit: bool = True,  # not applied: 4-bit needs CUDA
    ):
        """``(model, tokenizer)`` from a local model folder, or from a saved adapter folder
        (its base model named in ``adapter_config.json``, as Unsloth reads it)."""
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from helpers.checkpoints import check_max_seq_length, read_adapter_config
        from helpers.prompts import ensure_pad_token

        patch_trl_as_on_a_gpu()
        folder = Path(model_name)
        adapter = (folder / "adapter_config.json").exists()
        base = read_adapter_config(folder)["base_model_name_or_path"] if adapter else model_name
        check_max_seq_length(base, max_seq_length)
        model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
        saved_tokenizer = (folder / "tokenizer_config.json").exists()  # else the base model's
        tokenizer = AutoTokenizer.from_pretrained(model_name if saved_tokenizer else base)
        tokenizer = ensure_pad_token(tokenizer)
        if adapter:
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, folder)
        return attach_unsloth_api(model, tokenizer, max_seq_length), tokenizer

    @staticmethod
    def get_peft_model(
        model,
        r: int = 16,
        target_modules=None,
        lora_alpha: int = 16,
        lora_dropout: float = 0.0,
        bias: str = "none",
        use_gradient_checkpointing="unsloth",  # not applied on a CPU
        random_state: int = 3407,
    ):
        """The model with LoRA adapters on ``target_modules``, initialised from
        ``random_state`` (Unsloth seeds torch with it the same way)."""
        import torch
        from peft import LoraConfig, get_peft_model

        torch.manual_seed(random_state)
        config = LoraConfig(
            r=r,
            lora_alpha=lora_alpha,
            lora_dropout=lora_dropout,
            target_modules=list(target_modules),
            bias=bias,
            task_type="CAUSAL_LM",
        )
        tokenizer = getattr(model, "_saved_temp_tokenizer", None)
        peft_model = get_peft_model(model, config)
        return attach_unsloth_api(peft_model, tokenizer, model.max_seq_length)

    @staticmethod
    def for_inference(model):
        return model.for_inference()

    @staticmethod
    def for_training(model, use_gradient_checkpointing=True):
        return model.for_training(use_gradient_checkpointing=False)
