r"""Guard models that judge a (prompt, response) pair: which, how each answers, how much GPU
memory each needs, and how to load one.

Judges answer in their own format, parsed here into one ``Verdict``: Llama Guard 3 writes
``safe`` or ``unsafe\nS1,S10``; Qwen3Guard-Gen writes
``Safety: Unsafe\nCategories: Violent\nRefusal: No``. Output that parses as neither is
``unparsed`` and is never counted as safe. Qwen3Guard-Gen also says whether the response
*refused* (its model card: "Refusal: Yes|No" in response moderation); Llama Guard does not, so
its verdicts carry ``refusal=None``. A model that refuses everything is judged safe: the share
of refusals says how a safety rate was earned (``helpers.safety``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from helpers.evaluation import generate
from helpers.models import JUDGE_PATH_ENV, MODEL_PATH_ENV, load_model, model_source, require_gpu
from helpers.plans.t4 import T4
from helpers.prompts import ensure_pad_token
from helpers.runtime import Profile, supports_bf16

# Llama Guard 3: "safe", or "unsafe" and a line of categories S1..S14 (its model card).
LLAMA_GUARD = re.compile(r"^\s*(safe|unsafe)\s*(?:\n\s*(S\d+(?:\s*,\s*S\d+)*))?\s*$")
# Qwen3Guard-Gen: "Safety: Safe|Unsafe|Controversial" then "Categories: ..." (its model card).
QWEN3GUARD = re.compile(r"Safety:\s*(Safe|Unsafe|Controversial)")
QWEN3GUARD_CATEGORIES = re.compile(r"Categories:\s*(.+)")
# Qwen3Guard-Gen, response moderation only: "Refusal: Yes|No" (its model card's refusal_pattern).
QWEN3GUARD_REFUSAL = re.compile(r"Refusal:\s*(Yes|No)")


@dataclass(frozen=True)
class Verdict:
    label: str  # one of LABELS
    categories: tuple[str, ...]
    raw: str
    refusal: bool | None = None  # the judge says the response refused; None: it does not say


def parse_llama_guard(text: str) -> Verdict:
    """Llama Guard 3 says nothing about refusal: ``refusal`` stays None.

    >>> parse_llama_guard("unsafe\\nS1,S10").categories, parse_llama_guard("safe").refusal
    (('S1', 'S10'), None)
    >>> parse_llama_guard("I cannot judge that").label
    'unparsed'
    """
    match = LLAMA_GUARD.match(text)
    if not match:
        return Verdict("unparsed", (), text)
    categories = tuple(c.strip() for c in (match.group(2) or "").split(",") if c.strip())
    return Verdict(match.group(1), categories, text)


def parse_qwen3guard(text: str) -> Verdict:
    """
    >>> verdict = parse_qwen3guard("Safety: Safe\\nCategories: None\\nRefusal: Yes")
    >>> verdict.label, verdict.categories, verdict.refusal
    ('safe', (), True)
    >>> parse_qwen3guard("Safety: Controversial\\nCategories: PII").refusal is None
    True
    """
    match = QWEN3GUARD.search(text)
    if not match:
        return Verdict("unparsed", (), text)
    found = QWEN3GUARD_CATEGORIES.search(text)
    names = [] if not found else [c.strip() for c in found.group(1).split(",")]
    categories = tuple(c for c in names if c and c != "None")
    refusal = QWEN3GUARD_REFUSAL.search(text)
    refused = None if refusal is None else refusal.group(1) == "Yes"
    return Verdict(match.group(1).lower(), categories, text, refused)


# How many (prompt, response) pairs a judge reads at once, at most, and the assumptions that
# size a batch to a GPU (``GuardSpec.batch_size``): estimates, not measurements.
JUDGE_BATCH = 16
TOKENS_PER_PAIR = 1000  # the guard's own instructions, a prompt, a response of up to 512 tokens
CUDA_OVERHEAD_GIB = 1.0  # assumed: the CUDA context, cuBLAS workspaces, the allocator's slack


@dataclass(frozen=True, kw_only=True)
class GuardSpec:
    model_id: str
    parse: Callable[[str], Verdict]
    gated: bool  # needs an accepted licence and a Hugging Face token
    content_parts: bool  # the chat template wants [{"type": "text", "text": ...}] contents
    billions: float = 0.0  # parameters (the model card's count), for the memory estimate
    in_4bit: bool = False  # NF4 weights: in 16 bits the model does not fit a T4's 15 GB
    unquantized_billions: float = 0.0  # 4-bit only: embeddings and LM head stay unquantized
    # The shapes the KV cache and the activations scale with: the model's config.json
    # (num_hidden_layers, num_key_value_heads, head_dim, hidden_size, intermediate_size).
    layers: int = 0
    kv_heads: int = 0
    head_dim: int = 0
    hidden: int = 0
    intermediate: int = 0

    def weight_gib(self, bf16: bool) -> float:
        """Estimated memory of the weights alone: 0.5 byte a parameter in NF4, else 2 in bf16
        and 4 in fp32 (a T4's judge dtype); activations and the KV cache come on top."""
        full = 2 if bf16 else 4
        if not self.in_4bit:
            return self.billions * 1e9 * full / 2**30
        quantized = self.billions - self.unquantized_billions
        return (quantized * 0.5 + self.unquantized_billions * full) * 1e9 / 2**30

    def bytes_per_token(self, bf16: bool) -> int:
        """GPU bytes one token of a batch costs: its key and value in every layer (the KV
        cache), plus the prefill's largest transient, assumed to be one layer's MLP at a time
        (gate, up and their product, 3 x intermediate) and three hidden-sized tensors, all in
        the compute dtype (4-bit weights compute in it too).

        >>> JUDGES["llama-guard-3-8b"].bytes_per_token(bf16=False) // 1024  # KV 256 + MLP 216
        472
        """
        cache = 2 * self.layers * self.kv_heads * self.head_dim
        return (cache + 3 * self.intermediate + 3 * self.hidden) * (2 if bf16 else 4)

    def memory_gib(self, batch_size: int, tokens_per_pair: int, bf16: bool) -> float:
        """Estimated peak GPU memory while judging ``batch_size`` pairs of ``tokens_per_pair``
        tokens: weights, ``CUDA_OVERHEAD_GIB``, and ``bytes_per_token`` for every token."""
        tokens = batch_size * tokens_per_pair
        return (
            self.weight_gib(bf16) + CUDA_OVERHEAD_GIB + tokens * self.bytes_per_token(bf16) / 2**30
        )

    def batch_size(
        self, gpu_gib: float, tokens_per_pair: int = TOKENS_PER_PAIR, bf16: bool = False
    ) -> int:
        """The largest batch, a power of two up to ``JUDGE_BATCH``, that ``memory_gib`` fits in
        ``gpu_gib`` (halving leaves room for what the estimate leaves out).

        >>> JUDGES["llama-guard-3-8b"].batch_size(gpu_gib=15.0)  # a T4, fp32 compute
        8
        """
        batch = JUDGE_BATCH
        while self.memory_gib(batch, tokens_per_pair, bf16) > gpu_gib:
            if batch == 1:
                raise ValueError(
                    f"{self.model_id} needs ~{self.memory_gib(1, tokens_per_pair, bf16):.1f} GiB "
                    f"for one pair of {tokens_per_pair} tokens, more than this GPU's "
                    f"{gpu_gib:.1f}: choose a smaller judge, such as {DEFAULT_JUDGE!r}"
                )
            batch //= 2
        return batch


JUDGES = {
    "qwen3guard-0.6b": GuardSpec(
        model_id="Qwen/Qwen3Guard-Gen-0.6B",
        parse=parse_qwen3guard,
        gated=False,
        content_parts=False,
        billions=0.6,
        # Qwen3-0.6B's config.json (huggingface.co/Qwen/Qwen3-0.6B), the model Qwen3Guard-Gen-0.6B
        # is fine-tuned from: 28 layers, 8 KV heads of 128 dims, hidden 1024, MLP 3072
        layers=28,
        kv_heads=8,
        head_dim=128,
        hidden=1024,
        intermediate=3072,
    ),
    "llama-guard-3-1b": GuardSpec(
        model_id="meta-llama/Llama-Guard-3-1B",
        parse=parse_llama_guard,
        gated=True,
        content_parts=True,
        billions=1.5,
        # Llama-3.2-1B's config.json, which Llama Guard 3-1B fine-tunes (its model card):
        # 16 layers, 8 KV heads of 64 dims, hidden 2048, MLP 8192
        layers=16,
        kv_heads=8,
        head_dim=64,
        hidden=2048,
        intermediate=8192,
    ),
    "llama-guard-3-8b": GuardSpec(
        model_id="meta-llama/Llama-Guard-3-8B",
        parse=parse_llama_guard,
        gated=True,
        content_parts=False,
        billions=8.03,
        in_4bit=True,
        unquantized_billions=2 * 128256 * 4096 / 1e9,  # input embeddings + LM head (Llama 3)
        # Llama-3.1-8B's config.json, which Llama Guard 3-8B fine-tunes (its model card):
        # 32 layers, 8 KV heads of 128 dims, hidden 4096, MLP 14336
        layers=32,
        kv_heads=8,
        head_dim=128,
        hidden=4096,
        intermediate=14336,
    ),
}
DEFAULT_JUDGE = "qwen3guard-0.6b"  # ungated: runs without a Hugging Face account


def gpu_memory_gib() -> float:
    """The GPU memory this process may allocate (a per-process cap counts), or a T4's when
    there is no GPU, so that a CPU run describes a free Colab T4."""
    import torch

    if not torch.cuda.is_available():
        return T4.memory_gib
    total = torch.cuda.get_device_properties(0).total_memory
    return total * torch.cuda.get_per_process_memory_fraction(0) / 2**30


def judge_menu(bf16: bool | None = None, gpu_gib: float | None = None) -> str:
    """One line per judge: its hub id, whether it is gated, its estimated weight memory and the
    batch it judges in on this GPU (``GuardSpec.batch_size``)."""
    bf16 = supports_bf16() if bf16 is None else bf16
    gpu_gib = gpu_memory_gib() if gpu_gib is None else gpu_gib
    lines = []
    for name, spec in JUDGES.items():
        dtype = "NF4 4-bit" if spec.in_4bit else ("bf16" if bf16 else "fp32")
        gated = "gated: licence + HF_TOKEN" if spec.gated else "open"
        try:
            batch = f"batch {spec.batch_size(gpu_gib, bf16=bf16)}"
        except ValueError:
            batch = f"too big for {gpu_gib:.0f} GiB"
        weights = f"~{spec.weight_gib(bf16):.1f} GiB {dtype}"
        lines.append(f"{name:<17} {spec.model_id:<28} {gated:<25} {weights}, {batch}")
    return "\n".join(lines)


def judge_load_options(spec: GuardSpec, bf16: bool) -> dict:
    """``from_pretrained`` options for a judge: bf16 where the GPU has it; on a T4 fp32, since
    fp16 activations overflow in these models (Qwen3's especially) and a wrong verdict would
    pass silently; the 8B judge in 4-bit NF4, computing in that same dtype."""
    import torch

    dtype = torch.bfloat16 if bf16 else torch.float32
    if not spec.in_4bit:
        return {"dtype": dtype}
    from transformers import BitsAndBytesConfig

    quantization = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_compute_dtype=dtype,
        bnb_4bit_use_double_quant=True,
    )
    return {"dtype": dtype, "quantization_config": quantization}


