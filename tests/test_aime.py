import json
import re
import sys
import types

import pytest

from helpers.files import read_csv, read_jsonl
from helpers.plans.aime import HUB_SIZES, HUB_TOKENS, SIZES, SOLVED
from helpers.runtime import REPO_ROOT
from helpers.tasks.aime import (
    AIME,
    FIXTURE,
    HUB_SOURCES,
    PARTS,
    AimeProblem,
    load_aime,
    parse_answers,
)
from helpers.tasks.aime_solutions import clean_solution, is_signature, unbox
from helpers.tasks.aime_splits import aime_splits, check_disjoint, merge, split_name

REAL = REPO_ROOT.parent / "shared" / "data" / "real" / "aime"
REAL_SOURCES = {
    "aime_1983_2024": REAL / "AIME_Dataset_1983_2024.csv",
    "aimo_validation": REAL / "aimo-validation-aime.jsonl",
    "aime_2025": {"I": REAL / "aime2025-I.jsonl", "II": REAL / "aime2025-II.jsonl"},
}
CSV = FIXTURE["aime_1983_2024"]
PART_II = FIXTURE["aime_2025"]["II"]
HEADER = "ID,Year,Problem Number,Question,Answer,Part\r\n"  # the CSV's, CRLF line end


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def lines(*rows):
    """JSON lines, one object a row."""
    return "".join(json.dumps(row) + "\n" for row in rows)


def test_fixtures_keep_the_real_files_quirks():
    raw = CSV.read_bytes()
    assert b"\r\n" in raw and not raw.endswith(b"\n")  # CRLF, no trailing newline
    assert b"080 or 081 (both were accepted)" in raw
    aimo = [json.loads(line) for line in FIXTURE["aimo_validation"].open()]
    assert isinstance(aimo[0]["id"], int) and "035" != aimo[3]["answer"] == "35"


def test_csv_loader_reads_parts_numbers_and_multi_answers():
    problems = {p.id: p for p in load_aime(CSV, "aime_1983_2024")}
    assert len(problems) == 15
    assert problems["1983-1"].part is None and problems["2001-II-4"].part == "II"
    assert problems["2022-II-8"].answers == {80, 81}
    assert problems["2023-I-2"].answers == {0}
    assert "\n" in problems["1999-3"].problem  # a quoted multi-line question survives
    assert all(p.solution is None for p in problems.values())


def test_aimo_loader_reads_year_part_number_from_the_url():
    problems = load_aime(FIXTURE["aimo_validation"], "aimo_validation")
    assert [p.key for p in problems][:2] == [(2022, "I", 1), (2022, "II", 8)]
    assert problems[0].answers == {33} and problems[3].answers == {35}
    assert all(p.solution for p in problems)


def test_2025_loader_numbers_rows_in_order_with_the_part_it_is_given():
    problems = load_aime(PART_II, "aime_2025", part="II")
    assert [p.id for p in problems] == ["2025-II-1", "2025-II-2", "2025-II-3"]
    as_part_i = load_aime(PART_II, "aime_2025", part="I")  # the name says II: never read
    assert [p.id for p in as_part_i] == ["2025-I-1", "2025-I-2", "2025-I-3"]


def test_kind_is_required():
    with pytest.raises(TypeError, match="kind"):
        load_aime(CSV)


def test_a_2025_part_is_never_read_from_the_file_name():
    with pytest.raises(
        ValueError, match="aime_2025 source is one part: pass part='I' or part='II', not None"
    ):
        load_aime(PART_II, "aime_2025")


def test_a_part_for_a_source_that_names_its_own_is_refused():
    with pytest.raises(
        ValueError,
        match=r"part='I': only aime_2025 takes a part \(aime_1983_2024 rows name theirs\)",
    ):
        load_aime(CSV, "aime_1983_2024", part="I")


def test_an_unknown_kind_names_the_kinds():
    with pytest.raises(ValueError, match=r"kind 'aime' is not one of \['aime_1983_2024'"):
        load_aime(CSV, "aime")


