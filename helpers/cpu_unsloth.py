"""Unsloth's ``FastLanguageModel`` calls, done with transformers + PEFT, for a CPU.

Unsloth needs a CUDA GPU, and CI has none. So that a notebook can show the real Colab recipe in
its own cells and still run in CI, the smoke profile takes this class in its place: the same
calls, keywords and return values (a model and its tokenizer; a PEFT model with LoRA), with
what a CPU cannot do left out and said here:

- ``load_in_4bit`` and ``dtype`` are not applied: bitsandbytes' 4-bit kernels need CUDA, and a
  CPU trains in float32;
- ``use_gradient_checkpointing`` is not applied: the local models are small enough without.

    FastLanguageModel = CPUFastLanguageModel          # what the smoke profile does
    model, tokenizer = FastLanguageModel.from_pretrained(model_name=path, max_seq_length=1024,
                                                         dtype=None, load_in_4bit=True)
    model = FastLanguageModel.get_peft_model(model, r=8, lora_alpha=16, ...)

A keyword Unsloth does not take is an error here too (it would be one on Colab); the API-drift
test holds the keywords our code passes to the real signatures.
"""

from __future__ import annotations

from pathlib import Path


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

        from helpers.models import check_max_seq_length, ensure_pad_token, read_adapter_config

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
        return model, tokenizer

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
        return get_peft_model(model, config)

    @staticmethod
    def for_inference(model):
        model.eval()
        return model

    @staticmethod
    def for_training(model, use_gradient_checkpointing=True):
        model.train()
        return model
