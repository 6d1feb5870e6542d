import pytest

from helpers.results import ResultsFile, map_resumably

ROWS = [{"id": f"r{i}", "question": f"q{i}"} for i in range(5)]


def echo(batch):
    return [
        {"id": row["id"], "question": row["question"], "out": row["question"] * 2} for row in batch
    ]


def test_other_settings_start_another_file_and_leave_the_first_alone(tmp_path):
    first = ResultsFile.keyed(tmp_path / "base.val", {"max_new_tokens": 24})
    map_resumably(ROWS, first, echo, batch_size=2, desc="", progress=False)
    before = first.path.read_bytes()
    second = ResultsFile.keyed(tmp_path / "base.val", {"max_new_tokens": 48})
    assert second.path != first.path and second.complete(ROWS) is None
    map_resumably(ROWS, second, echo, batch_size=2, desc="", progress=False)
    assert first.path.read_bytes() == before
    assert first.settings_path.read_text() != second.settings_path.read_text()


def test_a_file_whose_settings_file_disagrees_is_refused(tmp_path):
    results = ResultsFile.keyed(tmp_path / "base", {"system": "A"})
    map_resumably(ROWS, results, echo, batch_size=5, desc="", progress=False)
    results.settings_path.write_text('{"system": "B"}')
    with pytest.raises(ValueError, match="not made by the settings asked for. Delete both"):
        results.read()
    results.settings_path.unlink()
    with pytest.raises(ValueError, match="settings file .* is missing"):
        results.read()


def test_a_rerun_after_a_cut_off_write_redoes_only_that_row(tmp_path):
    results = ResultsFile.keyed(tmp_path / "base", {})
    map_resumably(ROWS[:3], results, echo, batch_size=1, desc="", progress=False)
    with results.path.open("a") as f:
        f.write('{"id": "r3", "question": "q3", "ou')  # Colab killed mid-write
    done = []

    def counting(batch):
        done.extend(row["id"] for row in batch)
        return echo(batch)

    with pytest.warns(UserWarning, match="cut off mid-write"):
        records = map_resumably(ROWS, results, counting, batch_size=2, desc="", progress=False)
    assert done == ["r3", "r4"]
    assert [r["id"] for r in records] == [row["id"] for row in ROWS]
    assert len(results.read()) == 5


def test_duplicate_row_ids_are_refused_before_any_work(tmp_path):
    rows = [*ROWS, {"id": "r1", "question": "another"}]
    with pytest.raises(ValueError, match="rows 1 and 5 share the id 'r1'"):
        map_resumably(rows, ResultsFile.keyed(tmp_path / "b", {}), echo, 2, "", progress=False)
    assert not list(tmp_path.iterdir())


def test_a_record_for_a_changed_question_under_the_same_id_is_refused(tmp_path):
    results = ResultsFile.keyed(tmp_path / "base", {})
    map_resumably(ROWS, results, echo, batch_size=5, desc="", progress=False)
    changed = [*ROWS[:4], {"id": "r4", "question": "regenerated data"}]
    with pytest.raises(ValueError, match="record of 'r4' answers another question"):
        map_resumably(changed, results, echo, batch_size=5, desc="", progress=False)
