import json

import pytest

from helpers.files import check_unique_ids, fingerprint, read_csv, read_jsonl


def write(path, data: bytes):
    path.write_bytes(data)
    return path


def test_a_byte_order_mark_is_skipped_in_jsonl_and_csv(tmp_path):
    jsonl = write(tmp_path / "rows.jsonl", b'\xef\xbb\xbf{"id": "a", "question": "q"}\n')
    assert read_jsonl(jsonl) == [{"id": "a", "question": "q"}]
    csv_file = write(tmp_path / "rows.csv", b"\xef\xbb\xbfid,question\r\na,q\r\n")
    assert read_csv(csv_file, ("id", "question")) == [{"id": "a", "question": "q"}]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("rows.jsonl", b'{"id": "a"}\n{"id": "\xe9"}\n', "line 2: byte 0xe9 is not UTF-8; save"),
        ("rows.csv", b"id,question\na,\xff\n", "line 2: byte 0xff is not UTF-8"),
        ("rows.jsonl", b'{"id": "a"}\n{"id": \n{"id": "c"}\n', "line 2: not valid JSON .*fix or"),
        ("rows.jsonl", b'{"id": "a"}\n[1, 2]\n', "line 2: a JSON object"),
    ],
)
def test_a_bad_byte_or_line_is_named_with_its_file_and_line(tmp_path, name, data, message):
    path = write(tmp_path / name, data)
    with pytest.raises(ValueError, match=f"{name}, {message}"):
        read_csv(path, ("id",)) if name.endswith(".csv") else read_jsonl(path)


def test_a_line_cut_off_mid_write_is_dropped_with_a_warning_and_nothing_else(tmp_path):
    complete = b'{"id": "a"}\n{"id": "b"}\n'
    path = write(tmp_path / "results.jsonl", complete + b'{"id": "c", "resp')
    with pytest.warns(UserWarning, match="dropped line 3, cut off mid-write"):
        assert [r["id"] for r in read_jsonl(path, tail="drop")] == ["a", "b"]
    assert path.read_bytes() == complete  # the next append starts on a fresh line
    with pytest.raises(ValueError, match="line 3"):  # a data file: an error, not a guess
        read_jsonl(write(tmp_path / "data.jsonl", complete + b'{"id": "c"'))


def test_a_bad_line_in_the_middle_is_never_dropped(tmp_path):
    path = write(tmp_path / "results.jsonl", b'{"id": "a"}\n{"id": \n{"id": "c"}\n')
    with pytest.raises(ValueError, match="line 2"):
        read_jsonl(path, tail="drop")
    assert path.read_bytes().count(b"\n") == 3  # untouched


def test_a_csv_without_a_needed_column_names_it(tmp_path):
    path = write(tmp_path / "p.csv", b"id,text\na,b\n")
    with pytest.raises(ValueError, match=r"p.csv: lacks columns \['question'\]"):
        read_csv(path, ("id", "question"))


def test_duplicate_ids_are_named_with_both_rows():
    rows = [{"id": "a"}, {"id": "b"}, {"id": "a"}]
    with pytest.raises(ValueError, match="rows 0 and 2 share the id 'a'"):
        check_unique_ids(rows, "val.jsonl")
    with pytest.raises(ValueError, match="row 1 has no 'id'"):
        check_unique_ids([{"id": "a"}, {}], "val.jsonl")


def test_fingerprint_depends_on_content_not_key_order():
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint(json.loads('{"b": [1, 2], "a": 1}'))
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})
