r"""The one place that builds chat messages, for training and for evaluation alike.

Training and evaluation must show the model the same text up to the start of its answer, so
both call ``build_messages``. One training example in TRL's conversational prompt-completion
format:

    {"prompt": [{"role": "system", "content": "Please reason step by step, ..."},
                {"role": "user", "content": "For how many integers $x$ in the range ..."}],
     "completion": [{"role": "assistant", "content": "\\boxed{51}"}]}

TRL trains on the completion only; evaluation renders ``prompt`` with the generation prompt.
"""

from __future__ import annotations

from collections.abc import Sequence

# Qwen2.5-Math's own system prompt: step-by-step reasoning and a \boxed{} final answer, as the
# seed asks for (Ely, Part I: "a system message requesting step-by-step reasoning and a boxed
# final answer").
SYSTEM_PROMPT = "Please reason step by step, and put your final answer within \\boxed{}."


def build_messages(
    question: str,
    answer: str | None = None,
    system: str | None = SYSTEM_PROMPT,
    exemplars: Sequence[tuple[str, str]] = (),
) -> list[dict[str, str]]:
    """System turn (None: the chat template's default), optional few-shot (question, answer)
    turns, the question, and the answer when given (training) or nothing (evaluation)."""
    messages = [{"role": "system", "content": system}] if system is not None else []
    for shot_question, shot_answer in exemplars:
        messages.append({"role": "user", "content": shot_question})
        messages.append({"role": "assistant", "content": shot_answer})
    messages.append({"role": "user", "content": question})
    if answer is not None:
        messages.append({"role": "assistant", "content": answer})
    return messages


def prompt_completion(
    question: str,
    answer: str,
    system: str | None = SYSTEM_PROMPT,
    exemplars: Sequence[tuple[str, str]] = (),
) -> dict[str, list[dict[str, str]]]:
    """A training example in TRL's conversational prompt-completion format."""
    messages = build_messages(question, answer, system, exemplars)
    return {"prompt": messages[:-1], "completion": messages[-1:]}


def render_prompt(
    tokenizer,
    question: str,
    system: str | None = SYSTEM_PROMPT,
    exemplars: Sequence[tuple[str, str]] = (),
) -> str:
    """The exact text the model sees at evaluation, ending where its answer starts."""
    return tokenizer.apply_chat_template(
        build_messages(question, None, system, exemplars),
        tokenize=False,
        add_generation_prompt=True,
    )


def ensure_pad_token(tokenizer):
    """Give a tokenizer without a pad token (Llama 3's, so Llama Guard's) its end-of-sequence
    token as pad, so prompts can be batched; padding goes left, where generation ignores it."""
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
        tokenizer.padding_side = "left"
    return tokenizer