def test_hub_sources_are_read_by_id_config_and_split(monkeypatch):
    local = {HUB_SOURCES[k]: FIXTURE[k] for k in ("aime_1983_2024", "aimo_validation")}
    local |= {HUB_SOURCES["aime_2025"][p]: FIXTURE["aime_2025"][p] for p in PARTS}
    calls = []

    def load_dataset(hub_id, config, split):
        calls.append((hub_id, config, split))
        path = local[hub_id, config]
        return read_csv(path, []) if path.suffix == ".csv" else read_jsonl(path)

    datasets = types.ModuleType("datasets")
    datasets.load_dataset = load_dataset
    monkeypatch.setitem(sys.modules, "datasets", datasets)
    splits = aime_splits()
    assert calls == [
        ("di-zhang-fdu/AIME_1983_2024", None, "train"),
        ("AI-MO/aimo-validation-aime", None, "train"),
        ("opencompass/AIME2025", "AIME2025-I", "test"),
        ("opencompass/AIME2025", "AIME2025-II", "test"),
    ]
    assert splits.counts() == aime_splits(FIXTURE).counts()
    assert {p.source for p in splits.test if p.part == "II"} == {"opencompass/AIME2025:AIME2025-II"}


def test_sources_of_another_shape_name_the_shape_needed():
    old_shape = FIXTURE | {"aime_2025": list(FIXTURE["aime_2025"].values())}
    with pytest.raises(
        ValueError, match=r"shape of HUB_SOURCES, aime_2025 \{'I': ..., 'II': ...\}"
    ):
        aime_splits(old_shape)


@pytest.mark.parametrize(
    ("value", "answers"),
    [
        ("033", {33}),
        (35, {35}),
        ("0", {0}),
        ("080 or 081 (both were accepted)", {80, 81}),
        ([80, 81], {80, 81}),
        ("12, 13 and 14", {12, 13, 14}),
    ],
)
def test_answers_parse_to_sets_of_integers(value, answers):
    assert parse_answers(value, "row") == answers


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("3.5", "not an integer 0-999"),
        ("", "not an integer"),
        ("1000", r"\[1000\] are outside"),
        ("-5", "not an integer"),
        ("seventy", "not an integer"),
    ],
)
def test_bad_answers_name_the_row_and_the_fix(value, message):
    with pytest.raises(ValueError, match=f"row 7: .*{message}"):
        parse_answers(value, "row 7")


def test_missing_column_names_the_columns_needed(tmp_path):
    path = write(tmp_path, "bad.csv", "ID,Year,Question,Answer,Part\r\n1983-1,1983,Q,5,")
    with pytest.raises(ValueError, match=r"lacks columns \['Problem Number'\]"):
        load_aime(path, "aime_1983_2024")


def test_a_later_row_without_a_column_names_that_row(tmp_path):
    rows = [json.loads(line) for line in FIXTURE["aimo_validation"].open()]
    del rows[2]["url"]
    path = write(tmp_path, "aimo.jsonl", lines(*rows))
    with pytest.raises(ValueError, match=r"aimo\.jsonl row 2: lacks columns \['url'\]"):
        load_aime(path, "aimo_validation")


@pytest.mark.parametrize("year", ["1982", "2026", "19x2", ""])
def test_a_year_outside_the_contest_names_the_row(tmp_path, year):
    path = write(tmp_path, "bad.csv", HEADER + f"1982-1,{year},1,Q,5,")
    where = r"bad\.csv row 0 \(ID 1982-1\)"
    with pytest.raises(ValueError, match=f"{where}: year is '{year}', not an integer from 1983"):
        load_aime(path, "aime_1983_2024")


@pytest.mark.parametrize(("year", "part"), [("2005", ""), ("1999", "I"), ("2005", "III")])
def test_a_part_that_does_not_fit_the_year_names_the_row(tmp_path, year, part):
    path = write(tmp_path, "bad.csv", HEADER + f"x,{year},1,Find x.,5,{part}")
    with pytest.raises(
        ValueError, match=rf"bad\.csv row 0 \(ID x\): Part is '?{part}'?.*from 2000"
    ):
        load_aime(path, "aime_1983_2024")


@pytest.mark.parametrize("number", ["7a", "", "0", "16", "3.0"])
def test_a_problem_number_that_is_not_1_to_15_names_the_row(tmp_path, number):
    path = write(tmp_path, "bad.csv", HEADER + f"2001-I-x,2001,{number},Find x.,5,I")
    where = r"bad\.csv row 0 \(ID 2001-I-x\)"
    with pytest.raises(ValueError, match=f"{where}: problem number is '{number}', not an integer"):
        load_aime(path, "aime_1983_2024")


