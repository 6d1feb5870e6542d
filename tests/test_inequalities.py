import inspect
import itertools
import random
import re

import pytest

from helpers.inequalities import (
    FAITHFUL,
    HARD,
    OPERATORS,
    GeneratorSettings,
    Inequality,
    canonical_form,
    count_by_enumeration,
    count_by_sympy,
    count_solutions,
    format_linear,
    sample_inequality,
    solve,
    worked_solution,
)
from helpers.inequality_splits import (
    DATA_DIR,
    FILE_SIZES,
    NOVEL_SIZES,
    SEED,
    answer_histogram,
    constant_baseline,
    from_row,
    generate_unique,
    has_twin,
    load_split,
    lookup_baseline,
    make_splits,
    to_row,
    write_splits,
)
from helpers.runtime import REPO_ROOT

EDGE_CASES = [
    Inequality(3, 1, "<", 3, 5, -50, 50),  # zero net coefficient, always true
    Inequality(3, 5, "<", 3, 1, -50, 50),  # zero net coefficient, never true
    Inequality(2, 0, "<=", 2, 0, -50, 50),  # 0 <= 0: always true
    Inequality(2, 0, "<", 2, 0, -50, 50),  # 0 < 0: never true
    Inequality(2, -4, "<", 0, 0, -50, 50),  # bound exactly at the integer 2, strict
    Inequality(2, -4, "<=", 0, 0, -50, 50),  # bound exactly at 2, inclusive
    Inequality(-2, 4, ">", 0, 0, -50, 50),  # negative divisor, bound at 2
    Inequality(-2, 4, ">=", 0, 0, -50, 50),
    Inequality(1, 0, ">", 0, 60, -50, 50),  # solutions all above the range: 0
    Inequality(1, 0, "<", 0, -60, -50, 50),  # all below: 0
    Inequality(1, 0, ">=", 0, -60, -50, 50),  # the full range
    Inequality(1, 0, "<=", 0, 50, -50, 50),  # bound at the range's end
    Inequality(5, 3, "<", -4, 1, -30, -10),  # a negative range, wholly inside the solutions
    Inequality(1, 0, ">=", 0, -7, -7, -7),  # a single-point range that holds
    Inequality(1, 0, ">", 0, -7, -7, -7),  # a single-point range that fails
]


def random_problems(n, seed):
    rng = random.Random(seed)
    settings = [FAITHFUL, HARD, GeneratorSettings((-20, 3), (3, 25), (-3, 3), (-40, 40))]
    return [sample_inequality(rng, settings[i % len(settings)]) for i in range(n)]


def test_closed_form_count_matches_brute_force():
    for ineq in EDGE_CASES + random_problems(5000, seed=1):
        assert count_solutions(ineq) == count_by_enumeration(ineq), ineq


def test_closed_form_count_matches_sympy():
    for ineq in EDGE_CASES + random_problems(300, seed=2):
        assert count_solutions(ineq) == count_by_sympy(ineq), ineq


def test_edge_cases_have_the_expected_counts():
    expected = [101, 0, 101, 0, 52, 53, 52, 53, 0, 0, 101, 101, 21, 1, 0]
    assert [count_solutions(ineq) for ineq in EDGE_CASES] == expected


def test_dividing_by_a_negative_flips_the_operator():
    s = solve(Inequality(-2, 0, "<", 0, 6, -50, 50))  # -2x < 6  ->  x > -3
    assert (s.a, s.b, s.op, s.bound) == (-2, 6, ">", -3)
    assert "flipping the inequality" in worked_solution(Inequality(-2, 0, "<", 0, 6, -50, 50))
    assert "flipping" not in worked_solution(Inequality(2, 0, "<", 0, 6, -50, 50))


def test_worked_solution_ends_in_the_boxed_count():
    for ineq in EDGE_CASES + random_problems(500, seed=3):
        last_line = worked_solution(ineq).splitlines()[-1]
        assert last_line == rf"\boxed{{{count_by_enumeration(ineq)}}}"


def test_worked_solution_states_the_integer_interval():
    text = worked_solution(Inequality(5, -10, "<", -4, -2, -50, 50))  # 9x < 8
    assert r"$9x < 8$" in text
    assert r"$x < \frac{8}{9}$" in text
    assert r"$x \le 0$" in text
    assert r"$-50 \le x \le 0$" in text


def test_question_reads_like_the_seed():
    ineq = Inequality(5, -10, "<", -4, -2, -50, 50)
    assert ineq.question == (
        "For how many integers $x$ in the range $[-50, 50]$ is the inequality "
        "$5x - 10 < -4x - 2$ satisfied?"
    )
    assert count_solutions(ineq) == 51  # the seed's own example: \boxed{51}


