"""A tamper-evident, append-only record of governance decisions: a hash chain in SQLite.

The ledger is one SQLite file (stdlib :mod:`sqlite3`, write-ahead-log journal) with a table
``entries``, one row per decision::

    id INTEGER PRIMARY KEY   -- insertion order (SQLite rowid)
    idx INTEGER UNIQUE       -- position in the chain, 0-based
    time TEXT, kind TEXT, actor TEXT, payload TEXT (canonical JSON)
    prev TEXT UNIQUE         -- SHA-256 hex of the previous entry (64 zeros for the first)
    hash TEXT UNIQUE         -- SHA-256 hex of the canonical JSON of {index, time, kind, actor,
                             --   payload, prev}
    mac TEXT                 -- HMAC-SHA256(key, hash) (RFC 2104) when the ledger has a key

A decision's payload holds what was decided: the ballot set's SHA-256 (and optionally the
ballots), the rule and its parameters, and the result (:meth:`Ledger.record` builds exactly
that; :class:`~pluralign.govern.Assembly` writes its own richer payload). Canonical JSON: keys
sorted, no whitespace, UTF-8, NaN/Infinity refused. This is the hash-chain ("linked
timestamping") construction of Haber & Stornetta (1991): changing, deleting, inserting or
reordering any entry breaks the ``hash`` of that entry or the ``idx`` / ``prev`` link at that
position, and :meth:`Ledger.verify` names the first entry where the chain breaks (a stored
payload that is not byte-for-byte canonical JSON is named too). Rows that SQLite cannot read
(a truncated or corrupted file) are named by the position where reading stopped. Removing
entries from the *end* leaves a valid shorter chain; to detect that, keep :meth:`Ledger.head`
elsewhere and pass it to ``verify(expected_head=...)``.

Appends run in a ``BEGIN IMMEDIATE`` transaction (the database write lock is taken first), read
the chain's head inside it and insert the next entry, so several processes appending to one
file extend one chain; the ``UNIQUE`` constraints on ``idx`` and ``prev`` make a fork
impossible at the storage level as well.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import json
import math
import os
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pluralign.errors import InputError

__all__ = ["GENESIS", "Ledger", "LedgerEntry", "LedgerIntegrityError"]

GENESIS = "0" * 64
_FIELDS = ("index", "time", "kind", "actor", "payload", "prev")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY,
    idx INTEGER NOT NULL UNIQUE,
    time TEXT NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT,
    payload TEXT NOT NULL,
    prev TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL UNIQUE,
    mac TEXT
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('format', 'pluralign-ledger-1');
"""
_COLUMNS = "idx, time, kind, actor, payload, prev, hash, mac"


class LedgerIntegrityError(InputError):
    """The ledger's hash chain is broken; ``index`` is the first bad entry (0-based position
    in insertion order)."""

    def __init__(self, index: int, reason: str):
        super().__init__(f"ledger entry {index} is invalid: {reason}")
        self.index = index
        self.reason = reason


