from helpers.prompts import SYSTEM_PROMPT, build_messages, prompt_completion, render_prompt

QUESTION = "For how many integers $x$ in the range $[-50, 50]$ is the inequality $x < 3$ satisfied?"


def training_text(tokenizer, example):
    return tokenizer.apply_chat_template(example["prompt"] + example["completion"], tokenize=False)


def test_evaluation_prompt_is_the_training_text_up_to_the_assistant_turn(tiny):
    _, tokenizer = tiny
    for target in (r"\boxed{52}", "Move every $x$ term...\n\\boxed{52}"):
        text = training_text(tokenizer, prompt_completion(QUESTION, target))
        prompt = render_prompt(tokenizer, QUESTION)
        assert text.startswith(prompt)
        assert text[len(prompt) :] == target + "<|im_end|>\n"


def test_few_shot_prompts_match_between_training_and_evaluation(tiny):
    _, tokenizer = tiny
    shots = [("What is 2+2?", r"\boxed{4}"), ("What is 3+3?", r"\boxed{6}")]
    text = training_text(tokenizer, prompt_completion(QUESTION, r"\boxed{52}", exemplars=shots))
    prompt = render_prompt(tokenizer, QUESTION, exemplars=shots)
    assert text == prompt + "\\boxed{52}<|im_end|>\n"
    assert prompt.count("<|im_start|>assistant") == 3


def test_chat_template_renders_qwen25_chatml(tiny):
    _, tokenizer = tiny
    assert render_prompt(tokenizer, "Q?") == (
        f"<|im_start|>system\n{SYSTEM_PROMPT}<|im_end|>\n"
        "<|im_start|>user\nQ?<|im_end|>\n"
        "<|im_start|>assistant\n"
    )


def test_messages_carry_system_question_and_optional_answer():
    assert [m["role"] for m in build_messages("Q")] == ["system", "user"]
    assert build_messages("Q", "A")[-1] == {"role": "assistant", "content": "A"}
    example = prompt_completion("Q", "A")
    assert example["completion"] == [{"role": "assistant", "content": "A"}]
