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
(a truncated or corrupted file) are named by the position where reading stopped.

The table ``meta`` records the file's format, whether the ledger is **keyed** (``keyed`` =
``1``/``0``; a keyed file also stores ``key_check`` = HMAC(key, a fixed label), so a wrong key
is refused at once) and the chain's **head** (``{"index", "hash"[, "mac"]}``, updated in the
same transaction as each append; MACed when keyed). A keyless open, append or verify of a keyed
file is refused, and so is a keyed one of an unkeyed file (:class:`LedgerKeyError`). Removing
entries from the *end* by SQL leaves a valid shorter chain; the recorded head catches that
unless the meta row was rewritten too, and only an **external anchor** catches it against
someone who can write the whole file: publish :meth:`Ledger.head` (an ``(index, hash)`` pair)
elsewhere and pass it to ``verify(expected_head=...)``. Threat model: without an anchor, only
the HMAC key stops a forger from rewriting the chain, and nothing stops a writer with file
access from cutting the tail and rolling the head row back to an older value.

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
from typing import Any, NamedTuple

import numpy as np

from pluralign.errors import InputError

__all__ = [
    "GENESIS",
    "Ledger",
    "LedgerEntry",
    "LedgerHead",
    "LedgerIntegrityError",
    "LedgerKeyError",
]

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
"""
_FORMAT = "pluralign-ledger-2"  # -1: no keyed / head rows in meta (inferred, added on append)
_KEY_LABEL = b"pluralign-ledger key check"
_COLUMNS = "idx, time, kind, actor, payload, prev, hash, mac"


class LedgerIntegrityError(InputError):
    """The ledger's hash chain is broken; ``index`` is the first bad entry (0-based position
    in insertion order)."""

    def __init__(self, index: int, reason: str):
        super().__init__(f"ledger entry {index} is invalid: {reason}")
        self.index = index
        self.reason = reason


class LedgerKeyError(InputError):
    """The key given does not fit the ledger: a keyed (HMAC) ledger opened, appended to or
    verified without its key or with a wrong one, or a key given for an unkeyed ledger."""


class LedgerHead(NamedTuple):
    """An anchor to publish outside the file: the last entry's ``index`` (``-1`` for an
    empty ledger) and ``hash``. ``str(head)`` is ``"index:hash"``; :meth:`parse` reads it back.
    ``verify(expected_head=head)`` then proves that the chain still holds that entry at that
    position (it may have grown since)."""

    index: int  # type: ignore[assignment]  # the published field name shadows tuple.index
    hash: str

    def __str__(self) -> str:
        return f"{self.index}:{self.hash}"

    @property
    def length(self) -> int:
        """Number of entries the anchor pins."""
        return self.index + 1

    @classmethod
    def parse(cls, value: Any, *, name: str = "expected_head") -> LedgerHead:
        """A ``LedgerHead``, an ``(index, hash)`` pair or its ``"index:hash"`` text."""
        if isinstance(value, str) and value.count(":") == 1:
            i, h = value.split(":")
            try:
                value = (int(i), h)
            except ValueError:
                raise InputError(f"{name}: {value!r} is not 'index:hash'") from None
        if isinstance(value, str):
            raise InputError(
                f"{name}: a bare hash no longer pins a position; pass ledger.head() (an "
                f"(index, hash) pair) or its text 'index:hash', got {value!r}"
            )
        if not (isinstance(value, tuple) and len(value) == 2):
            raise InputError(
                f"{name} must be ledger.head(), an (index, hash) pair or "
                f"'index:hash', got {value!r}"
            )
        i, h = value
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or int(i) < -1:
            raise InputError(f"{name}: index must be an int >= -1, got {i!r}")
        if not (isinstance(h, str) and len(h) == 64 and all(c in "0123456789abcdef" for c in h)):
            raise InputError(f"{name}: hash must be 64 lowercase hex digits, got {h!r}")
        if int(i) == -1 and h != GENESIS:
            raise InputError(
                f"{name}: index -1 (empty ledger) goes with the genesis hash (64 zeros)"
            )
        return cls(int(i), h)


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
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


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

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        key: str | bytes | None = None,
        key_env: str | None = None,
        verify: bool = True,
        timeout: float = 60.0,
    ):
        if key is not None and key_env is not None:
            raise InputError("pass key or key_env, not both")
        if key_env is not None:
            if not isinstance(key_env, str) or key_env not in os.environ:
                raise InputError(f"environment variable {key_env!r} (the ledger key) is not set")
            key = os.environ[key_env]
        self._key = _key_bytes(key)
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, (int, float))
            or not math.isfinite(timeout)
            or timeout < 0
        ):
            raise InputError(f"timeout must be a finite number of seconds >= 0, got {timeout!r}")
        if path is not None and not isinstance(path, (str, os.PathLike)):
            raise InputError(f"path must be a str or os.PathLike, got {type(path).__name__}")
        from .._validate import path as _path

        self.path = None if path is None else _path(path, "path")  # NUL / empty refused
        self._timeout = float(timeout)
        self._mem: sqlite3.Connection | None = None
        if self.path is None:
            self._mem = sqlite3.connect(":memory:", isolation_level=None)
            self._init_schema(self._mem)
            return
        if self.path.is_dir():
            raise InputError(f"ledger path {self.path} is a directory; give a file path")
        if not self.path.exists():
            self._create_file()
        try:
            with self._connect() as con:
                self._check_key(self._meta(con))
        except LedgerIntegrityError:
            if verify:
                self.verify()  # names the first lost entry of a damaged file
                raise
        if verify:
            self.verify()

    # -- connections ---------------------------------------------------------------------
    def _init_schema(self, con: sqlite3.Connection) -> None:
        con.executescript(_SCHEMA)
        rows = [
            ("format", _FORMAT),
            ("keyed", "1" if self._key is not None else "0"),
            ("head", canonical_json(self._head_record(-1, GENESIS)).decode("ascii")),
        ]
        if self._key is not None:
            rows.append(("key_check", _mac(self._key, _KEY_LABEL.decode("ascii"))))
        con.executemany("INSERT INTO meta VALUES (?, ?)", rows)

    def _create_file(self) -> None:
        """Create a new ledger file atomically: the schema is written to a private file next
        to ``path`` and hard-linked into place (``os.link`` never overwrites), so another
        process never sees a half-made ledger, and an existing file is never reinitialised."""
        import secrets

        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
        try:
            con = sqlite3.connect(tmp, isolation_level=None)
            try:
                con.execute("PRAGMA journal_mode=WAL")
                self._init_schema(con)
            finally:
                con.close()
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                pass  # another process created it first: use theirs
            except OSError:  # no hard links on this file system
                if not self.path.exists():
                    os.replace(tmp, self.path)
        except OSError as e:
            raise InputError(f"cannot create the ledger file {self.path}: {e}") from None
        finally:
            for q in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
                try:
                    q.unlink()
                except OSError:
                    pass

    def _open(self) -> sqlite3.Connection:
        if self._mem is not None:
            return self._mem
        assert self.path is not None
        try:
            size = self.path.stat().st_size
        except OSError:
            raise InputError(f"the ledger file {self.path} no longer exists") from None
        if size == 0:  # checked before connecting: setting WAL mode would write a header
            raise LedgerIntegrityError(
                0,
                f"{self.path} is an empty (0-byte) file, not a pluralign ledger (emptied, or "
                "made by something else); refusing to start a new ledger over it: move it "
                "away to start one",
            )
        try:
            con = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=FULL")
        except sqlite3.DatabaseError as e:
            raise LedgerIntegrityError(
                0,
                f"SQLite: {e}: {self.path} was truncated or corrupted, or is not a pluralign "
                "ledger",
            ) from None
        return con

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection for one operation (closed after it; the in-memory one is kept)."""
        con = self._open()
        try:
            yield con
        finally:
            if con is not self._mem:
                con.close()

    def _where(self) -> str:
        return "the in-memory ledger" if self.path is None else str(self.path)

    def _meta(self, con: sqlite3.Connection) -> dict[str, str]:
        """The ``meta`` rows, after checking that both tables exist (an existing file whose
        tables are gone, or a 0-byte file, is refused: it is never re-created silently)."""
        try:
            return self._meta_rows(con)
        except sqlite3.DatabaseError as e:
            raise LedgerIntegrityError(
                0,
                f"SQLite: {e}: {self._where()} was truncated or corrupted, or is not a "
                "pluralign ledger",
            ) from None

    def _meta_rows(self, con: sqlite3.Connection) -> dict[str, str]:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = {"entries", "meta"} - tables
        if missing:
            raise LedgerIntegrityError(
                0,
                f"{self._where()} has no {' / '.join(sorted(missing))} table: it is not a "
                "pluralign ledger, or its table was dropped; refusing to start a new ledger "
                "over it",
            )
        meta = {str(k): str(v) for k, v in con.execute("SELECT key, value FROM meta")}
        fmt = meta.get("format")
        if fmt not in ("pluralign-ledger-1", _FORMAT):
            raise LedgerIntegrityError(
                0, f"{self._where()}: unknown or missing ledger format {fmt!r} in table meta"
            )
        if fmt == _FORMAT and not {"keyed", "head"} <= set(meta):
            raise LedgerIntegrityError(
                0, f"{self._where()}: the meta rows 'keyed' / 'head' were removed (tampered)"
            )
        if "keyed" not in meta:  # format 1: infer from the stored MACs
            row = con.execute("SELECT mac FROM entries ORDER BY id LIMIT 1").fetchone()
            meta["keyed"] = (
                ("1" if row[0] is not None else "0")
                if row is not None
                else ("1" if self._key is not None else "0")
            )
        return meta

    def _check_key(self, meta: Mapping[str, str]) -> None:
        keyed = meta.get("keyed")
        if keyed not in ("0", "1"):
            raise LedgerIntegrityError(0, f"meta 'keyed' is {keyed!r}, not 0 or 1 (tampered)")
        if keyed == "1" and self._key is None:
            raise LedgerKeyError(
                f"{self._where()} is a keyed (HMAC) ledger: pass key= or key_env= to open, "
                "append to or verify it (without the key its MACs cannot be checked)"
            )
        if keyed == "0" and self._key is not None:
            raise LedgerKeyError(
                f"{self._where()} is not a keyed ledger (meta 'keyed' = 0) but a key was "
                "given: open it without a key; if it was created with a key, its key record "
                "and MACs were stripped (tampered)"
            )
        check = meta.get("key_check")
        if (
            self._key is not None
            and check is not None
            and not hmac.compare_digest(check, _mac(self._key, _KEY_LABEL.decode("ascii")))
        ):
            raise LedgerKeyError(
                f"wrong key for {self._where()}: its key check (an HMAC of a fixed label) does "
                "not match"
            )

    def _head_record(self, index: int, digest: str) -> dict[str, Any]:
        rec: dict[str, Any] = {"index": index, "hash": digest}
        if self._key is not None:
            rec["mac"] = _mac(self._key, f"head:{index}:{digest}")
        return rec

    def _check_head_record(self, meta: Mapping[str, str], n: int, last: str) -> None:
        """The chain (``n`` entries ending in hash ``last``) against the head row in meta."""
        text = meta.get("head")
        if text is None:
            return  # format 1 (written before the head row existed)
        try:
            rec = json.loads(text)
            index, digest = int(rec["index"]), str(rec["hash"])
        except (ValueError, TypeError, KeyError):
            raise LedgerIntegrityError(
                n, f"meta 'head' is not a head record: {text[:80]!r} (tampered)"
            ) from None
        if self._key is not None and not (
            isinstance(rec.get("mac"), str)
            and hmac.compare_digest(rec["mac"], _mac(self._key, f"head:{index}:{digest}"))
        ):
            raise LedgerIntegrityError(
                min(n, max(index, 0)), "missing or wrong HMAC on the recorded head (forged)"
            )
        if index > n - 1:
            raise LedgerIntegrityError(
                n,
                f"the file recorded its head at entry {index} but the chain ends after "
                f"{n} entries: entries {n}..{index} were removed from the end",
            )
        if index < n - 1:
            raise LedgerIntegrityError(
                index + 1,
                f"the chain has {n} entries but the file recorded its head at "
                f"entry {index}: entries after it were added outside the ledger",
            )
        if digest != last:
            raise LedgerIntegrityError(
                max(index, 0),
                f"entry {index} is not the one recorded as the head (the last entry was replaced)",
            )

    # -- reading / checking --------------------------------------------------------------
    @staticmethod
    def _entry(pos: int, row: tuple[Any, ...]) -> LedgerEntry:
        idx, time, kind, actor, payload, prev, digest, mac = row
        if not (
            isinstance(idx, int)
            and isinstance(time, str)
            and isinstance(kind, str)
            and (actor is None or isinstance(actor, str))
            and isinstance(payload, str)
            and isinstance(prev, str)
            and isinstance(digest, str)
            and (mac is None or isinstance(mac, str))
        ):
            raise LedgerIntegrityError(pos, "a stored field has the wrong type (modified)")
        try:
            body = json.loads(payload)
        except json.JSONDecodeError as e:
            raise LedgerIntegrityError(
                pos, f"payload is not valid JSON ({e.msg}); it was modified"
            ) from None
        if not isinstance(body, dict):
            raise LedgerIntegrityError(pos, "payload is not a JSON object (modified)")
        if canonical_json(body).decode("utf-8") != payload:
            raise LedgerIntegrityError(
                pos, "payload is not in canonical JSON form (its bytes were changed)"
            )
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
                pos,
                f"SQLite cannot read the ledger from this entry on ({e}); the file was "
                "truncated or corrupted",
            ) from None

    def _check_one(self, pos: int, e: LedgerEntry, prev: str) -> None:
        if e.index != pos:
            raise LedgerIntegrityError(
                pos,
                f"has index {e.index!r} at position {pos} (entries deleted, inserted or reordered)",
            )
        if e.prev != prev:
            raise LedgerIntegrityError(
                pos,
                "its 'prev' does not match the previous entry's hash (an entry before "
                "it was changed, deleted, inserted or reordered)",
            )
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
        del data[pages * page :]
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

    def verify(self, *, expected_head: Any = None) -> int:
        """Check the whole chain and return the number of entries.

        Raises :class:`LedgerIntegrityError` naming the first bad entry (``.index``): a
        modified entry fails its own hash (or, if its hash was recomputed, the next entry's
        ``prev``); a deleted, inserted or reordered one breaks the index / prev link at that
        position; a row SQLite cannot read (truncated / corrupted file) is named where reading
        stopped, a final ``PRAGMA integrity_check`` catches damage outside the rows (a broken
        index), and the chain's end must match the head recorded in the file.
        ``expected_head``: an anchor published earlier (:meth:`head`: ``(index, hash)``, or its
        text ``"index:hash"``): the chain must still hold that entry at that position, which
        detects entries removed from the end, or removed and re-appended, even by someone who
        also rewrote the file's own head record. Raises :class:`LedgerKeyError` when the key
        does not fit the ledger."""
        anchor = None if expected_head is None else LedgerHead.parse(expected_head)
        prev, n, at_anchor = GENESIS, 0, None
        try:
            with self._connect() as con:
                meta = self._meta(con)
            self._check_key(meta)
            for e in self._rows():
                self._check_one(n, e, prev)
                if anchor is not None and n == anchor.index:
                    at_anchor = e.hash
                prev, n = e.hash, n + 1
        except LedgerIntegrityError as err:
            if not (self.path is not None and n == 0 and err.reason.startswith("SQLite:")):
                raise
            k = self._salvage()  # the file cannot be opened at all: name the first lost entry
            kept = (
                f"entries 0..{k - 1} can still be read from the file and chain correctly"
                if k
                else "no entry can be read from it"
            )
            raise LedgerIntegrityError(
                k, f"cannot be read: {err.reason}; {kept}, entry {k} onward is lost"
            ) from None
        try:
            with self._connect() as con:
                problems = [r[0] for r in con.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError as e:
            problems = [str(e)]
        if problems != ["ok"]:
            raise LedgerIntegrityError(
                n,
                f"the SQLite file is damaged ({'; '.join(problems[:3])}); entries from here "
                "on may be lost",
            )
        if anchor is not None:
            if anchor.index >= n:
                raise LedgerIntegrityError(
                    n,
                    f"the chain has {n} entries but the expected head (anchor) pins entry "
                    f"{anchor.index}: entries {n}..{anchor.index} were removed from the end",
                )
            if anchor.index >= 0 and at_anchor != anchor.hash:
                raise LedgerIntegrityError(
                    anchor.index,
                    f"entry {anchor.index} does not match the expected head "
                    "(anchor): it was replaced (the tail cut and re-appended, or "
                    "the chain rewritten)",
                )
        self._check_head_record(meta, n, prev)
        return n

    def first_bad(self) -> int | None:
        """Index of the first invalid entry, or None if the chain verifies."""
        try:
            self.verify()
        except LedgerIntegrityError as e:
            return e.index
        return None

    # -- writing -------------------------------------------------------------------------
    def append(
        self,
        kind: str,
        payload: Mapping[str, Any] | None = None,
        *,
        actor: str | None = None,
        time: str | None = None,
    ) -> LedgerEntry:
        """Append a decision record and return it. ``payload`` must be JSON-serializable
        (numpy values, tuples and sets are converted). ``time`` defaults to now (UTC, ISO 8601).
        Runs in one ``BEGIN IMMEDIATE`` transaction: the head is read (and its hash and MAC
        checked) under the write lock, so concurrent writers extend one chain. Appending onto
        a tampered head raises :class:`LedgerIntegrityError` naming it."""
        if not isinstance(kind, str) or not kind:
            raise InputError(f"kind must be a non-empty string, got {kind!r}")
        if actor is not None and not isinstance(actor, str):
            raise InputError(f"actor must be a string or None, got {actor!r}")
        if payload is not None and not isinstance(payload, Mapping):
            raise InputError(
                f"payload must be a mapping (dict) or None, got {type(payload).__name__}"
            )
        body = _plain(dict(payload or {}))
        text = canonical_json(body).decode("utf-8")
        stamp = time or _dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds")
        if not isinstance(stamp, str):
            raise InputError(f"time must be an ISO 8601 string, got {stamp!r}")
        n = 0
        with self._connect() as con:
            try:
                con.execute("BEGIN IMMEDIATE")
                try:
                    meta = self._meta(con)
                    self._check_key(meta)
                    n = con.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
                    row = con.execute(
                        f"SELECT {_COLUMNS} FROM entries ORDER BY id DESC LIMIT 1"
                    ).fetchone()
                    prev = GENESIS
                    if row is not None:
                        tail = self._entry(n - 1, row)
                        self._check_one(n - 1, tail, tail.prev)  # its own hash / MAC / index
                        prev = tail.hash
                    # a tail removed (and about to be re-used) is refused here, not overwritten
                    self._check_head_record(meta, n, prev)
                    fields = {
                        "index": n,
                        "time": stamp,
                        "kind": kind,
                        "actor": actor,
                        "payload": body,
                        "prev": prev,
                    }
                    digest = entry_hash(fields)
                    mac = _mac(self._key, digest) if self._key is not None else None
                    con.execute(
                        f"INSERT INTO entries ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)",
                        (n, stamp, kind, actor, text, prev, digest, mac),
                    )
                    head = canonical_json(self._head_record(n, digest)).decode("ascii")
                    con.execute("INSERT OR REPLACE INTO meta VALUES ('head', ?)", (head,))
                    con.execute(
                        "INSERT OR IGNORE INTO meta VALUES ('keyed', ?)",
                        ("1" if self._key is not None else "0",),
                    )
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT")
            except sqlite3.OperationalError as e:
                raise InputError(
                    f"cannot append to {self.path}: {e} (another writer held the lock for more "
                    f"than timeout={self._timeout} s, or the file is read-only)"
                ) from None
            except sqlite3.IntegrityError as e:
                raise LedgerIntegrityError(
                    n, f"cannot append: {e} (rows were deleted or renumbered; run verify())"
                ) from None
            except sqlite3.DatabaseError as e:
                raise LedgerIntegrityError(
                    0, f"cannot append: SQLite error {e} (file truncated or corrupted)"
                ) from None
        return LedgerEntry(**fields, hash=digest, mac=mac)  # type: ignore[arg-type]

    def record(
        self,
        rule: str,
        result: Any,
        *,
        ballots: Any = None,
        ballots_sha256: str | None = None,
        params: Mapping[str, Any] | None = None,
        store_ballots: bool = True,
        actor: str | None = None,
        kind: str = "decision",
        time: str | None = None,
    ) -> LedgerEntry:
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
                    f"ballots ({digest[:12]}...)"
                )
        payload: dict[str, Any] = {
            "rule": rule,
            "params": dict(params or {}),
            "result": result,
            "ballots_sha256": digest or ballots_sha256,
        }
        if ballots is not None and store_ballots:
            payload["ballots"] = ballots
        return self.append(kind, payload, actor=actor, time=time)

    # -- access / export -----------------------------------------------------------------
    @property
    def entries(self) -> list[LedgerEntry]:
        """All entries, in chain order (read now; not verified: call :meth:`verify`)."""
        return list(self._rows())

    def __len__(self) -> int:
        try:
            with self._connect() as con:
                return int(con.execute("SELECT COUNT(*) FROM entries").fetchone()[0])
        except sqlite3.DatabaseError as e:
            raise LedgerIntegrityError(0, f"SQLite cannot read the ledger ({e})") from None

    def __iter__(self) -> Iterator[LedgerEntry]:
        return iter(self.entries)

    def __getitem__(self, i: int) -> LedgerEntry:
        return self.entries[i]

    def head(self) -> LedgerHead:
        """The anchor to publish elsewhere: ``LedgerHead(index, hash)`` of the last entry
        (``(-1, 64 zeros)`` when empty; ``str()`` gives ``"index:hash"``). Pass it later to
        ``verify(expected_head=...)`` to detect a cut or replaced tail (not verified here)."""
        try:
            with self._connect() as con:
                row = con.execute(
                    "SELECT idx, hash FROM entries ORDER BY id DESC LIMIT 1"
                ).fetchone()
        except sqlite3.DatabaseError as e:
            raise LedgerIntegrityError(0, f"SQLite cannot read the ledger ({e})") from None
        if row is None:
            return LedgerHead(-1, GENESIS)
        return LedgerHead(int(row[0]), str(row[1]))

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
            raise InputError(
                f"{p} exists; choose a new path for the export (or pass overwrite=True)"
            )
        text = self.to_jsonl()
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(p)
        return text.count("\n")

    @staticmethod
    def verify_jsonl(
        text: str, *, key: str | bytes | None = None, expected_head: Any = None
    ) -> int:
        """Verify a JSON-lines export (as written by :meth:`to_jsonl`): same checks as
        :meth:`verify`, plus each line must be exactly the canonical JSON of its entry. An
        export whose entries carry MACs needs the ``key`` (:class:`LedgerKeyError`)."""
        if not isinstance(text, str):
            raise InputError(f"text must be the export as a str, got {type(text).__name__}")
        anchor = None if expected_head is None else LedgerHead.parse(expected_head)
        mem = Ledger(key=key)
        at_anchor = None
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
            if (
                not isinstance(d, dict)
                or set(d) - {*_FIELDS, "hash", "mac"}
                or any(f not in d for f in (*_FIELDS, "hash"))
            ):
                raise LedgerIntegrityError(i, "not a ledger entry object (fields changed)")
            entry = LedgerEntry(**d)
            try:
                canonical = entry.to_json()
            except (ValueError, TypeError):
                raise LedgerIntegrityError(
                    i, "holds a value canonical JSON refuses (NaN or Infinity)"
                ) from None
            if canonical != line:
                raise LedgerIntegrityError(i, "the line is not in canonical JSON form")
            if key is None and entry.mac is not None:
                raise LedgerKeyError(
                    f"line {i + 1} of the export carries an HMAC: it comes from a keyed ledger; "
                    "pass key= to verify it"
                )
            mem._check_one(i, entry, prev)
            if anchor is not None and i == anchor.index:
                at_anchor = entry.hash
            prev, n = entry.hash, n + 1
        if anchor is not None:
            if anchor.index >= n:
                raise LedgerIntegrityError(
                    n,
                    f"the export has {n} entries but the expected head pins entry "
                    f"{anchor.index}: entries were removed from the end",
                )
            if anchor.index >= 0 and at_anchor != anchor.hash:
                raise LedgerIntegrityError(
                    anchor.index,
                    f"entry {anchor.index} does not match the expected head (replaced)",
                )
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
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        key: str | bytes | None = None,
        key_env: str | None = None,
    ) -> Ledger:
        """Open an existing ledger file and verify it (raises if missing or broken)."""
        if not Path(path).exists():
            raise InputError(f"no ledger file at {path}")
        return cls(path, key=key, key_env=key_env, verify=True)

    def __repr__(self) -> str:
        where = str(self.path) if self.path is not None else "memory"
        return f"Ledger({where}, {len(self)} entries, head={self.head()[:12]})"