@pytest.mark.parametrize(
    ("a", "b", "text"),
    [(1, 0, "x"), (-1, 3, "-x + 3"), (4, -2, "4x - 2"), (0, -7, "-7"), (0, 0, "0")],
)
def test_format_linear(a, b, text):
    assert format_linear(a, b) == text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lo_range": (5, 5), "hi_range": (3, 3)}, "lo must be <= hi"),
        ({"coef_range": (5, -5)}, "is empty: write it as"),
        ({"operators": ()}, "operators is empty"),
        ({"operators": ("<", "!=")}, "unknown operators"),
        ({"operators": ("<", "<", ">")}, r"name '<' more than once: .* list each once"),
        ({"coef_range": (2, 2)}, "zero width.*widen it"),
    ],
)
def test_bad_settings_raise_an_error_naming_the_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GeneratorSettings(**kwargs)


def test_asking_for_more_unique_problems_than_exist_raises():
    tiny = GeneratorSettings((0, 0), (3, 3), (0, 1), (0, 0), ("<",))
    with pytest.raises(ValueError, match="allow only 4: ask for fewer"):
        generate_unique(5, tiny, seed=0)
    assert len(generate_unique(4, tiny, seed=0)) == 4


@pytest.mark.parametrize("operators", [OPERATORS, ("<",), ("<", ">"), ("<", "<=", ">")])
def test_n_unique_counts_the_distinct_keys(operators):
    s = GeneratorSettings((-1, 0), (0, 1), (-1, 1), (0, 1), operators)
    keys = {
        Inequality(a1, b1, op, a2, b2, lo, hi).key()
        for a1, a2 in itertools.product(range(-1, 2), repeat=2)
        for b1, b2 in itertools.product(range(2), repeat=2)
        for op in operators
        for lo in (-1, 0)
        for hi in (0, 1)
    }
    assert s.n_unique() == len(keys)


def test_a_problem_and_its_mirror_image_are_one_problem():
    assert Inequality(5, -10, "<", -4, -2, -50, 50).key() == (
        Inequality(-4, -2, ">", 5, -10, -50, 50).key()
    )


def test_generation_is_deterministic_and_seeded():
    assert generate_unique(50, seed=7) == generate_unique(50, seed=7)
    assert generate_unique(50, seed=7) != generate_unique(50, seed=8)


def test_faithful_settings_reproduce_the_seed_distribution():
    problems = generate_unique(4000, FAITHFUL, seed=5)
    assert {(p.lo, p.hi) for p in problems} == {(-50, 50)}
    assert {p.a1 for p in problems} | {p.a2 for p in problems} == set(range(-5, 6))
    assert {p.b1 for p in problems} | {p.b2 for p in problems} == set(range(-10, 11))
    ops = answer_histogram({"answer": p.op} for p in problems)
    assert set(ops) == set(OPERATORS) and min(ops.values()) > 900  # uniform: ~1000 each


def test_hard_settings_vary_the_range():
    problems = generate_unique(500, HARD, seed=5)
    assert len({(p.lo, p.hi) for p in problems}) > 400
    assert all(p.lo <= p.hi for p in problems)


def all_committed_rows():
    return {
        f"{split}_{size}": load_split(split, size)
        for split, sizes in FILE_SIZES.items()
        for size in sizes
    }


def test_every_committed_row_is_verified_by_brute_force():
    for name, rows in all_committed_rows().items():
        for row in rows:
            ineq = from_row(row)
            assert row["answer"] == count_by_enumeration(ineq), (name, row["id"])
            assert row["question"] == ineq.question
            assert row["boxed_answer"] == rf"\boxed{{{row['answer']}}}"
            assert row["solution"].endswith(row["boxed_answer"])


def normalised(question):
    return re.sub(r"\s+", "", question).lower()


def test_no_problem_repeats_inside_or_across_splits():
    largest = {split: load_split(split, max(sizes)) for split, sizes in FILE_SIZES.items()}
    seen = {}
    for rows in largest.values():
        for row in rows:
            for key in (normalised(row["question"]), from_row(row).key()):
                assert key not in seen, (row["id"], seen.get(key))
                seen[key] = row["id"]


def test_small_splits_are_prefixes_of_the_large_ones():
    rows = all_committed_rows()
    assert rows["train_400"] == rows["train_2000"][:400]
    assert rows["val_40"] == rows["val_400"][:40]
    assert rows["test_40"] == rows["test_400"][:40]
    assert [len(r) for r in rows.values()] == [400, 2000, 40, 400, 40, 400, 400, 400]


def test_regenerated_files_are_byte_identical(tmp_path):
    for path in write_splits(tmp_path):
        assert path.read_bytes() == (DATA_DIR / path.name).read_bytes(), path.name