@pytest.mark.parametrize("url", [None, "https://artofproblemsolving.com/wiki/index.php/AIME"])
def test_an_aimo_url_without_year_part_and_number_names_the_row(tmp_path, url):
    row = {"id": 7, "problem": "Find x.", "solution": "x", "answer": "5", "url": url}
    path = write(tmp_path, "aimo.jsonl", lines(row))
    with pytest.raises(ValueError, match=r"aimo\.jsonl row 0 \(id 7\): url .* does not name"):
        load_aime(path, "aimo_validation")


@pytest.mark.parametrize(
    ("kind", "part", "name", "text"),
    [
        ("aime_1983_2024", None, "bad.csv", HEADER + "2001-I-1,2001,1, ,5,I"),
        ("aime_1983_2024", None, "bad.csv", HEADER + "1999-3,1999,3,,5,"),  # no question
        ("aime_2025", "I", "bad.jsonl", lines({"question": None, "answer": "5"})),
        ("aime_2025", "I", "bad.jsonl", lines({"question": "", "answer": "5"})),
    ],
)
def test_an_empty_problem_text_names_the_row(tmp_path, kind, part, name, text):
    path = write(tmp_path, name, text)
    with pytest.raises(ValueError, match=rf"{re.escape(name)} row 0.*: the problem text is empty"):
        load_aime(path, kind, part)


@pytest.mark.parametrize(
    ("kind", "name", "text"),
    [
        ("aimo_validation", "aimo.jsonl", ""),
        ("aimo_validation", "aimo.jsonl", "\n\n"),
        ("aime_1983_2024", "aime.csv", HEADER),
    ],
)
def test_an_empty_source_file_is_refused(tmp_path, kind, name, text):
    path = write(tmp_path, name, text)
    with pytest.raises(ValueError, match=f"{name}: no rows"):
        load_aime(path, kind)


def test_two_rows_of_one_source_with_one_key_name_both_rows(tmp_path):
    rows = "2001-I-1,2001,1,Find 1+1.,2,I\r\n2001-I-1,2001,1,Find 2+2.,4,I\r\n"
    path = write(tmp_path, "bad.csv", HEADER + rows)
    with pytest.raises(ValueError, match=r"bad\.csv.*: rows 0 and 1 share the id '2001-I-1'"):
        load_aime(path, "aime_1983_2024")


def test_a_2025_part_of_more_than_15_rows_is_refused(tmp_path):
    both_parts = lines(*({"question": f"Find {n} + 1.", "answer": str(n + 1)} for n in range(30)))
    path = write(tmp_path, "aime2025-I.jsonl", both_parts)
    with pytest.raises(ValueError, match=r"aime2025-I\.jsonl: 30 rows, but an AIME exam has 15"):
        load_aime(path, "aime_2025", "I")


def test_one_2025_file_given_as_both_parts_is_refused():
    part_i = FIXTURE["aime_2025"]["I"]
    twice = FIXTURE | {"aime_2025": {"I": part_i, "II": part_i}}
    with pytest.raises(
        ValueError, match=r"parts I and II are both .*aime2025-I\.jsonl: give each its own"
    ):
        aime_splits(twice)


def test_2025_parts_that_share_a_problem_text_are_refused(tmp_path):
    part_i = FIXTURE["aime_2025"]["I"]
    copy = write(tmp_path, "aime2025-II.jsonl", part_i.read_text().replace("Find", "FIND  "))
    copied = FIXTURE | {"aime_2025": {"I": part_i, "II": copy}}
    same = r"2025-I-1 \(aime2025-I\.jsonl, test\) and 2025-II-1 \(aime2025-II\.jsonl, test\)"
    with pytest.raises(ValueError, match=f"{same} are the same problem"):
        aime_splits(copied)


def test_a_csv_saved_by_excel_with_a_byte_order_mark_loads(tmp_path):
    path = write(tmp_path, "excel.csv", b"\xef\xbb\xbf" + CSV.read_bytes())
    expected = [p.row() for p in load_aime(CSV, "aime_1983_2024")]
    assert [p.row() for p in load_aime(path, "aime_1983_2024")] == expected


def test_a_jsonl_file_with_a_byte_order_mark_loads(tmp_path):
    aimo = FIXTURE["aimo_validation"]
    path = write(tmp_path, "bom.jsonl", b"\xef\xbb\xbf" + aimo.read_bytes())
    expected = [p.row() for p in load_aime(aimo, "aimo_validation")]
    assert [p.row() for p in load_aime(path, "aimo_validation")] == expected