def _plain(x: Any) -> Any:
    """Convert numpy / tuple / set / Path values to plain JSON types (recursively)."""
    if isinstance(x, Mapping):
        out = {}
        for k, v in x.items():
            if not isinstance(k, str):
                raise InputError(f"ledger payload keys must be strings, got {k!r}")
            out[k] = _plain(v)
        return out
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, (set, frozenset)):
        return sorted((_plain(v) for v in x), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(x, np.ndarray):
        return _plain(x.tolist())
    if isinstance(x, np.generic):
        return _plain(x.item())
    if isinstance(x, Path):
        return str(x)
    if isinstance(x, float) and not math.isfinite(x):
        raise InputError(f"ledger payloads cannot hold non-finite numbers ({x!r})")
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    raise InputError(
        f"ledger payload value of type {type(x).__name__} is not JSON-serializable; "
        "convert it to str, number, bool, list or dict"
    )


def canonical_json(obj: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, no whitespace, UTF-8, no NaN/Infinity."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def entry_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of an entry's content fields and ``prev``."""
    return hashlib.sha256(canonical_json({f: fields[f] for f in _FIELDS})).hexdigest()


@dataclass(frozen=True)
class LedgerEntry:
    """One decision record (see the module docstring for the fields)."""

    index: int
    time: str
    kind: str
    actor: str | None
    payload: dict[str, Any]
    prev: str
    hash: str
    mac: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {f: getattr(self, f) for f in _FIELDS}
        d["hash"] = self.hash
        if self.mac is not None:
            d["mac"] = self.mac
        return d

    def to_json(self) -> str:
        return canonical_json(self.to_dict()).decode("utf-8")


def _key_bytes(key: str | bytes | None) -> bytes | None:
    if key is None:
        return None
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, bytes) or not key:
        raise InputError("ledger key must be a non-empty str or bytes")
    return key


def _mac(key: bytes, digest: str) -> str:
    return hmac.new(key, digest.encode("ascii"), hashlib.sha256).hexdigest()


class Ledger:
    """An append-only, hash-chained decision ledger in an SQLite file (or in memory).

    ``Ledger()`` is an in-memory SQLite database; ``Ledger(path)`` opens (or creates) the file
    and verifies it (``verify=False`` opens a broken file so that :meth:`verify` /
    :meth:`first_bad` can report on it). ``key`` (str/bytes) adds an HMAC-SHA256 to each entry
    and checks it on :meth:`verify`; ``key_env`` names an environment variable holding the key
    (e.g. ``"PLURALIGN_LEDGER_KEY"``). ``timeout``: seconds a writer waits for another
    process's write lock. Reads (``len``, iteration, ``entries``, ``head``) always see the
    current file, including entries appended by other processes.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *,
                 key: str | bytes | None = None, key_env: str | None = None,
                 verify: bool = True, timeout: float = 60.0):
        if key is not None and key_env is not None:
            raise InputError("pass key or key_env, not both")
        if key_env is not None:
            if key_env not in os.environ:
                raise InputError(f"environment variable {key_env!r} (the ledger key) is not set")
            key = os.environ[key_env]
        self._key = _key_bytes(key)
        self.path = None if path is None else Path(path)
        self._timeout = float(timeout)
        self._mem: sqlite3.Connection | None = None
        if self.path is None:
            self._mem = sqlite3.connect(":memory:", isolation_level=None)
            self._mem.executescript(_SCHEMA)
        else:
            if self.path.exists() and self.path.is_dir():
                raise InputError(f"ledger path {self.path} is a directory; give a file path")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                with self._connect(create=True):
                    pass
            except LedgerIntegrityError:
                if verify:
                    self.verify()  # names the first lost entry
                    raise
            if verify:
                self.verify()

    # -- connections ---------------------------------------------------------------------
    def _open(self, create: bool = False) -> sqlite3.Connection:
        if self._mem is not None:
            return self._mem
        assert self.path is not None
        try:
            con = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=FULL")
            if create:
                con.executescript(f"BEGIN IMMEDIATE;{_SCHEMA}COMMIT;")
            else:
                con.execute("SELECT 1 FROM entries LIMIT 1").fetchall()
        except sqlite3.DatabaseError as e:
            raise LedgerIntegrityError(
                0, f"SQLite: {e}: {self.path} was truncated or corrupted, or is not a pluralign "
                   "ledger") from None
        return con

    @contextmanager
    def _connect(self, create: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection for one operation (closed after it; the in-memory one is kept)."""
        con = self._open(create)
        try:
            yield con
        finally:
            if con is not self._mem:
                con.close()

    # -- reading / checking --------------------------------------------------------------
    @staticmethod
    def _entry(pos: int, row: tuple[Any, ...]) -> LedgerEntry:
        idx, time, kind, actor, payload, prev, digest, mac = row
        if not (isinstance(idx, int) and isinstance(time, str) and isinstance(kind, str)
                and (actor is None or isinstance(actor, str)) and isinstance(payload, str)
                and isinstance(prev, str) and isinstance(digest, str)
                and (mac is None or isinstance(mac, str))):
            raise LedgerIntegrityError(pos, "a stored field has the wrong type (modified)")
        try:
            body = json.loads(payload)
        except json.JSONDecodeError as e:
            raise LedgerIntegrityError(pos, f"payload is not valid JSON ({e.msg}); it was "
                                            "modified") from None
        if not isinstance(body, dict):
            raise LedgerIntegrityError(pos, "payload is not a JSON object (modified)")
        if canonical_json(body).decode("utf-8") != payload:
            raise LedgerIntegrityError(
                pos, "payload is not in canonical JSON form (its bytes were changed)")
        return LedgerEntry(idx, time, kind, actor, body, prev, digest, mac)

    def _rows(self) -> Iterator[LedgerEntry]:
        """Entries in insertion order; a row SQLite cannot read raises LedgerIntegrityError
        naming its position."""
        pos = 0
        try:
            with self._connect() as con:
                cur = con.execute(f"SELECT {_COLUMNS} FROM entries ORDER BY id")
                for row in cur:
                    yield self._entry(pos, row)
                    pos += 1
        except sqlite3.DatabaseError as e:
            raise LedgerIntegrityError(
                pos, f"SQLite cannot read the ledger from this entry on ({e}); the file was "
                     "truncated or corrupted") from None

    def _check_one(self, pos: int, e: LedgerEntry, prev: str) -> None:
        if e.index != pos:
            raise LedgerIntegrityError(
                pos, f"has index {e.index!r} at position {pos} (entries deleted, inserted or "
                     "reordered)")
        if e.prev != prev:
            raise LedgerIntegrityError(
                pos, "its 'prev' does not match the previous entry's hash (an entry before "
                     "it was changed, deleted, inserted or reordered)")
        if entry_hash(e.to_dict()) != e.hash:
            raise LedgerIntegrityError(pos, "its content does not match its hash (modified)")
        if self._key is not None and (
            e.mac is None or not hmac.compare_digest(e.mac, _mac(self._key, e.hash))
        ):
            raise LedgerIntegrityError(pos, "missing or wrong HMAC (wrong key or forged)")

    def _salvage(self) -> int:
        """For a file SQLite refuses to open (e.g. truncated): the number of leading entries
        that can still be read from it and chain correctly.

        A truncated file's header still claims its old page count, so SQLite rejects the whole
        file. A private copy, cut to whole pages with that count corrected (bytes 28-31 of the
        header; SQLite file format, section 1.3.7), lets SQLite read rows until the first one
        on a missing page."""
        import tempfile

        assert self.path is not None
        data = bytearray(self.path.read_bytes())
        if len(data) < 100 or not data.startswith(b"SQLite format 3\x00"):
            return 0
        page = int.from_bytes(data[16:18], "big")
        page = 65536 if page == 1 else page
        pages = len(data) // page
        if pages < 1:
            return 0
        del data[pages * page:]
        data[28:32] = pages.to_bytes(4, "big")
        data[18:20] = b"\x01\x01"  # rollback journal: ignore any stale -wal file
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "salvage.sqlite"
            copy.write_bytes(bytes(data))
            n, prev = 0, GENESIS
            try:
                con = sqlite3.connect(copy, isolation_level=None)
                try:
                    for row in con.execute(f"SELECT {_COLUMNS} FROM entries ORDER BY id"):
                        e = self._entry(n, row)
                        self._check_one(n, e, prev)
                        prev, n = e.hash, n + 1
                finally:
                    con.close()
            except (sqlite3.DatabaseError, LedgerIntegrityError):
                pass
        return n

    def verify(self, *, expected_head: str | None = None) -> int:
        """Check the whole chain and return the number of entries.

        Raises :class:`LedgerIntegrityError` naming the first bad entry (``.index``): a
        modified entry fails its own hash (or, if its hash was recomputed, the next entry's
        ``prev``); a deleted, inserted or reordered one breaks the index / prev link at that
        position; a row SQLite cannot read (truncated / corrupted file) is named where reading
        stopped, and a final ``PRAGMA quick_check`` catches damage outside the rows.
        ``expected_head``: a previously recorded :meth:`head`, to also detect entries removed
        from the end."""
        prev, n = GENESIS, 0
        try:
            for e in self._rows():
                self._check_one(n, e, prev)
                prev, n = e.hash, n + 1
        except LedgerIntegrityError as err:
            if not (self.path is not None and n == 0 and err.reason.startswith("SQLite:")):
                raise
            k = self._salvage()  # the file cannot be opened at all: name the first lost entry
            kept = (f"entries 0..{k - 1} can still be read from the file and chain correctly"
                    if k else "no entry can be read from it")
            raise LedgerIntegrityError(
                k, f"cannot be read: {err.reason}; {kept}, entry {k} onward is lost") from None
        try:
            with self._connect() as con:
                problems = [r[0] for r in con.execute("PRAGMA quick_check")]
        except sqlite3.DatabaseError as e:
            problems = [str(e)]
        if problems != ["ok"]:
            raise LedgerIntegrityError(
                n, f"the SQLite file is damaged ({'; '.join(problems[:3])}); entries from here "
                   "on may be lost")
        if expected_head is not None and prev != expected_head:
            raise LedgerIntegrityError(
                n, "the chain ends before the expected head hash (entries removed from the "
                   "end) or continues past it")
        return n

    def first_bad(self) -> int | None:
        """Index of the first invalid entry, or None if the chain verifies."""
        try:
            self.verify()
        except LedgerIntegrityError as e:
            return e.index
        return None

    # -- writing -------------------------------------------------------------------------
    def append(self, kind: str, payload: Mapping[str, Any] | None = None, *,
               actor: str | None = None, time: str | None = None) -> LedgerEntry:
        """Append a decision record and return it. ``payload`` must be JSON-serializable
        (numpy values, tuples and sets are converted). ``time`` defaults to now (UTC, ISO 8601).
        Runs in one ``BEGIN IMMEDIATE`` transaction: the head is read (and its hash and MAC
        checked) under the write lock, so concurrent writers extend one chain. Appending onto
        a tampered head raises :class:`LedgerIntegrityError` naming it."""
        if not isinstance(kind, str) or not kind:
            raise InputError(f"kind must be a non-empty string, got {kind!r}")
        if actor is not None and not isinstance(actor, str):
            raise InputError(f"actor must be a string or None, got {actor!r}")
        body = _plain(dict(payload or {}))
        text = canonical_json(body).decode("utf-8")
        stamp = time or _dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds")
        if not isinstance(stamp, str):
            raise InputError(f"time must be an ISO 8601 string, got {stamp!r}")
        with self._connect() as con:
            try:
                con.execute("BEGIN IMMEDIATE")
                try:
                    n = con.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
                    row = con.execute(f"SELECT {_COLUMNS} FROM entries ORDER BY id DESC LIMIT 1"
                                      ).fetchone()
                    prev = GENESIS
                    if row is not None:
                        tail = self._entry(n - 1, row)
                        self._check_one(n - 1, tail, tail.prev)  # its own hash / MAC / index
                        prev = tail.hash
                    fields = {"index": n, "time": stamp, "kind": kind, "actor": actor,
                              "payload": body, "prev": prev}
                    digest = entry_hash(fields)
                    mac = _mac(self._key, digest) if self._key is not None else None
                    con.execute(f"INSERT INTO entries ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)",
                                (n, stamp, kind, actor, text, prev, digest, mac))
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT")
            except sqlite3.OperationalError as e:
                raise InputError(
                    f"cannot append to {self.path}: {e} (another writer held the lock for more "
                    f"than timeout={self._timeout} s, or the file is read-only)") from None
            except sqlite3.IntegrityError as e:
                raise LedgerIntegrityError(
                    n, f"cannot append: {e} (rows were deleted or renumbered; run verify())"
                ) from None
            except sqlite3.DatabaseError as e:
                raise LedgerIntegrityError(
                    0, f"cannot append: SQLite error {e} (file truncated or corrupted)") from None
        return LedgerEntry(**fields, hash=digest, mac=mac)  # type: ignore[arg-type]

    def record(self, rule: str, result: Any, *, ballots: Any = None,
               ballots_sha256: str | None = None, params: Mapping[str, Any] | None = None,
               store_ballots: bool = True, actor: str | None = None, kind: str = "decision",
               time: str | None = None) -> LedgerEntry:
        """Append a voting decision: payload ``{"rule", "params", "result", "ballots_sha256"
        [, "ballots"]}``. ``ballots_sha256`` is the SHA-256 of the canonical JSON of
        ``ballots`` (computed when ``ballots`` is given; pass it yourself to record only the
        hash of ballots kept elsewhere); ``store_ballots=False`` keeps the ballots out of the
        ledger (their hash still pins them)."""
        if not isinstance(rule, str) or not rule:
            raise InputError(f"rule must be a non-empty string, got {rule!r}")
        if ballots is None and ballots_sha256 is None:
            raise InputError("pass ballots (hashed and stored) or ballots_sha256")
        digest = None
        if ballots is not None:
            digest = hashlib.sha256(canonical_json(_plain(ballots))).hexdigest()
            if ballots_sha256 is not None and ballots_sha256 != digest:
                raise InputError(
                    f"ballots_sha256 {ballots_sha256[:12]}... does not match the SHA-256 of the "
                    f"ballots ({digest[:12]}...)")
        payload: dict[str, Any] = {"rule": rule, "params": dict(params or {}),
                                   "result": result, "ballots_sha256": digest or ballots_sha256}
        if ballots is not None and store_ballots:
            payload["ballots"] = ballots
        return self.append(kind, payload, actor=actor, time=time)

    # -- access / export -----------------------------------------------------------------
    @property
    def entries(self) -> list[LedgerEntry]:
        """All entries, in chain order (read now; not verified: call :meth:`verify`)."""
        return list(self._rows())

    def __len__(self) -> int:
        with self._connect() as con:
            return int(con.execute("SELECT COUNT(*) FROM entries").fetchone()[0])

    def __iter__(self) -> Iterator[LedgerEntry]:
        return iter(self.entries)

    def __getitem__(self, i: int) -> LedgerEntry:
        return self.entries[i]

    def head(self) -> str:
        """Hash of the last entry (64 zeros when empty): record it elsewhere to pin the chain."""
        with self._connect() as con:
            row = con.execute("SELECT hash FROM entries ORDER BY id DESC LIMIT 1").fetchone()
        return GENESIS if row is None else str(row[0])

    def to_jsonl(self) -> str:
        """The ledger as JSON lines: one canonical JSON object per entry (index, time, kind,
        actor, payload, prev, hash[, mac]), in chain order."""
        return "".join(e.to_json() + "\n" for e in self._rows())

    def export_jsonl(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> int:
        """Write :meth:`to_jsonl` to ``path``; returns the entry count. Refuses to overwrite an
        existing file unless ``overwrite=True`` (then the file is replaced atomically).
        Anyone can re-check the exported chain with :meth:`verify_jsonl`."""
        p = Path(path)
        if p.exists() and not overwrite:
            raise InputError(f"{p} exists; choose a new path for the export "
                             "(or pass overwrite=True)")
        text = self.to_jsonl()
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(p)
        return text.count("\n")

    @staticmethod
    def verify_jsonl(text: str, *, key: str | bytes | None = None,
                     expected_head: str | None = None) -> int:
        """Verify a JSON-lines export (as written by :meth:`to_jsonl`): same checks as
        :meth:`verify`, plus each line must be exactly the canonical JSON of its entry."""
        mem = Ledger(key=key)
        prev, n = GENESIS, 0
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        elif text:
            raise LedgerIntegrityError(len(lines) - 1, "the export does not end with a newline")
        for i, line in enumerate(lines):
            try:
                d = json.loads(line)
            except json.JSONDecodeError as e:
                raise LedgerIntegrityError(i, f"not valid JSON ({e.msg})") from None
            if not isinstance(d, dict) or set(d) - {*_FIELDS, "hash", "mac"} or \
                    any(f not in d for f in (*_FIELDS, "hash")):
                raise LedgerIntegrityError(i, "not a ledger entry object (fields changed)")
            e = LedgerEntry(**d)
            if e.to_json() != line:
                raise LedgerIntegrityError(i, "the line is not in canonical JSON form")
            mem._check_one(i, e, prev)
            prev, n = e.hash, n + 1
        if expected_head is not None and prev != expected_head:
            raise LedgerIntegrityError(n, "the chain ends before the expected head hash")
        return n

    def save(self, path: str | os.PathLike[str]) -> None:
        """Copy the whole ledger into a new SQLite file at ``path`` (refuses to overwrite)."""
        p = Path(path)
        if p.exists():
            raise InputError(f"{p} exists; a ledger is append-only, choose a new path")
        dst = sqlite3.connect(p)
        try:
            with self._connect() as con:
                con.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
        finally:
            dst.close()

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, key: str | bytes | None = None,
             key_env: str | None = None) -> Ledger:
        """Open an existing ledger file and verify it (raises if missing or broken)."""
        if not Path(path).exists():
            raise InputError(f"no ledger file at {path}")
        return cls(path, key=key, key_env=key_env, verify=True)

    def __repr__(self) -> str:
        where = str(self.path) if self.path is not None else "memory"
        return f"Ledger({where}, {len(self)} entries, head={self.head()[:12]})"
