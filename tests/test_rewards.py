import pytest

from helpers.inequality_splits import load_split
from helpers.rewards import correctness_reward, format_reward
from helpers.tasks.aime import AIME
from helpers.tasks.inequalities import INEQUALITIES

ROW = load_split("train", 400)[0]


def chat(text):
    return [{"role": "assistant", "content": text}]


@pytest.mark.parametrize(
    ("text", "correct", "well_formed"),
    [
        (f"Move the terms ... so {ROW['answer']} integers. \\boxed{{{ROW['answer']}}}", 1.0, 1.0),
        (f"\\boxed{{{ROW['answer']}}}.", 1.0, 1.0),  # a full stop after the box is fine
        (f"$\\boxed{{{ROW['answer']}}}$", 1.0, 1.0),
        (f"\\boxed{{{ROW['answer'] + 1}}}", 0.0, 1.0),  # well formed, wrong
        (f"The answer is {ROW['answer']}.", 0.0, 0.0),  # no box: evaluation reads nothing
        (f"\\boxed{{{ROW['answer'] + 1}}} or \\boxed{{{ROW['answer']}}}", 1.0, 0.0),  # hedged
        (f"\\boxed{{{ROW['answer']}}} because the bound is 4", 1.0, 0.0),  # box not at the end
        ("\\boxed{x > 3}", 0.0, 0.0),  # not an integer
        ("", 0.0, 0.0),
    ],
)
def test_each_reward_scores_what_evaluation_reads(text, correct, well_formed):
    for completion in (chat(text), text):  # conversational and plain prompts
        assert correctness_reward(INEQUALITIES)([completion], answer=[ROW["answer"]]) == [correct]
        assert format_reward()([completion]) == [well_formed]


def test_correctness_is_the_tasks_own_judgement_row_by_row():
    texts = ["\\boxed{051}", "\\boxed{52}", "\\boxed{7}"]
    columns = {"answer": [51, 51, 8], "answers": [[51], [51, 52], [8]]}  # AIME accepts a set
    rows = [{name: values[i] for name, values in columns.items()} for i in range(len(texts))]
    expected = [
        float(AIME.grade(text, row)["correct"]) for text, row in zip(texts, rows, strict=True)
    ]
    assert expected == [1.0, 1.0, 0.0]
    assert correctness_reward(AIME)([chat(t) for t in texts], **columns) == expected


def test_reward_functions_have_the_names_trl_logs():
    assert correctness_reward(INEQUALITIES).__name__ == "correct"
    assert format_reward().__name__ == "well_formed"


def test_trls_own_keywords_are_not_read_as_columns():
    completions = [chat(f"\\boxed{{{ROW['answer']}}}"), chat("\\boxed{0}")]
    extras = {"trainer_state": object(), "log_metric": print, "prompts": ["a", "b"]}
    rewards = correctness_reward(INEQUALITIES)(completions, answer=[ROW["answer"]] * 2, **extras)
    assert rewards == [1.0, float(ROW["answer"] == 0)]


def test_correct_logs_the_share_of_groups_holding_a_right_and_a_wrong_answer():
    """TRL samples a prompt's group together and hands ``log_metric`` to reward functions: the
    share of mixed groups (the ones GRPO learns correctness from) is logged each step."""
    right, wrong = chat(f"\\boxed{{{ROW['answer']}}}"), chat(f"\\boxed{{{ROW['answer'] + 1}}}")
    logged = {}
    rewards = correctness_reward(INEQUALITIES)(
        [right, wrong, right, right, wrong, wrong],
        prompts=["mixed", "mixed", "all right", "all right", "all wrong", "all wrong"],
        answer=[ROW["answer"]] * 6,
        log_metric=logged.__setitem__,
    )
    assert rewards == [1.0, 0.0, 1.0, 1.0, 0.0, 0.0]
    assert logged == {"groups_right_and_wrong": 1 / 3}
