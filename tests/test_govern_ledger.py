"""Tests for pluralign.govern.Ledger: an SQLite hash chain that detects tampering and names the
entry, and stays one chain under concurrent writers from several processes."""

from __future__ import annotations

import hashlib
import itertools
import json
import multiprocessing as mp
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pluralign.errors import InputError
from pluralign.govern import Ledger, LedgerHead, LedgerIntegrityError, LedgerKeyError
from pluralign.govern.ledger import GENESIS, canonical_json, entry_hash

COLS = ("idx", "time", "kind", "actor", "payload", "prev", "hash", "mac")


def filled(path: Path | None = None, n: int = 5, **kw) -> Ledger:
    led = Ledger(path, **kw)
    for i in range(n):
        led.append(
            "decision",
            {"i": i, "rule": "schulze", "result": ["a", "b"][i % 2]},
            actor=f"actor{i}",
            time=f"2026-01-0{i + 1}T00:00:00+00:00",
        )
    return led


def sql(p: Path, *statements: tuple[str, tuple]) -> None:
    """What someone with write access to the file can do: run SQL on it directly."""
    con = sqlite3.connect(p, isolation_level=None)
    try:
        for q, args in statements:
            con.execute(q, args)
    finally:
        con.close()


def rows(p: Path) -> list[tuple]:
    con = sqlite3.connect(p)
    try:
        return con.execute(f"SELECT {', '.join(COLS)} FROM entries ORDER BY id").fetchall()
    finally:
        con.close()


def rewrite(p: Path, new_rows: list[tuple]) -> None:
    """Rebuild the entries table (without its UNIQUE constraints) holding ``new_rows``."""
    con = sqlite3.connect(p, isolation_level=None)
    try:
        con.execute("DROP TABLE entries")
        con.execute(f"CREATE TABLE entries (id INTEGER PRIMARY KEY, {', '.join(COLS)})")
        con.executemany(
            f"INSERT INTO entries ({', '.join(COLS)}) VALUES (?,?,?,?,?,?,?,?)", new_rows
        )
    finally:
        con.close()


def named(p: Path) -> int:
    """The entry index verify() names (and first_bad() agrees)."""
    with pytest.raises(LedgerIntegrityError) as e:
        Ledger(p, verify=False).verify()
    assert Ledger(p, verify=False).first_bad() == e.value.index
    return e.value.index