def test_bytes_that_are_not_utf8_name_the_file_and_line(tmp_path):
    text = b'{"question": "Find x.", "answer": "1"}\n{"question": "Caf\xe9?", "answer": "2"}\n'
    path = write(tmp_path, "latin1.jsonl", text)
    with pytest.raises(ValueError, match=r"latin1\.jsonl, line 2: byte 0xe9 is not UTF-8"):
        load_aime(path, "aime_2025", "I")


def test_a_line_that_is_not_json_names_the_file_and_line(tmp_path):
    text = '{"question": "Find x.", "answer": "1"}\n{"question": "Find y.", "answer": }\n'
    path = write(tmp_path, "broken.jsonl", text)
    with pytest.raises(ValueError, match=r"broken\.jsonl, line 2: not valid JSON"):
        load_aime(path, "aime_2025", "I")


def test_a_source_that_is_no_csv_or_jsonl_file_names_the_fix(tmp_path):
    text_file = write(tmp_path, "aime.txt", HEADER)
    for source in (tmp_path / "nowhere.csv", text_file, "di-zhang-fdu/AIME_1983_2024"):
        with pytest.raises(ValueError, match=r"no \.csv/\.jsonl file at .*an \(id, config\) pair"):
            load_aime(source, "aime_1983_2024")


def test_merge_keeps_the_solution_and_every_accepted_answer():
    csv = load_aime(CSV, "aime_1983_2024")
    aimo = load_aime(FIXTURE["aimo_validation"], "aimo_validation")
    merged, report = merge(csv, aimo)
    by_id = {p.id: p for p in merged}
    assert len(merged) == 15 + 5 - 4 and len(report.dropped) == 4
    assert by_id["2022-II-8"].solution and by_id["2022-II-8"].answers == {80, 81}
    assert report.conflicts == [(2022, "II", 8)]
    assert {source for _, source in report.dropped} == {"AIME_Dataset_1983_2024.csv"}


def test_split_rule_follows_the_seed():
    assert [split_name(y) for y in (1983, 2019, 2020, 2021, 2022, 2024, 2025)] == [
        "train",
        "train",
        "validation",
        "validation",
        "train",
        "train",
        "test",
    ]


def test_fixture_splits_have_the_expected_counts_and_no_overlap():
    splits = aime_splits(FIXTURE)
    assert splits.counts() == {"train": 12, "validation": 4, "test": 6}
    assert {p.year for p in splits.validation} == {2020, 2021}
    assert {p.year for p in splits.test} == {2025}
    ids = [p.id for split in (splits.train, splits.validation, splits.test) for p in split]
    assert len(ids) == len(set(ids))


def test_training_targets_end_with_the_final_answer_line():
    for problem in aime_splits(FIXTURE).train:
        assert problem.target.endswith(f"The final answer is \\boxed{{{problem.answer}}}")
        assert (problem.target != problem.target.splitlines()[-1]) == bool(problem.solution)


def test_shuffle_spreads_the_solutions_and_is_seeded():
    first = [p.id for p in aime_splits(FIXTURE, seed=1).train]
    assert first == [p.id for p in aime_splits(FIXTURE, seed=1).train]
    assert first != [p.id for p in aime_splits(FIXTURE, seed=2).train]
    assert first != sorted(first)


def test_a_problem_in_two_splits_is_caught():
    splits = aime_splits(FIXTURE)
    twin = AimeProblem(2019, "I", 99, splits.validation[0].problem, frozenset({1}), None, "x")
    splits.train.append(twin)
    with pytest.raises(ValueError, match=r"\(x, train\) and .* validation\) are the same problem"):
        check_disjoint(splits)


@pytest.mark.skipif(not REAL.exists(), reason="the real AIME files live in ../shared/data/real")
def test_real_sources_give_the_seeds_counts():
    splits = aime_splits(REAL_SOURCES)
    assert splits.counts() == {"train": 890, "validation": 60, "test": 30}
    assert splits.report.total == 980 and len(splits.report.dropped) == 73
    assert sum(p.solution is not None for p in splits.train) == 90


# Invented solutions in the format of AI-MO/aimo-validation-aime (AoPS wiki pages, headings
# dropped, solutions one after another, signed by their authors).
TWO_SOLUTIONS = (
    "Let $s=a+b$. Then $s^2=49$.\n"
    "So the answer is $\\boxed{049}$.\n"
    "~SomeUser\n"
    "Squaring gives $a^2+2ab+b^2=\\boxed{49}$.\n"
    "~OtherUser"
)