def test_splits_are_disjoint_for_other_seeds_and_settings():
    splits = make_splits(HARD, seed=11)
    keys = [{p.key() for p in problems} for problems in splits.values()]
    assert sum(map(len, keys)) == len(set().union(*keys)) == 2800


def test_load_split_names_the_available_files():
    with pytest.raises(FileNotFoundError, match="choose one of train_400, train_2000"):
        load_split("train", 123)


def test_constant_baseline_is_the_share_of_the_most_common_training_answer():
    train = [{"answer": a} for a in (3, 3, 5)]
    evaluate_on = [{"answer": a} for a in (3, 4, 5, 3)]
    assert constant_baseline(train, evaluate_on) == (3, 0.5)


def test_data_dir_is_the_repo_roots_data_folder():
    assert DATA_DIR == REPO_ROOT / "data" / "inequalities"


def test_write_splits_has_no_default_directory():
    directory = inspect.signature(write_splits).parameters["directory"]
    assert directory.default is inspect.Parameter.empty


def test_write_splits_refuses_to_change_existing_files_and_names_them(tmp_path):
    paths = write_splits(tmp_path)
    before = {path: path.read_bytes() for path in paths}
    message = (
        r"change 8 existing files.*test_40.jsonl.*train_2000.jsonl.*a new directory.*overwrite"
    )
    with pytest.raises(FileExistsError, match=message):
        write_splits(tmp_path, seed=SEED + 1)
    assert {path: path.read_bytes() for path in paths} == before  # not one file was touched


def test_write_splits_writes_identical_files_again_without_complaint(tmp_path):
    first = {path: path.read_bytes() for path in write_splits(tmp_path)}
    assert {path: path.read_bytes() for path in write_splits(tmp_path)} == first


def test_write_splits_replaces_changed_files_when_asked(tmp_path):
    write_splits(tmp_path)
    other = make_splits(seed=SEED + 1)["val"][0]
    write_splits(tmp_path, seed=SEED + 1, overwrite=True)
    assert from_row(load_split("val", 40, tmp_path)[0]) == other


def split_file_lines(name="val_40"):
    return (DATA_DIR / f"{name}.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)


def test_load_split_rejects_duplicate_ids_naming_the_file_and_both_rows(tmp_path):
    lines = split_file_lines()
    lines[5] = lines[5].replace('"id": "val-0005"', '"id": "val-0002"')
    (tmp_path / "val_40.jsonl").write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ValueError, match=r"val_40.jsonl: rows 2 and 5 share the id 'val-0002'"):
        load_split("val", 40, tmp_path)


def test_load_split_reads_a_file_with_a_byte_order_mark(tmp_path):
    (tmp_path / "val_40.jsonl").write_text("\ufeff" + "".join(split_file_lines()), "utf-8")
    assert load_split("val", 40, tmp_path) == load_split("val", 40)


def test_load_split_rejects_a_file_shorter_than_its_name_says(tmp_path):
    (tmp_path / "val_40.jsonl").write_text("".join(split_file_lines()[:39]), encoding="utf-8")
    with pytest.raises(ValueError, match=r"val_40.jsonl holds 39 rows, not 40"):
        load_split("val", 40, tmp_path)


def test_load_split_says_which_sizes_the_split_comes_in():
    with pytest.raises(FileNotFoundError, match=r"train comes in sizes 400 and 2000"):
        load_split("train", 40)  # a size that exists for val and test, not for train


@pytest.mark.parametrize("n", [-1, 2.5])
def test_generate_unique_rejects_a_negative_or_fractional_count(n):
    with pytest.raises(ValueError, match="a whole number of problems, 0 or more"):
        generate_unique(n, seed=0)


def test_generate_unique_of_zero_problems_is_empty():
    assert generate_unique(0, seed=0) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"lo": 5, "hi": 3}, r"range \[5, 3\] is empty"), ({"op": "!="}, "unknown operator '!='")],
)  # 3x + 1 < 3x + 5 over [5, 3] used to count -1 (hi - lo + 1), and "!=" failed much later
def test_an_inequality_with_an_empty_range_or_unknown_operator_is_rejected(kwargs, message):
    parts = {"a1": 3, "b1": 1, "op": "<", "a2": 3, "b2": 5, "lo": -50, "hi": 50} | kwargs
    with pytest.raises(ValueError, match=message):
        Inequality(**parts)


@pytest.mark.parametrize(
    ("train", "evaluate_on", "message"),
    [([], [{"answer": 3}], "no training rows"), ([{"answer": 3}], [], "no rows to evaluate on")],
)
def test_constant_baseline_of_no_rows_says_which_side_is_empty(train, evaluate_on, message):
    with pytest.raises(ValueError, match=message):
        constant_baseline(train, evaluate_on)