def test_hash_is_sha256_of_canonical_json() -> None:
    led = filled(n=2)
    e = led[0]
    content = {
        "index": 0,
        "time": "2026-01-01T00:00:00+00:00",
        "kind": "decision",
        "actor": "actor0",
        "payload": {"i": 0, "rule": "schulze", "result": "a"},
        "prev": GENESIS,
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    assert e.hash == hashlib.sha256(text.encode()).hexdigest()
    assert led[1].prev == e.hash and led[1].index == 1
    assert led.head() == (1, led[1].hash) == LedgerHead(index=1, hash=led[1].hash)
    assert led.verify() == 2
    assert Ledger().head() == (-1, GENESIS)


def test_file_is_sqlite_in_wal_mode(tmp_path: Path) -> None:
    p = tmp_path / "ledger.sqlite"
    led = filled(p)
    assert p.read_bytes()[:16] == b"SQLite format 3\x00"
    con = sqlite3.connect(p)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 5
    stored = con.execute("SELECT payload, prev, hash FROM entries WHERE idx = 2").fetchone()
    con.close()
    assert stored == ('{"i":2,"result":"a","rule":"schulze"}', led[1].hash, led[2].hash)


def test_file_roundtrip_load_save_and_jsonl_export(tmp_path: Path) -> None:
    p = tmp_path / "ledger.sqlite"
    led = filled(p)
    again = Ledger.load(p)
    assert [e.hash for e in again] == [e.hash for e in led]
    again.append("note", {"x": 1})
    assert again.verify() == 6
    assert led.verify() == 6 and len(led) == 6  # every read sees the file
    mem = filled()
    mem.save(tmp_path / "copy.sqlite")
    assert Ledger.load(tmp_path / "copy.sqlite").head() == mem.head()
    with pytest.raises(InputError, match="append-only"):
        mem.save(tmp_path / "copy.sqlite")
    with pytest.raises(InputError, match="no ledger file"):
        Ledger.load(tmp_path / "missing.sqlite")
    # JSON lines export: one canonical object per entry, re-verifiable without the database
    assert led.export_jsonl(tmp_path / "l.jsonl") == 6
    text = (tmp_path / "l.jsonl").read_text()
    lines = text.splitlines()
    assert [json.loads(x)["hash"] for x in lines] == [e.hash for e in led]
    assert Ledger.verify_jsonl(text, expected_head=led.head()) == 6
    d = json.loads(lines[3])
    d["payload"]["x"] = 2
    bad = "\n".join(lines[:3] + [canonical_json(d).decode()] + lines[4:]) + "\n"
    with pytest.raises(LedgerIntegrityError) as e:
        Ledger.verify_jsonl(bad)
    assert e.value.index == 3
    with pytest.raises(LedgerIntegrityError) as e:
        Ledger.verify_jsonl("\n".join(lines[:2] + lines[3:]) + "\n")
    assert e.value.index == 2
    with pytest.raises(InputError, match="exists"):
        led.export_jsonl(tmp_path / "l.jsonl")


def test_modified_deleted_swapped_inserted_rows_are_named(tmp_path: Path) -> None:
    p = tmp_path / "l.sqlite"
    filled(p)
    orig = rows(p)

    def reset() -> None:
        rewrite(p, orig)
        assert Ledger(p).verify() == 5

    # flip one byte of a stored field (entry 2's payload): its hash no longer matches
    flip = (
        'UPDATE entries SET payload = replace(payload, \'"result":"a"\', '
        '\'"result":"b"\') WHERE idx = 2'
    )
    sql(p, (flip, ()))
    assert named(p) == 2
    reset()
    # edit the actor of entry 0 and recompute its hash: the link from entry 1 breaks
    d = dict(zip(("index", "time", "kind", "actor", "payload", "prev"), orig[0][:6]))
    d["actor"], d["payload"] = "mallory", json.loads(d["payload"])
    sql(p, ("UPDATE entries SET actor = 'mallory', hash = ? WHERE idx = 0", (entry_hash(d),)))
    assert named(p) == 1
    # delete a row (entry 3) with plain SQL
    reset()
    sql(p, ("DELETE FROM entries WHERE idx = 3", ()))
    assert named(p) == 3
    # delete the first entry
    rewrite(p, orig[1:])
    assert named(p) == 0
    # swap entries 1 and 2
    rewrite(p, [orig[0], orig[2], orig[1], *orig[3:]])
    assert named(p) == 1
    # insert a copy of entry 1 after it
    rewrite(p, [*orig[:2], orig[1], *orig[2:]])
    assert named(p) == 2
    # insert a forged, self-consistent entry at position 2 (renumbering the rest)
    fake = {
        "index": 2,
        "time": orig[2][1],
        "kind": "decision",
        "actor": "mallory",
        "payload": {"forged": True},
        "prev": orig[1][6],
    }
    forged = (
        2,
        fake["time"],
        "decision",
        "mallory",
        '{"forged":true}',
        fake["prev"],
        entry_hash(fake),
        None,
    )
    rewrite(p, [*orig[:2], forged, *[(r[0] + 1, *r[1:]) for r in orig[2:]]])
    assert named(p) == 3  # the forged entry checks, the old entry 2 no longer links to it
    # a changed type in a stored field
    reset()
    sql(p, ("UPDATE entries SET idx = '1' WHERE idx = 1", ()))
    assert named(p) == 1
    # same JSON content, different bytes (a space after a colon)
    reset()
    sql(p, ("UPDATE entries SET payload = replace(payload, '\":', '\": ') WHERE idx = 4", ()))
    assert named(p) == 4
    # remove whole entries from the end: a valid shorter chain, caught by the head the file
    # records (and by a published anchor, even when the head row was rolled back too)
    reset()
    head = Ledger(p).head()
    sql(p, ("DELETE FROM entries WHERE idx >= 3", ()))
    with pytest.raises(LedgerIntegrityError, match="removed from the end") as e:
        Ledger(p)
    assert e.value.index == 3
    short = json.dumps({"hash": orig[2][6], "index": 2}, separators=(",", ":"))
    sql(p, ("UPDATE meta SET value = ? WHERE key = 'head'", (short,)))
    assert Ledger(p).verify() == 3  # the file alone cannot tell
    with pytest.raises(LedgerIntegrityError, match="expected head") as e:
        Ledger(p).verify(expected_head=head)
    assert e.value.index == 3
    rewrite(p, orig)
    head5 = json.dumps({"hash": orig[4][6], "index": 4}, separators=(",", ":"))
    sql(p, ("UPDATE meta SET value = ? WHERE key = 'head'", (head5,)))
    # opening a broken file verifies by default
    rewrite(p, orig[:1] + orig[2:])
    with pytest.raises(LedgerIntegrityError):
        Ledger(p)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_any_single_character_change_in_a_stored_field_is_named(tmp_path_factory, data) -> None:
    p = tmp_path_factory.mktemp("led") / "l.sqlite"
    filled(p, n=4, key="k")
    orig = rows(p)
    i = data.draw(st.integers(0, 3))
    col = data.draw(st.sampled_from([1, 2, 3, 4, 5, 6, 7]))  # every text field
    text = orig[i][col]
    pos = data.draw(st.integers(0, len(text) - 1))
    new = data.draw(st.sampled_from('abcdef0123456789{}[]":,xyz ').filter(lambda c: c != text[pos]))
    changed = list(orig[i])
    changed[col] = text[:pos] + new + text[pos + 1 :]
    rewrite(p, [*orig[:i], tuple(changed), *orig[i + 1 :]])
    with pytest.raises(LedgerIntegrityError) as e:
        Ledger(p, key="k", verify=False).verify()
    # a change in 'prev' is named at its own entry; one in 'hash' at the entry itself too
    assert e.value.index == i


def test_byte_flipped_in_the_file_is_named(tmp_path: Path) -> None:
    p = tmp_path / "l.sqlite"
    filled(p, n=8)  # the last connection closed: the WAL is checkpointed into the file
    raw = bytearray(p.read_bytes())
    at = raw.find(b'{"i":5,')
    assert at > 0 and raw.find(b'{"i":5,', at + 1) == -1
    raw[at + 5] = ord("7")  # "i":5 -> "i":7 inside entry 5's stored payload
    p.write_bytes(bytes(raw))
    assert named(p) == 5


def test_truncated_file_names_the_first_lost_entry(tmp_path: Path) -> None:
    p = tmp_path / "l.sqlite"
    led = Ledger(p)
    for i in range(60):
        led.append("decision", {"i": i, "note": "x" * 300}, actor="a")
    data = p.read_bytes()
    size = len(data)
    for cut in (size // 2, size - 4096):
        q = tmp_path / f"cut{cut}.sqlite"
        q.write_bytes(data[:cut])
        k = named(q)
        assert 0 < k < 60
        assert k > 30 or cut == size // 2  # losing only the last page keeps most entries
        with pytest.raises(
            LedgerIntegrityError, match=f"entries 0..{k - 1} can still be read .* entry {k} onward"
        ):
            Ledger(q)
    assert named_cut_small(tmp_path, data) == 0


def named_cut_small(tmp_path: Path, data: bytes) -> int:
    q = tmp_path / "tiny.sqlite"
    q.write_bytes(data[:50])
    return named(q)


def test_not_a_ledger_file(tmp_path: Path) -> None:
    p = tmp_path / "x.sqlite"
    p.write_text("hello, this is not SQLite\n" * 10)
    with pytest.raises(LedgerIntegrityError) as e:
        Ledger(p)
    assert e.value.index == 0 and "not a pluralign ledger" in str(e.value)
    with pytest.raises(InputError, match="directory"):
        Ledger(tmp_path)


def test_hmac_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "l.sqlite"
    filled(p, key="secret")
    assert Ledger(p, key="secret").verify() == 5
    with pytest.raises(LedgerKeyError, match="wrong key"):
        Ledger(p, key="other")
    monkeypatch.setenv("PLURALIGN_LEDGER_KEY", "secret")
    assert Ledger.load(p, key_env="PLURALIGN_LEDGER_KEY").verify() == 5
    # a forger without the key rewrites the keyed file with a consistent chain (the meta rows
    # kept): the hashes check, the MACs do not
    forged = tmp_path / "forged.sqlite"
    Ledger(p, key="secret").save(forged)
    prev, new_rows = GENESIS, []
    for r in rows(forged):
        d = dict(zip(("index", "time", "kind", "actor", "payload", "prev"), r[:6]))
        d["payload"], d["prev"] = {**json.loads(d["payload"]), "result": "z"}, prev
        prev = entry_hash(d)
        new_rows.append(
            (r[0], r[1], r[2], r[3], canonical_json(d["payload"]).decode(), d["prev"], prev, r[7])
        )
    rewrite(forged, new_rows)
    with pytest.raises(LedgerIntegrityError, match="HMAC") as e:
        Ledger(forged, key="secret")
    assert e.value.index == 0
    # a keyed writer refuses to chain onto a head whose MAC is wrong
    with pytest.raises(LedgerIntegrityError, match="HMAC") as e:
        Ledger(forged, key="secret", verify=False).append("x", {})
    assert e.value.index == 4
    with pytest.raises(InputError, match="not set"):
        Ledger(p, key_env="PLURALIGN_NO_SUCH_VARIABLE")


def test_record_decision() -> None:
    led = Ledger()
    ballots = [["a", "b"], ["b", "a"], ["a", "b"]]
    e = led.record(
        "schulze", ["a", "b"], ballots=ballots, params={"strength": "margin"}, actor="assembly"
    )
    digest = hashlib.sha256(b'[["a","b"],["b","a"],["a","b"]]').hexdigest()
    assert e.kind == "decision" and e.actor == "assembly"
    assert e.payload == {
        "rule": "schulze",
        "params": {"strength": "margin"},
        "result": ["a", "b"],
        "ballots_sha256": digest,
        "ballots": ballots,
    }
    e2 = led.record("median", {"a": 0.5}, ballots=ballots, store_ballots=False)
    assert "ballots" not in e2.payload and e2.payload["ballots_sha256"] == digest
    e3 = led.record("median", {"a": 0.5}, ballots_sha256=digest)
    assert e3.payload["ballots_sha256"] == digest and e3.prev == e2.hash
    with pytest.raises(InputError, match="does not match"):
        led.record("median", 1, ballots=ballots, ballots_sha256="0" * 64)
    with pytest.raises(InputError, match="ballots"):
        led.record("median", 1)
    assert led.verify() == 3


def test_payload_conversion_and_bad_input() -> None:
    led = Ledger()
    e = led.append("x", {"a": np.int64(3), "b": np.array([1.5, 2.0]), "c": (1, 2), "d": {2, 1}})
    assert e.payload == {"a": 3, "b": [1.5, 2.0], "c": [1, 2], "d": [1, 2]}
    assert led[0] == e
    with pytest.raises(InputError, match="non-finite"):
        led.append("x", {"a": float("nan")})
    with pytest.raises(InputError, match="not JSON-serializable"):
        led.append("x", {"a": object()})
    with pytest.raises(InputError, match="keys must be strings"):
        led.append("x", {1: 2})
    with pytest.raises(InputError, match="kind"):
        led.append("", {})
    assert len(led) == 1 and led.verify() == 1


def _writer(path: str, who: int, n: int) -> None:
    led = Ledger(path, verify=False)
    for i in range(n):
        led.append("vote", {"who": who, "i": i}, actor=f"p{who}")


def test_concurrent_processes_extend_one_chain(tmp_path: Path) -> None:
    p = tmp_path / "shared.sqlite"
    Ledger(p)  # created up front; writers also race on creation in the next test
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(p), w, 25)) for w in range(4)]
    for pr in procs:
        pr.start()
    for pr in procs:
        pr.join(120)
        assert pr.exitcode == 0
    led = Ledger.load(p)
    assert led.verify() == 100
    entries = led.entries
    assert [e.index for e in entries] == list(range(100))
    assert all(b.prev == a.hash for a, b in itertools.pairwise(entries))
    seen = sorted((e.payload["who"], e.payload["i"]) for e in entries)
    assert seen == [(w, i) for w in range(4) for i in range(25)]
    for w in range(4):  # each writer's own entries stay in its order
        mine = [e.payload["i"] for e in entries if e.payload["who"] == w]
        assert mine == list(range(25))


