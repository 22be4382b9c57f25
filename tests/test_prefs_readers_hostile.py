"""Issue 17: malformed files give an InputError / SchemaError that names the file and the
1-based line (and column where known); BOM, CRLF, truncated gzip, non-UTF-8 text and JSON values
of the wrong type are handled."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from pluralign import prefs
from pluralign.errors import InputError, SchemaError

ROWS = [{"prompt": f"q{i}", "chosen": f"good {i}", "rejected": f"bad {i}"} for i in range(4)]


def jsonl(rows) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_bom_and_crlf_read_like_plain_files(tmp_path: Path) -> None:
    want = prefs.read_pairs(write(tmp_path, "plain.jsonl", jsonl(ROWS)))
    bom = prefs.read_pairs(write(tmp_path, "bom.jsonl", b"\xef\xbb\xbf" + jsonl(ROWS)))
    crlf = prefs.read_pairs(write(tmp_path, "crlf.jsonl", jsonl(ROWS).replace(b"\n", b"\r\n")))
    assert bom.equals(want) and crlf.equals(want)
    csv = "prompt,chosen,rejected\r\n" + "".join(
        f"{r['prompt']},{r['chosen']},{r['rejected']}\r\n" for r in ROWS
    )
    assert prefs.read_pairs(write(tmp_path, "bom.csv", b"\xef\xbb\xbf" + csv.encode())).equals(want)
    arr = b"\xef\xbb\xbf" + json.dumps(ROWS).encode()
    assert prefs.read_pairs(write(tmp_path, "bom.json", arr)).equals(want)


def test_truncated_gzip_is_a_named_input_error(tmp_path: Path) -> None:
    full = gzip.compress(jsonl(ROWS * 50))
    p = write(tmp_path, "cut.jsonl.gz", full[: len(full) // 2])
    with pytest.raises(InputError, match=r"cut\.jsonl\.gz.*truncated or corrupt"):
        prefs.read_pairs(p)
    q = write(tmp_path, "notgz.csv.gz", b"this is not gzip at all")
    with pytest.raises(InputError, match=r"notgz\.csv\.gz.*gzip"):
        prefs.read_pairs(q)


def test_non_utf8_bytes_name_line_and_column(tmp_path: Path) -> None:
    data = jsonl(ROWS).split(b"\n")
    data[2] = data[2].replace(b"good 2", b"go\xffod 2")
    p = write(tmp_path, "latin.jsonl", b"\n".join(data))
    with pytest.raises(
        InputError, match=r"latin\.jsonl', line 3, column \d+: bytes b'\\xff' are not UTF-8"
    ):
        prefs.read_pairs(p)
    with pytest.raises(InputError, match="line 2, column 1"):
        prefs.read_preflib(write(tmp_path, "x.soc", b"# DATA TYPE: soc\n\xe9\n"))


def test_wrong_json_type_is_an_error_not_text(tmp_path: Path) -> None:
    rows = [dict(r) for r in ROWS]
    rows[2]["chosen"] = 5
    p = write(tmp_path, "num.jsonl", jsonl(rows))
    with pytest.raises(
        InputError,
        match=r"num\.jsonl', line 3, column \d+: field 'chosen' holds "
        r"the non-text value 5",
    ):
        prefs.read_pairs(p)
    rows[2]["chosen"] = {"text": "x"}
    with pytest.raises(InputError, match=r"line 3"):
        prefs.read_pairs(write(tmp_path, "obj.jsonl", jsonl(rows)))
    rows[2]["chosen"] = True
    with pytest.raises(InputError, match=r"\.json', line \d+, column \d+: field 'chosen'"):
        prefs.read_pairs(write(tmp_path, "arr.json", json.dumps(rows, indent=1).encode()))
    # every value a number: a schema error that names the file
    allnum = [{**r, "chosen": i} for i, r in enumerate(ROWS)]
    with pytest.raises(SchemaError, match=r"allnum\.jsonl.*'chosen'"):
        prefs.read_pairs(write(tmp_path, "allnum.jsonl", jsonl(allnum)))


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    lines = jsonl(ROWS).split(b"\n")
    lines[3] = b'{"prompt": "q3", "chosen": "x", "rejected": }'
    with pytest.raises(InputError, match=r"bad\.jsonl', line 4, column 45: not valid JSON"):
        prefs.read_pairs(write(tmp_path, "bad.jsonl", b"\n".join(lines)))
    with pytest.raises(InputError, match=r"line 2: expected one JSON object per line"):
        prefs.read_pairs(write(tmp_path, "list.jsonl", jsonl(ROWS[:1]) + b"[1, 2]\n"))
    with pytest.raises(InputError, match=r"bad\.json', line 3, column \d+: not valid JSON"):
        prefs.read_pairs(write(tmp_path, "bad.json", b'[\n{"a": 1},\n{"a": }\n]'))


def test_row_errors_give_the_file_line(tmp_path: Path) -> None:
    rows = [dict(r) for r in ROWS]
    rows[2]["chosen"] = None
    data = jsonl(rows[:2]) + b"\n   \n" + jsonl(rows[2:])  # blank lines shift the file lines
    p = write(tmp_path, "nulls.jsonl", data)
    with pytest.raises(InputError, match=r"row 2 \(file '.*nulls\.jsonl', line 5\)"):
        prefs.read_pairs(p)
    csv = b"prompt,chosen,rejected\nq0,a,b\nq1,,b\n"
    with pytest.raises(InputError, match=r"row 1 \(file '.*n\.csv', line 3\)"):
        prefs.read_pairs(write(tmp_path, "n.csv", csv))


def test_csv_field_count_names_the_line(tmp_path: Path) -> None:
    csv = b"prompt,chosen,rejected\nq0,a,b\nq1,a,b,extra,more\n"
    with pytest.raises(InputError, match=r"w\.csv', line 3: 5 fields but the header has 3"):
        prefs.read_pairs(write(tmp_path, "w.csv", csv))


def test_missing_columns_name_the_file(tmp_path: Path) -> None:
    p = write(tmp_path, "cols.jsonl", jsonl([{"a": "x"}]))
    with pytest.raises(SchemaError, match=r"read_pairs: file '.*cols\.jsonl': missing column"):
        prefs.read_pairs(p)


def test_preflib_errors_name_the_file_and_line(tmp_path: Path) -> None:
    text = (
        "# DATA TYPE: soc\n# NUMBER ALTERNATIVES: 3\n# NUMBER VOTERS: 2\n"
        "# NUMBER UNIQUE ORDERS: 2\n1: 1, 2, 3\n1: 1, 2, 9\n"
    )
    p = write(tmp_path, "e.soc", text.encode())
    with pytest.raises(InputError, match=r"read_preflib: .*e\.soc.*line 6"):
        prefs.read_preflib(p)
    ok = write(
        tmp_path,
        "ok.soc",
        b"\xef\xbb\xbf"
        + text.replace("9", "3")
        .replace("1: 1, 2, 3\n1: 1, 2, 3", "1: 1, 2, 3\n1: 2, 1, 3")
        .encode(),
    )
    assert prefs.read_preflib(ok).rankings.height == 2
    huge = text.replace("NUMBER ALTERNATIVES: 3", "NUMBER ALTERNATIVES: 1e300")
    with pytest.raises(InputError, match="NUMBER ALTERNATIVES"):
        prefs.read_preflib(write(tmp_path, "h.soc", huge.encode()))


def test_nul_bytes_and_deep_nesting_are_named(tmp_path: Path) -> None:
    """Found by the fuzz harness: a leading NUL made json sniff UTF-16 (UnicodeDecodeError);
    deep nesting raised RecursionError."""
    for name, data in (
        ("nul.json", b"\x00" + json.dumps(ROWS).encode()),
        ("nul.jsonl", b"\x00" + jsonl(ROWS)),
        ("deep.jsonl", b"[" * 5000 + jsonl(ROWS)),
        ("deep.json", b"[" * 5000 + json.dumps(ROWS).encode()),
    ):
        with pytest.raises(InputError, match=name.replace(".", r"\.")):
            prefs.read_pairs(write(tmp_path, name, data))


def test_non_utf8_csv_names_line_and_column(tmp_path: Path) -> None:
    p = write(tmp_path, "bad.csv", b"prompt,chosen,rejected\nq0,go\xffod,bad\n")
    with pytest.raises(InputError, match=r"bad\.csv', line 2, column 6: bytes b'\\xff'"):
        prefs.read_pairs(p)