def problem_with(solution):
    return AimeProblem(2023, "I", 4, "Find $s^2$.", frozenset({49}), solution, "aimo.jsonl")


def test_clean_solution_keeps_only_the_first_of_several_solutions():
    assert clean_solution(TWO_SOLUTIONS) == "Let $s=a+b$. Then $s^2=49$.\nSo the answer is $049$."


def test_a_next_solution_right_after_the_boxed_answer_is_dropped_even_unsigned():
    page = "First: $x=\\boxed{7}$.\nA second way: double it, then halve it: $\\boxed{7}$."
    assert clean_solution(page) == "First: $x=7$."


def test_signature_lines_go_before_and_in_the_first_solution():
    page = "By SomeUser\n$x=2$, so $x^2=\\boxed{004}$. ~user\n~ Edited by Other"
    assert clean_solution(page) == "$x=2$, so $x^2=004$."
    assert clean_solution("$y=3$ and $\\boxed{9}$. -westuser") == "$y=3$ and $9$."


def test_a_signature_ends_a_first_solution_that_has_no_box():
    page = "Hence the count is $\\textbf{468}$.\n~SomeUser\nAnother way: $\\boxed{468}$."
    assert clean_solution(page) == "Hence the count is $\\textbf{468}$."


def test_wiki_and_markdown_headings_are_dropped_and_end_the_first_solution():
    page = "== Solution 1 ==\nAdd: $\\boxed{12}$.\n## Solution 2\nMultiply."
    assert clean_solution(page) == "Add: $12$."
    assert clean_solution("Try $x=1$.\nVideo Solution by Someone\nhttps://youtu.be/x") == (
        "Try $x=1$."
    )


def test_a_single_clean_solution_is_unchanged_apart_from_its_box():
    text = (
        "[asy] draw((0,0)--(1,1)); [/asy]\n"
        "By [Ptolemy's theorem](https://example.org/ptolemy),\n"
        "\\[ab + cd = ef.\\]\n"
        "- One case: $-x < 0$.\n"
        "Hence the answer is $\\boxed{\\textbf{(106)}}$."
    )
    assert clean_solution(text) == text.replace("\\boxed{\\textbf{(106)}}", "\\textbf{(106)}")
    assert clean_solution("No box, no signature: $n=5$.") == "No box, no signature: $n=5$."


@pytest.mark.parametrize(
    ("line", "signed"),
    [
        ("~SomeUser", True),
        ("~ by someone (minor edits)", True),
        ("[~~By:user](https://example.org/u)", True),
        ("- user2", True),
        ("-[user](https://example.org/u)", True),
        ("someone@example.com, xyz", True),
        ("- One can count the paths this way.", False),
        ("$-1$", False),
        ("By symmetry, $x=y$.", False),
    ],
)
def test_signature_lines_are_recognised_and_math_is_not(line, signed):
    assert is_signature(line) is signed


def test_unbox_unwraps_nested_braces_and_a_box_left_open():
    assert unbox("$\\boxed{\\frac{1}{2}}$ and \\fbox{3}") == "$\\frac{1}{2}$ and 3"
    assert unbox("cut off: \\boxed{12") == "cut off: 12"


def test_a_target_holds_one_box_its_final_line():
    target = problem_with(TWO_SOLUTIONS).target
    assert target == (
        "Let $s=a+b$. Then $s^2=49$.\nSo the answer is $049$.\n\nThe final answer is \\boxed{49}"
    )
    assert target.count("\\boxed") == 1


def test_a_solution_without_a_box_or_only_signatures_still_gets_the_final_line():
    assert problem_with("So $s^2=49$.").target == "So $s^2=49$.\n\nThe final answer is \\boxed{49}"
    assert problem_with("~SomeUser").target == "The final answer is \\boxed{49}"


def test_the_fixtures_multi_solution_row_trains_on_its_first_solution():
    aimo = {p.id: p for p in load_aime(FIXTURE["aimo_validation"], "aimo_validation")}
    assert aimo["2023-I-2"].target == (
        "Note that $7 \\cdot 11 = 77$ and $77 \\cdot 13 = 1001$.\n"
        "So the product is a multiple of $1001$, and the remainder is $000$.\n\n"
        "The final answer is \\boxed{0}"
    )