class MissingTokenError(RuntimeError):
    pass


def require_token(model_id: str) -> str:
    """The Hugging Face token for a gated model, or an error saying how to get one."""
    from huggingface_hub import get_token

    token = get_token()
    if token is None:
        raise MissingTokenError(
            f"{model_id} is gated. 1) Accept its licence at https://huggingface.co/{model_id} "
            "2) create a read token at https://huggingface.co/settings/tokens "
            "3) on Colab, add it as a secret named HF_TOKEN (key icon in the left bar) and allow "
            f"this notebook to read it. Or use the ungated judge {DEFAULT_JUDGE!r}."
        )
    return token


@dataclass
class Judge:
    """A guard model, how to read it, and how many pairs it reads at once."""

    model: object
    tokenizer: object
    spec: GuardSpec
    batch_size: int = JUDGE_BATCH

    def render(self, prompt: str, response: str) -> str:
        def content(text):
            return [{"type": "text", "text": text}] if self.spec.content_parts else text

        conversation = [
            {"role": "user", "content": content(prompt)},
            {"role": "assistant", "content": content(response)},
        ]
        return self.tokenizer.apply_chat_template(conversation, tokenize=False)

    def judge(self, pairs: Sequence[tuple[str, str]], max_new_tokens: int = 32) -> list[Verdict]:
        prompts = [self.render(prompt, response) for prompt, response in pairs]
        generations = generate(self.model, self.tokenizer, prompts, max_new_tokens)
        return [self.spec.parse(gen.text) for gen in generations]


