import json
from pathlib import Path

import pytest

from helpers.aime import (
    FIXTURE_SOURCES,
    AimeProblem,
    aime_splits,
    answer_range_counts,
    check_disjoint,
    classify_aime_error,
    load_aime,
    merge,
    parse_answers,
    split_name,
)

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "aime"
REAL_SOURCES = {
    "aime_1983_2024": REAL / "AIME_Dataset_1983_2024.csv",
    "aimo_validation": REAL / "aimo-validation-aime.jsonl",
    "aime_2025": [REAL / "aime2025-I.jsonl", REAL / "aime2025-II.jsonl"],
}


def test_fixtures_keep_the_real_files_quirks():
    raw = FIXTURE_SOURCES["aime_1983_2024"].read_bytes()
    assert b"\r\n" in raw and not raw.endswith(b"\n")  # CRLF, no trailing newline
    assert b"080 or 081 (both were accepted)" in raw
    aimo = [json.loads(line) for line in FIXTURE_SOURCES["aimo_validation"].open()]
    assert isinstance(aimo[0]["id"], int) and "035" != aimo[3]["answer"] == "35"


def test_csv_loader_reads_parts_numbers_and_multi_answers():
    problems = {p.id: p for p in load_aime(FIXTURE_SOURCES["aime_1983_2024"], "aime_1983_2024")}
    assert len(problems) == 15
    assert problems["1983-1"].part is None and problems["2001-II-4"].part == "II"
    assert problems["2022-II-8"].answers == {80, 81}
    assert problems["2023-I-2"].answers == {0}
    assert "\n" in problems["1999-3"].problem  # a quoted multi-line question survives
    assert all(p.solution is None for p in problems.values())


def test_aimo_loader_reads_year_part_number_from_the_url():
    problems = load_aime(FIXTURE_SOURCES["aimo_validation"], "aimo_validation")
    assert [p.key for p in problems][:2] == [(2022, "I", 1), (2022, "II", 8)]
    assert problems[0].answers == {33} and problems[3].answers == {35}
    assert all(p.solution for p in problems)


def test_2025_loader_numbers_rows_in_order_and_needs_a_part(tmp_path):
    problems = load_aime(FIXTURE_SOURCES["aime_2025"][1], "aime_2025", part="II")
    assert [p.id for p in problems] == ["2025-II-1", "2025-II-2", "2025-II-3"]
    assert load_aime(FIXTURE_SOURCES["aime_2025"][1]) == problems  # kind and part inferred
    unnamed = write(tmp_path, "exam.jsonl", FIXTURE_SOURCES["aime_2025"][1].read_text())
    with pytest.raises(ValueError, match="needs part='I' or part='II'"):
        load_aime(unnamed)


def test_kind_is_inferred_from_the_columns():
    for kind in ("aime_1983_2024", "aimo_validation"):
        assert load_aime(FIXTURE_SOURCES[kind]) == load_aime(FIXTURE_SOURCES[kind], kind)


def test_unknown_columns_are_named(tmp_path):
    path = write(tmp_path, "other.jsonl", '{"q": "What?", "a": "1"}\n')
    with pytest.raises(ValueError, match=r"columns \['a', 'q'\], which match no AIME source"):
        load_aime(path)


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


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_missing_column_names_the_columns_needed(tmp_path):
    path = write(tmp_path, "bad.csv", "ID,Year,Question,Answer,Part\r\n1983-1,1983,Q,5,")
    with pytest.raises(ValueError, match=r"lacks columns \['Problem Number'\]"):
        load_aime(path, "aime_1983_2024")


def test_year_outside_the_contest_names_the_row(tmp_path):
    header = "ID,Year,Problem Number,Question,Answer,Part\r\n"
    path = write(tmp_path, "bad.csv", header + "1982-1,1982,1,Q,5,")
    with pytest.raises(ValueError, match=r"row 0 \(ID 1982-1\): year 1982 is outside 1983-2025"):
        load_aime(path, "aime_1983_2024")


def test_merge_keeps_the_solution_and_every_accepted_answer():
    csv = load_aime(FIXTURE_SOURCES["aime_1983_2024"], "aime_1983_2024")
    aimo = load_aime(FIXTURE_SOURCES["aimo_validation"], "aimo_validation")
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
    splits = aime_splits(FIXTURE_SOURCES)
    assert splits.counts() == {"train": 12, "validation": 4, "test": 6}
    assert {p.year for p in splits.validation} == {2020, 2021}
    assert {p.year for p in splits.test} == {2025}
    ids = [p.id for split in (splits.train, splits.validation, splits.test) for p in split]
    assert len(ids) == len(set(ids))


def test_training_targets_end_with_the_final_answer_line():
    for problem in aime_splits(FIXTURE_SOURCES).train:
        assert problem.target.endswith(f"The final answer is \\boxed{{{problem.answer}}}")
        assert (problem.target != problem.target.splitlines()[-1]) == bool(problem.solution)


def test_shuffle_spreads_the_solutions_and_is_seeded():
    first = [p.id for p in aime_splits(FIXTURE_SOURCES, seed=1).train]
    assert first == [p.id for p in aime_splits(FIXTURE_SOURCES, seed=1).train]
    assert first != [p.id for p in aime_splits(FIXTURE_SOURCES, seed=2).train]
    assert first != sorted(first)


def test_a_problem_in_two_splits_is_caught():
    splits = aime_splits(FIXTURE_SOURCES)
    twin = AimeProblem(2019, "I", 99, splits.validation[0].problem, frozenset({1}), None, "x")
    splits.train.append(twin)
    with pytest.raises(ValueError, match="in both train and validation"):
        check_disjoint(splits)


def test_aime_errors_and_answer_ranges():
    row = {"answers": [80, 81]}
    assert classify_aime_error(81, row, False) is None
    assert classify_aime_error(None, row, True) == "truncated"
    assert classify_aime_error(None, row, False) == "format"
    assert classify_aime_error(1665, row, False) == "out_of_range"
    assert classify_aime_error(-3, row, False) == "out_of_range"
    assert classify_aime_error(82, row, False) == "wrong"
    records = [{"extracted": v} for v in (None, 5, 1000, -1, 999)]
    assert answer_range_counts(records) == {"no answer": 1, "in 0-999": 2, "outside 0-999": 2}


@pytest.mark.skipif(not REAL.exists(), reason="the real AIME files live in ../shared/data/real")
def test_real_sources_give_the_seeds_counts():
    splits = aime_splits(REAL_SOURCES)
    assert splits.counts() == {"train": 890, "validation": 60, "test": 30}
    assert splits.report.total == 980 and len(splits.report.dropped) == 73
    assert sum(p.solution is not None for p in splits.train) == 90