def test_concurrent_creation_and_appends(tmp_path: Path) -> None:
    p = tmp_path / "new.sqlite"  # does not exist yet
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(p), w, 5)) for w in range(3)]
    for pr in procs:
        pr.start()
    for pr in procs:
        pr.join(120)
        assert pr.exitcode == 0
    assert Ledger.load(p).verify() == 15


def test_append_onto_a_tampered_head_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "l.sqlite"
    filled(p, n=3)
    sql(p, ("UPDATE entries SET payload = '{\"i\":9}' WHERE idx = 2", ()))
    with pytest.raises(LedgerIntegrityError) as e:
        Ledger(p, verify=False).append("x", {})
    assert e.value.index == 2
    assert len(Ledger(p, verify=False)) == 3  # nothing was appended


# -- issue 17: keyed flag, anchors, missing tables, integrity_check ---------------------------


def test_the_file_records_that_it_is_keyed(tmp_path: Path) -> None:
    p = tmp_path / "k.sqlite"
    filled(p, key="secret")
    con = sqlite3.connect(p)
    meta = dict(con.execute("SELECT key, value FROM meta"))
    con.close()
    assert meta["keyed"] == "1" and len(meta["key_check"]) == 64
    # a keyless open, verify or append of a keyed file is refused
    with pytest.raises(LedgerKeyError, match="keyed"):
        Ledger(p)
    with pytest.raises(LedgerKeyError, match="keyed"):
        Ledger.load(p)
    with pytest.raises(LedgerKeyError, match="keyed"):
        Ledger(p, verify=False).verify()
    with pytest.raises(LedgerKeyError, match="keyed"):
        Ledger(p, verify=False).append("x", {})
    # a wrong key is refused at once, before any entry is read
    with pytest.raises(LedgerKeyError, match="wrong key"):
        Ledger(p, key="other", verify=False)
    # keyed operations on an unkeyed file are refused too
    q = tmp_path / "plain.sqlite"
    filled(q)
    with pytest.raises(LedgerKeyError, match="not a keyed ledger"):
        Ledger(q, key="secret")
    # an empty keyed ledger keeps its mode: a keyless writer cannot start its chain
    e = tmp_path / "empty-keyed.sqlite"
    Ledger(e, key="secret")
    with pytest.raises(LedgerKeyError):
        Ledger(e, verify=False).append("x", {})
    assert len(Ledger(e, key="secret")) == 0
    # stripping the key record and the MACs does not fool a verifier that holds the key
    sql(
        p,
        ("UPDATE entries SET mac = NULL", ()),
        ("UPDATE meta SET value = '0' WHERE key = 'keyed'", ()),
        ("DELETE FROM meta WHERE key = 'key_check'", ()),
    )
    with pytest.raises(LedgerKeyError, match="stripped"):
        Ledger(p, key="secret")
    # reading is still possible without the key (verify=False), the MACs are visible
    assert len(Ledger(q, verify=False)) == 5