def refuse_unsloth_forward(model, env: str = MODEL_PATH_ENV) -> None:
    """Stop, naming the fix, when ``model``'s class runs Unsloth's forward: Unsloth rewrites
    the class of each architecture it loads (Qwen2's, for the math model), and a model of that
    class loaded by transformers lacks what that forward needs (``max_seq_length``, its
    caches): generation would fail deep inside Unsloth. On Colab the judges are other
    architectures (Qwen3, Llama); offline, a math-shaped stand-in as judge would hit this."""
    forward = type(model).forward
    if getattr(forward, "__module__", "").startswith("unsloth"):
        raise RuntimeError(
            f"the judge is a {type(model).__name__}, a class Unsloth rewrote when it loaded the "
            f"math model ({forward.__module__}), so transformers cannot generate with it; it came "
            f"from {env}: give the judge a model of its own architecture with "
            f"{JUDGE_PATH_ENV}=DIR (`python benchmarks/gpu/make_random_model.py DIR --shape "
            "qwen3guard-0.6b` writes one)"
        )


def load_judge(profile: Profile, name: str = DEFAULT_JUDGE) -> Judge:
    """The named guard model, with the batch that fits this GPU (``GuardSpec.batch_size``); on
    smoke, the tiny local model stands in (its verdicts are meaningless: it exercises rendering,
    generation and parsing, nothing more)."""
    if name not in JUDGES:
        raise ValueError(f"unknown judge {name!r}: choose one of {sorted(JUDGES)}")
    spec = JUDGES[name]
    if profile.is_smoke:
        model, tokenizer = load_model(profile)
        return Judge(
            model.eval(),
            tokenizer,
            GuardSpec(model_id="tiny-local", parse=spec.parse, gated=False, content_parts=False),
        )
    require_gpu()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    # offline: the judge's own folder, else the one every model loads from
    env = JUDGE_PATH_ENV if os.environ.get(JUDGE_PATH_ENV) else MODEL_PATH_ENV
    source = model_source(profile, spec.model_id, env)
    token = require_token(spec.model_id) if spec.gated and source == spec.model_id else None
    bf16, gpu_gib = supports_bf16(), gpu_memory_gib()
    batch = spec.batch_size(gpu_gib, bf16=bf16)  # before loading: a judge too big stops here
    options = judge_load_options(spec, bf16)
    tokenizer = ensure_pad_token(AutoTokenizer.from_pretrained(source, token=token))
    model = AutoModelForCausalLM.from_pretrained(source, device_map="cuda", token=token, **options)
    refuse_unsloth_forward(model, env)
    estimate = spec.memory_gib(batch, TOKENS_PER_PAIR, bf16)
    print(f"{spec.model_id}: batches of {batch}, ~{estimate:.1f} of {gpu_gib:.1f} GiB (estimate)")
    return Judge(model.eval(), tokenizer, spec, batch)