def random_problem(rng: random.Random) -> Inequality:
    a1, b1, a2, b2 = (rng.randint(-4, 4) for _ in range(4))
    lo = rng.choice((-6, 0))  # two ranges only, so twins are met often
    return Inequality(a1, b1, rng.choice(OPERATORS), a2, b2, lo, lo + 10)


def test_problems_with_one_canonical_form_have_one_solution_set():
    rng = random.Random(7)
    by_form: dict[tuple, set] = {}
    for _ in range(20_000):
        ineq = random_problem(rng)
        solutions = frozenset(x for x in range(ineq.lo, ineq.hi + 1) if ineq.holds(x))
        by_form.setdefault(canonical_form(ineq), set()).add(solutions)
    assert all(len(sets) == 1 for sets in by_form.values())
    assert len(by_form) < 20_000 / 10  # each form was met many times: the claim was tested


def test_canonical_form_sees_through_moved_terms_and_a_negative_divisor():
    seed_example = Inequality(5, -10, "<", -4, -2, -50, 50)  # 9x < 8
    assert canonical_form(seed_example) == canonical_form(Inequality(-9, 0, ">", 0, -8, -50, 50))
    assert canonical_form(seed_example) != canonical_form(Inequality(9, 0, "<", 0, 8, -50, 49))
    assert canonical_form(Inequality(3, 1, "<", 3, 5, -50, 50))[2] == "always"


def test_the_faithful_distribution_has_1022_forms_and_train_2000_covers_621():
    c, k = FAITHFUL.coef_range, FAITHFUL.const_range
    forms = {
        canonical_form(Inequality(a1, b1, op, a2, b2, -50, 50))
        for a1, a2 in itertools.product(range(c[0], c[1] + 1), repeat=2)
        for b1, b2 in itertools.product(range(k[0], k[1] + 1), repeat=2)
        for op in OPERATORS
    }
    train = {canonical_form(from_row(row)) for row in load_split("train", 2000)}
    assert (len(forms), len(train)) == (1022, 621)


def test_no_novel_problem_has_a_training_twin_and_no_form_is_in_both_novel_splits():
    train = load_split("train", 2000)
    novel = {name: load_split(name, 400) for name in NOVEL_SIZES}
    for name, rows in novel.items():
        assert not any(has_twin(rows, train)), name
        assert all(row["id"] == f"{name}-{i:04d}" for i, row in enumerate(rows))
    val_forms, test_forms = ({canonical_form(from_row(r)) for r in rows} for rows in novel.values())
    assert not val_forms & test_forms


def test_most_of_the_seed_faithful_test_split_has_a_training_twin():
    train, test = load_split("train", 2000), load_split("test", 400)
    assert sum(has_twin(test, train)) / len(test) == pytest.approx(0.86, abs=0.01)
    assert lookup_baseline(train, test) > 4 * constant_baseline(train, test)[1]


def test_lookup_baseline_answers_the_twin_else_the_most_common_answer():
    train = [to_row(Inequality(9, 0, "<", 0, 8, -50, 50), "t0")] * 2 + [
        to_row(Inequality(1, 0, ">", 0, 0, -50, 50), "t1")
    ]  # answers 51, 51, 50
    twin = to_row(Inequality(5, -10, "<", -4, -2, -50, 50), "e0")  # 9x < 8 again: 51
    stranger = to_row(Inequality(1, 0, "<", 0, 10, -50, 50), "e1")  # 60: no twin, guess 51
    assert lookup_baseline(train, [twin, stranger]) == 0.5
    assert has_twin([twin, stranger], train) == [True, False]


def test_a_form_in_words_names_the_range_the_operator_and_the_exact_bound():
    from helpers.inequalities import describe_form

    twin = canonical_form(Inequality(-9, 0, ">", 0, -8, -50, 50))  # -9x > -8: x < 8/9
    assert describe_form(twin) == "x in [-50, 50], x < 8/9"
    cancelled = canonical_form(Inequality(1, 0, ">", 1, 5, -5, 5))  # 0 > 5
    assert describe_form(cancelled) == "x in [-5, 5], never true (the x terms cancel)"


def test_a_solution_in_one_line_keeps_the_operator_as_written_and_flips_it_for_the_bound():
    flipped = solve(Inequality(-2, 7, ">=", 1, -1, -50, 50))  # -3x >= -8
    assert str(flipped) == "-3x >= -8, so x <= 8/3: the integers -50..2, 53 of them"
    empty = solve(Inequality(1, 0, "<", 0, -60, -50, 50))  # x < -60
    assert str(empty) == "x < -60, so x < -60: no integer, 0 of them"