def test_jsonl_export_of_a_keyed_ledger_needs_the_key(tmp_path: Path) -> None:
    led = filled(key="secret")
    text = led.to_jsonl()
    assert Ledger.verify_jsonl(text, key="secret", expected_head=led.head()) == 5
    with pytest.raises(LedgerKeyError, match="line 1"):
        Ledger.verify_jsonl(text)


def test_head_is_an_anchor_that_pins_the_tail(tmp_path: Path) -> None:
    p = tmp_path / "a.sqlite"
    led = filled(p, n=5)
    anchor = led.head()
    assert anchor.index == 4 and anchor.length == 5 and anchor.hash == led[4].hash
    assert str(anchor) == f"4:{anchor.hash}" and LedgerHead.parse(str(anchor)) == anchor
    led.append("later", {"x": 1})  # the chain may grow past a published anchor
    assert led.verify(expected_head=anchor) == 6
    assert led.verify(expected_head=str(anchor)) == 6
    assert led.verify(expected_head=(anchor.index, anchor.hash)) == 6
    assert led.verify(expected_head=Ledger().head()) == 6  # the empty anchor pins nothing
    for bad in (
        "nope",
        anchor.hash,
        (4,),
        ("4", anchor.hash),
        (4, "x" * 64),
        (-2, GENESIS),
        (True, anchor.hash),
        4,
    ):
        with pytest.raises(InputError, match="expected_head"):
            led.verify(expected_head=bad)