@pytest.mark.skipif(not REAL.exists(), reason="the real AIME files live in ../shared/data/real")
def test_every_real_training_target_has_one_box_and_no_signature():
    targets = [p.target for p in aime_splits(REAL_SOURCES).train if p.solution]
    assert len(targets) == 90
    for target in targets:
        assert target.count("\\boxed") == 1 and target.splitlines()[-1].startswith("The final")
        assert not any(is_signature(line) for line in target.splitlines())


@pytest.mark.slow
@pytest.mark.skipif(not REAL.exists(), reason="the real AIME files live in ../shared/data/real")
def test_the_plans_sizes_and_token_counts_are_the_real_datas():
    from helpers.evaluation import generation_budget
    from helpers.local.qwen_offline import qwen25_math_config, qwen25_tokenizer

    tokenizer = qwen25_tokenizer()
    splits = aime_splits(REAL_SOURCES)

    def n_tokens(text):
        return len(tokenizer(text, add_special_tokens=False).input_ids)

    chats = [AIME.messages(p.problem, answer=p.target) for p in splits.train]
    lengths = [n_tokens(tokenizer.apply_chat_template(chat, tokenize=False)) for chat in chats]
    solved = [n for n, p in zip(lengths, splits.train, strict=True) if p.solution]
    prompts = [AIME.prompt(tokenizer, p.problem) for p in splits.validation + splits.test]
    assert splits.counts() == HUB_SIZES and len(solved) == SOLVED
    assert round(sum(lengths) / len(lengths)) == HUB_TOKENS["train_mean"]
    assert round(sum(solved) / len(solved)) == HUB_TOKENS["solved_mean"]
    assert max(n_tokens(prompt) for prompt in prompts) == HUB_TOKENS["longest_prompt"]
    full, lab = SIZES["full"], SIZES["class"]
    assert full.train_problems == len(splits.train) and full.solved_problems == len(solved)
    positions = qwen25_math_config().max_position_embeddings
    assert generation_budget(tokenizer, prompts, full.max_new_tokens, positions)[0] == 3671
    assert generation_budget(tokenizer, prompts, lab.max_new_tokens, positions)[0] == 2048


def test_the_check_size_trains_on_every_fixture_problem_as_smoke_always_has():
    train = aime_splits(FIXTURE).train
    assert SIZES["check"].train_problems >= len(train)
    assert SIZES["check"].solved_problems <= sum(p.solution is not None for p in train)


def test_notebook_03_quotes_the_plans_estimates_for_the_exercises_that_train_and_generate():
    """Exercises 1 and 2 state their T4 cost at each size; those figures are the plan's row."""
    from helpers.plans.t4 import generate_minutes, train_minutes

    text = re.sub(r"\n#\s+", " ", (REPO_ROOT / "nbs_py" / "03_aime.py").read_text())
    training, answering = {}, {}  # exercise 1 trains and answers validation; exercise 2 answers
    for size, plan in SIZES.items():
        new_tokens = min(plan.max_new_tokens, 4096 - HUB_TOKENS["longest_prompt"])
        answering[size] = generate_minutes(HUB_SIZES["validation"], new_tokens, plan.eval_batch)
        solved = min(plan.solved_problems, SOLVED)
        training[size] = train_minutes(solved, 2, HUB_TOKENS["solved_mean"])
        shown = plan.budget(solutions=True)
        row = shown.filter(like="exercise solutions", axis=0)["T4 minutes (estimate)"]
        assert float(row.iloc[0]) == round(training[size] + 2 * answering[size], 1)
    exercise_1 = {size: round(training[size] + answering[size]) for size in ("full", "class")}
    assert f"about {exercise_1['full']} T4 minutes at `full` and {exercise_1['class']} at" in text
    assert f"({round(training['full'])} of them training on the 90 problems" in text
    assert training["check"] + answering["check"] < 1 and "under a minute at `check`" in text
    exercise_2 = {size: round(answering[size]) for size in ("full", "class")}
    assert f"about {exercise_2['full']} T4 minutes at `full`, {exercise_2['class']} at" in text


def test_a_problem_printed_says_its_source_its_accepted_answers_and_whether_it_is_solved():
    problem = AimeProblem(2022, "I", 1, "Find N.", frozenset({33}), "Since ...", "aimo.jsonl")
    assert str(problem) == "2022-I-1 (from aimo.jsonl): accepts 33, with a worked solution\nFind N."