def test_deleting_the_last_entry_and_appending_is_detected(tmp_path: Path) -> None:
    p = tmp_path / "t.sqlite"
    filled(p, n=5)
    anchor = Ledger(p).head()
    old = rows(p)
    # (1) delete entry 4 with plain SQL: the next append refuses to re-use index 4
    sql(p, ("DELETE FROM entries WHERE idx = 4", ()))
    with pytest.raises(LedgerIntegrityError, match="removed from the end") as e:
        Ledger(p, verify=False).append("replacement", {"x": 1})
    assert e.value.index == 4 and len(Ledger(p, verify=False)) == 4
    # (2) the forger also rolls the file's head row back: the append goes through, and only
    # the published anchor tells that entry 4 was replaced
    head3 = json.dumps({"hash": old[3][6], "index": 3}, separators=(",", ":"))
    sql(p, ("UPDATE meta SET value = ? WHERE key = 'head'", (head3,)))
    new = Ledger(p).append("replacement", {"x": 1})
    assert new.index == 4 and Ledger(p).verify() == 5
    with pytest.raises(LedgerIntegrityError, match="replaced") as e:
        Ledger(p).verify(expected_head=anchor)
    assert e.value.index == 4
    # and cutting it again below the anchor is named as a cut tail
    sql(
        p,
        ("DELETE FROM entries WHERE idx >= 3", ()),
        (
            "UPDATE meta SET value = ? WHERE key = 'head'",
            (json.dumps({"hash": old[2][6], "index": 2}, separators=(",", ":")),),
        ),
    )
    with pytest.raises(LedgerIntegrityError, match="removed from the end") as e:
        Ledger(p).verify(expected_head=anchor)
    assert e.value.index == 3
    # entries added behind the ledger's back (raw SQL, head row not updated) are named too
    q = tmp_path / "u.sqlite"
    filled(q, n=2)
    r = rows(q)[1]
    fake = {"index": 2, "time": r[1], "kind": "x", "actor": None, "payload": {}, "prev": r[6]}
    sql(
        q,
        (
            f"INSERT INTO entries ({', '.join(COLS)}) VALUES (?,?,?,?,?,?,?,?)",
            (2, r[1], "x", None, "{}", r[6], entry_hash(fake), None),
        ),
    )
    with pytest.raises(LedgerIntegrityError, match="added outside") as e:
        Ledger(q)
    assert e.value.index == 2


def test_keyed_head_record_needs_the_key(tmp_path: Path) -> None:
    p = tmp_path / "kh.sqlite"
    filled(p, n=3, key="secret")
    old = rows(p)
    sql(
        p,
        ("DELETE FROM entries WHERE idx = 2", ()),
        (
            "UPDATE meta SET value = ? WHERE key = 'head'",
            (json.dumps({"hash": old[1][6], "index": 1}, separators=(",", ":")),),
        ),
    )
    with pytest.raises(LedgerIntegrityError, match="HMAC on the recorded head"):
        Ledger(p, key="secret")


def test_an_existing_file_without_the_ledger_table_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "d.sqlite"
    filled(p, n=3)
    sql(p, ("DROP TABLE entries", ()))
    for verify in (True, False):
        with pytest.raises(LedgerIntegrityError, match="no entries table"):
            Ledger(p, verify=verify).verify()
    with pytest.raises(LedgerIntegrityError, match="no entries table"):
        Ledger(p, verify=False).append("x", {})
    con = sqlite3.connect(p)
    assert "entries" not in {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    con.close()
    # the meta table gone
    q = tmp_path / "m.sqlite"
    filled(q, n=1)
    sql(q, ("DROP TABLE meta", ()))
    with pytest.raises(LedgerIntegrityError, match="no meta table"):
        Ledger(q)
    # a 0-byte file is not a fresh ledger either, and stays 0 bytes
    z = tmp_path / "zero.sqlite"
    z.write_bytes(b"")
    with pytest.raises(LedgerIntegrityError, match="0-byte"):
        Ledger(z)
    with pytest.raises(LedgerIntegrityError, match="0-byte"):
        Ledger(z, verify=False).append("x", {})
    assert z.stat().st_size == 0
    # an SQLite file made by something else
    o = tmp_path / "other.sqlite"
    sql(o, ("CREATE TABLE t (x)", ()))
    with pytest.raises(LedgerIntegrityError, match="not a pluralign ledger"):
        Ledger(o)


def test_verify_runs_integrity_check(tmp_path: Path) -> None:
    """A damaged UNIQUE index (quick_check passes it) is reported by verify()."""
    p = tmp_path / "i.sqlite"
    filled(p, n=4)
    con = sqlite3.connect(p)
    root = con.execute(
        "SELECT rootpage FROM sqlite_master WHERE type = 'index' AND tbl_name = "
        "'entries' AND name LIKE 'sqlite_autoindex_entries_3'"
    ).fetchone()[0]
    page = con.execute("PRAGMA page_size").fetchone()[0]
    last = con.execute("SELECT hash FROM entries WHERE idx = 3").fetchone()[0]
    con.close()
    raw = bytearray(p.read_bytes())
    lo = (root - 1) * page
    at = raw.find(last.encode(), lo, lo + page)
    assert at >= 0
    raw[at + 63] = ord("0" if last[63] != "0" else "1")  # the index copy of the hash only
    p.write_bytes(bytes(raw))
    con = sqlite3.connect(p)
    assert con.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    assert con.execute("PRAGMA integrity_check").fetchone()[0] != "ok"
    con.close()
    with pytest.raises(LedgerIntegrityError, match="damaged"):
        Ledger(p)
