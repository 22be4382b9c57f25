"""Mergeable partial states: the scale-out building block.

A state is created empty with its configuration (group columns, column names), absorbs batches
with :meth:`update` (in place, returns ``self``), combines with another state of the same
configuration through :meth:`merge` (a new state; associative and commutative), serializes to
compact bytes (:meth:`to_bytes`, also what ``pickle`` uses) and produces the result with
:meth:`finalize`. The pattern is the "mergeable summary" / monoid aggregation of MapReduce
(Dean & Ghemawat 2004) and of Agarwal et al. 2012, "Mergeable summaries" (ACM TODS 38(4)):
for every partition ``P`` of the rows, ``merge`` over the per-part states equals the state of
all rows. Every state here is *exact* (no sketch): counts are integers and add exactly, float
weight sums agree up to floating-point rounding.
"""

from __future__ import annotations

import abc
import io
import pickle
from collections.abc import Iterable, Sequence
from typing import Any, Literal, Protocol, Self, TypeVar, runtime_checkable

import numpy as np
import polars as pl

from .. import _validate as _v
from ..errors import InputError, SchemaError

_HINT = "Rename the columns or pass their names to the state"

__all__ = [
    "BradleyTerryState",
    "MergeableState",
    "ParetoFrontState",
    "ProfileState",
    "TallyState",
    "VoteMatrixState",
    "as_frame",
    "fold",
    "merge_all",
    "state_from_bytes",
]

_MAGIC = b"PLSC1"


@runtime_checkable
class MergeableState(Protocol):
    """What every scale-out state provides (see the module docstring for the contract)."""

    def update(self, batch: Any) -> MergeableState:
        """Absorb one batch of rows (polars DataFrame, pyarrow Table or RecordBatch)."""
        ...

    def merge(self, other: Any) -> MergeableState:
        """A new state equal to the state of the rows seen by ``self`` and ``other``."""
        ...

    def empty(self) -> MergeableState:
        """A new state with the same configuration and no rows."""
        ...

    def to_bytes(self) -> bytes:
        """Compact serialization (inverse: :func:`state_from_bytes`)."""
        ...

    def finalize(self) -> Any:
        """The aggregation result."""
        ...


S = TypeVar("S", bound="_State")


def as_frame(batch: Any) -> pl.DataFrame:
    """A batch as a polars DataFrame: polars, pyarrow Table/RecordBatch and other Arrow frames
    (:func:`pluralign._validate.frame`), a dict of columns, or a pandas DataFrame (Ray's
    ``batch_format="pandas"`` hands those over, so they are converted here, not refused)."""
    if isinstance(batch, dict):
        return pl.DataFrame(batch)
    if type(batch).__module__.startswith("pandas"):
        return pl.from_pandas(batch)
    return _v.frame(batch, "batch")


def _ipc(df: pl.DataFrame | None) -> bytes:
    if df is None:
        return b""
    buf = io.BytesIO()
    df.write_ipc(buf, compression="zstd")
    return buf.getvalue()


def _from_ipc(b: bytes) -> pl.DataFrame | None:
    return None if not b else pl.read_ipc(io.BytesIO(b))


def _init_kwargs(config: dict[str, Any]) -> dict[str, Any]:
    """Constructor keywords from a state's settings (stored, and serialized, under ``by``)."""
    return {("groups" if k == "by" else k): v for k, v in config.items()}


class _State(abc.ABC):
    """Shared machinery: configuration dict, equality of configurations, bytes/pickle."""

    _config: dict[str, Any]

    def _check_other(self, other: Any) -> Self:
        if type(other) is not type(self):
            raise InputError(f"cannot merge a {type(self).__name__} with a {type(other).__name__}")
        if other._config != self._config:
            raise InputError(
                f"cannot merge {type(self).__name__}s with different settings: "
                f"{self._config} vs {other._config}; build both with the same arguments"
            )
        return other

    def empty(self) -> Self:
        """A new state with the same configuration and no rows."""
        return type(self)(**_init_kwargs(self._config))

    @abc.abstractmethod
    def _payload(self) -> Any:
        """The state's content, serialized (each concrete state defines it)."""

    @abc.abstractmethod
    def _load(self, payload: Any) -> None:
        """Restore the content written by :meth:`_payload`."""

    def to_bytes(self) -> bytes:
        """Compact serialization: a small pickled header (class, settings) and the state as
        zstd-compressed Arrow IPC (or the wrapped object's own compact form)."""
        header = pickle.dumps((type(self).__name__, self._config), protocol=5)
        payload = self._payload()
        return _MAGIC + len(header).to_bytes(4, "little") + header + payload

    def __reduce__(self) -> tuple[Any, ...]:
        return (state_from_bytes, (self.to_bytes(),))

    def __add__(self, other: Self) -> Self:
        return self.merge(other)  # type: ignore[attr-defined,no-any-return]


def state_from_bytes(data: bytes) -> Any:
    """Rebuild any state from :meth:`to_bytes` output.

    Only for bytes from a source you trust, as with :mod:`pickle`: the header is unpickled, so
    crafted bytes could run code. Damaged bytes are an :class:`InputError`."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InputError(f"state_from_bytes expects bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data.startswith(_MAGIC):
        raise InputError("these bytes are not a serialized pluralign.scale state")
    n = int.from_bytes(data[len(_MAGIC) : len(_MAGIC) + 4], "little")
    start = len(_MAGIC) + 4
    try:  # truncated or corrupted bytes fail in pickle / Arrow IPC with their own errors
        name, config = pickle.loads(data[start : start + n])
        cls = _REGISTRY.get(name) if isinstance(name, str) else None
        if cls is None:
            raise InputError(f"unknown state class {name!r} in serialized bytes")
        st = cls(**_init_kwargs(config))
        st._load(data[start + n :])
    except InputError:
        raise
    except Exception as e:  # noqa: BLE001 - any decoding failure means damaged bytes
        raise InputError(
            f"these bytes are a damaged pluralign.scale state ({type(e).__name__}: {str(e)[:120]})"
        ) from None
    return st


def fold(batches: Iterable[Any], state: S) -> S:
    """Absorb every batch into ``state`` (in order) and return it."""
    _v.instance(state, _State, "state")
    if isinstance(batches, (str, bytes, pl.DataFrame)) or not isinstance(batches, Iterable):
        raise InputError(
            f"batches must be an iterable of batches (a list of frames), got "
            f"{type(batches).__name__}"
        )
    for b in batches:
        state.update(b)  # type: ignore[attr-defined]
    return state


def merge_all(states: Sequence[S] | Iterable[S]) -> S:
    """Merge states pairwise as a balanced tree (depth log2(n)); the result equals any other
    merge order because ``merge`` is associative and commutative."""
    if isinstance(states, (str, bytes, _State)) or not isinstance(states, Iterable):
        raise InputError(
            f"states must be a list of pluralign.scale states, got {type(states).__name__}"
        )
    level = list(states)
    for s in level:
        _v.instance(s, _State, "states[i]")
    if not level:
        raise InputError("merge_all needs at least one state")
    while len(level) > 1:
        nxt = [level[i].merge(level[i + 1]) for i in range(0, len(level) - 1, 2)]  # type: ignore[attr-defined]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def _cols(by: str | Sequence[str] | None) -> list[str]:
    return _v.column_names(by, "by")


def _settings(**kw: Any) -> None:
    """Check the column-name and thread settings every state takes (once, at construction)."""
    for name, v in kw.items():
        if name == "threads":
            _v.threads(v)
        else:
            _v.text(v, name, none=name in ("tie", "weight", "timestamp"))


# -- pairwise tallies ----------------------------------------------------------------------


class TallyState(_State):
    """Pairwise win tallies per group, wrapping :class:`pluralign.prefs.tally.Tally`.

    ``finalize()`` returns ``Tally.finalize()``: per group and unordered pair ``item_a <
    item_b``, ``wins_a``, ``wins_b``, ``ties``, ``n`` (exact integers) and ``weight_a``,
    ``weight_b``, ``weight_ties`` (float sums). Exact: integer counts equal the one-machine
    tally for every partition; weight sums agree to floating-point rounding.
    """

    def __init__(
        self,
        groups: str | Sequence[str] | None = None,
        *,
        chosen: str = "chosen_id",
        rejected: str = "rejected_id",
        tie: str | None = "tie",
        weight: str | None = "weight",
        threads: int | None = None,
        by: Any = _v.UNSET,
    ) -> None:
        by = _v.renamed("TallyState", "groups", groups, "by", by)
        _settings(chosen=chosen, rejected=rejected, tie=tie, weight=weight, threads=threads)
        self._config = {
            "by": _cols(by),
            "chosen": chosen,
            "rejected": rejected,
            "tie": tie,
            "weight": weight,
            "threads": threads,
        }
        self._tally: Any = None
        self.n_rows = 0

    def update(self, batch: Any) -> TallyState:
        """Tally one batch (in Rust) and add it to the state."""
        from ..prefs.tally import tally

        df = as_frame(batch)
        if df.height == 0:
            return self
        c = self._config
        t = tally(
            df,
            c["by"],
            chosen=c["chosen"],
            rejected=c["rejected"],
            tie=c["tie"],
            weight=c["weight"],
            threads=c["threads"],
        )
        self._tally = t if self._tally is None else self._tally.merge(t)
        self.n_rows += df.height
        return self

    def merge(self, other: TallyState) -> TallyState:
        """The tally of both states' rows (exact counts)."""
        self._check_other(other)
        out = self.empty()
        out.n_rows = self.n_rows + other.n_rows
        parts = [t for t in (self._tally, other._tally) if t is not None]
        out._tally = (
            None if not parts else (parts[0] if len(parts) == 1 else parts[0].merge(parts[1]))
        )
        return out

    @property
    def tally(self) -> Any:
        """The wrapped :class:`~pluralign.prefs.tally.Tally` (None before any row)."""
        return self._tally

    def finalize(self) -> pl.DataFrame:
        """The tally table (see the class docstring)."""
        if self._tally is None:
            raise InputError("TallyState saw no rows; update it with at least one batch")
        return self._tally.finalize()

    def _payload(self) -> bytes:
        return self.n_rows.to_bytes(8, "little") + (
            b"" if self._tally is None else self._tally.to_bytes()
        )

    def _load(self, payload: bytes) -> None:
        from ..prefs.tally import Tally

        self.n_rows = int.from_bytes(payload[:8], "little")
        self._tally = Tally.from_bytes(payload[8:]) if len(payload) > 8 else None


# -- Bradley-Terry sufficient statistics ---------------------------------------------------


class BradleyTerryState(_State):
    """Sufficient statistics of the Bradley–Terry model (Bradley & Terry 1952): per group and
    item pair, the exact counts and weight sums of wins of each side and of ties.

    The log-likelihood ``sum_rows w * log P(chosen beats rejected)`` depends on the data only
    through these per-pair sums, so fitting on the compact table they define (one row per
    (pair, outcome) with the summed weight) gives the maximum-likelihood strengths of the raw
    rows. :meth:`finalize` calls :func:`pluralign.stats.bradley_terry` on that table and reports
    ``n_comparisons`` from the exact integer counts. Rows with weight 0 are left out (as
    ``bradley_terry`` does) and counted in ``n_zero_weight``.
    """

    def __init__(
        self,
        groups: str | Sequence[str] | None = None,
        *,
        chosen: str = "chosen_id",
        rejected: str = "rejected_id",
        tie: str | None = "tie",
        weight: str | None = "weight",
        threads: int | None = None,
        by: Any = _v.UNSET,
    ) -> None:
        by = _v.renamed("BradleyTerryState", "groups", groups, "by", by)
        _settings(chosen=chosen, rejected=rejected, tie=tie, weight=weight, threads=threads)
        self._config = {
            "by": _cols(by),
            "chosen": chosen,
            "rejected": rejected,
            "tie": tie,
            "weight": weight,
            "threads": threads,
        }
        self._inner = TallyState(
            by, chosen=chosen, rejected=rejected, tie=tie, weight=weight, threads=threads
        )
        self.n_zero_weight = 0

    def update(self, batch: Any) -> BradleyTerryState:
        """Add one batch's per-pair counts."""
        df = as_frame(batch)
        w = self._config["weight"]
        if w is not None and w in df.columns and df.height:
            if not df[w].dtype.is_numeric():
                raise SchemaError(f"column '{w}' has type {df[w].dtype}; it must be numeric")
            zero = df[w] == 0
            nz = int(zero.sum() or 0)
            if nz:
                self.n_zero_weight += nz
                df = df.filter(~zero)
        self._inner.update(df)
        return self

    def merge(self, other: BradleyTerryState) -> BradleyTerryState:
        """Sum of both states' statistics."""
        self._check_other(other)
        out = self.empty()
        out._inner = self._inner.merge(other._inner)
        out.n_zero_weight = self.n_zero_weight + other.n_zero_weight
        return out

    def counts(self) -> pl.DataFrame:
        """The per-pair table (``TallyState.finalize``)."""
        return self._inner.finalize()

    def comparisons(self) -> pl.DataFrame:
        """The compact weighted comparisons table equivalent to the raw rows: columns ``by``,
        ``chosen_id``, ``rejected_id``, ``tie``, ``weight`` (one row per pair and outcome)."""
        t = self.counts()
        by = self._config["by"]
        a, b = pl.col("item_a"), pl.col("item_b")
        parts = [
            t.filter(pl.col("wins_a") > 0).select(
                *by,
                a.alias("chosen_id"),
                b.alias("rejected_id"),
                pl.lit(False).alias("tie"),
                pl.col("weight_a").alias("weight"),
            ),
            t.filter(pl.col("wins_b") > 0).select(
                *by,
                b.alias("chosen_id"),
                a.alias("rejected_id"),
                pl.lit(False).alias("tie"),
                pl.col("weight_b").alias("weight"),
            ),
            t.filter(pl.col("ties") > 0).select(
                *by,
                a.alias("chosen_id"),
                b.alias("rejected_id"),
                pl.lit(True).alias("tie"),
                pl.col("weight_ties").alias("weight"),
            ),
        ]
        return pl.concat(parts, how="vertical").sort([*by, "chosen_id", "rejected_id", "tie"])

    def finalize(self, **kwargs: Any) -> pl.DataFrame:
        """Bradley–Terry fit on the aggregated statistics: the output of
        :func:`pluralign.stats.bradley_terry` (keywords pass through, e.g. ``l2``, ``ties``,
        ``prior``, ``method``), with ``n_comparisons`` counted from the exact tallies.
        ``bootstrap`` is refused: it resamples raw rows, which the statistics no longer hold."""
        from ..stats import bradley_terry

        if kwargs.get("bootstrap", 0):
            raise InputError(
                "bootstrap intervals resample raw comparisons, which a BradleyTerryState does "
                "not keep; use the Wald intervals (bootstrap=0) or run bradley_terry on the rows"
            )
        for k in ("chosen", "rejected", "tie", "weight", "by"):
            if k in kwargs:
                raise InputError(f"'{k}' is set when the state is built, not in finalize()")
        by = self._config["by"]
        fit = bradley_terry(
            self.comparisons(),
            by or None,
            chosen="chosen_id",
            rejected="rejected_id",
            tie="tie",
            weight="weight",
            threads=self._config["threads"],
            **kwargs,
        )
        t = self.counts()
        n_col = "n" if kwargs.get("ties", "half") == "half" else None
        cnt = t.with_columns((pl.col("wins_a") + pl.col("wins_b")).alias("_nw"))
        val = pl.col(n_col) if n_col else pl.col("_nw")
        per_item = (
            pl.concat(
                [
                    cnt.select(*by, pl.col("item_a").alias("item"), val.alias("_c")),
                    cnt.select(*by, pl.col("item_b").alias("item"), val.alias("_c")),
                ]
            )
            .group_by([*by, "item"])
            .agg(pl.col("_c").sum())
        )
        fit = fit.drop("n_comparisons").join(
            per_item, on=[*by, "item"], how="left", nulls_equal=True
        )
        return fit.with_columns(
            pl.col("_c").fill_null(0).cast(pl.Int64).alias("n_comparisons")
        ).drop("_c")

    def _payload(self) -> bytes:
        return self.n_zero_weight.to_bytes(8, "little") + self._inner._payload()

    def _load(self, payload: bytes) -> None:
        self.n_zero_weight = int.from_bytes(payload[:8], "little")
        self._inner._load(payload[8:])


# -- social-choice profiles ----------------------------------------------------------------


class ProfileState(_State):
    """A social-choice profile (:class:`pluralign.choice.Profile`) over a fixed candidate list.

    ``kind="rankings"`` reads the canonical rankings table (``ranking`` tiers, ``weight``);
    ``kind="comparisons"`` builds a pairwise-only profile (``chosen_id``/``rejected_id``,
    ``weight``; tied rows add no support). Merging is ``Profile.merge`` (identical ballots add
    their weights), so ``finalize()`` gives the profile of all rows; its ``support()`` and
    ``margins()`` equal the one-machine profile's to floating-point rounding (exactly for
    integer weights). ``candidates`` is required so every part agrees on the same list.
    """

    def __init__(
        self,
        candidates: Sequence[Any],
        *,
        kind: Literal["rankings", "comparisons"] = "rankings",
        ranking: str = "ranking",
        chosen: str = "chosen_id",
        rejected: str = "rejected_id",
        weight: str = "weight",
        threads: int | None = None,
    ) -> None:
        _v.option(kind, "kind", ("rankings", "comparisons"))
        _settings(ranking=ranking, chosen=chosen, rejected=rejected, weight=weight, threads=threads)
        cands = list(_v.id_array(candidates, "candidates").tolist())
        if not cands:
            raise InputError("candidates is empty: a profile needs at least one candidate")
        self._config = {
            "candidates": cands,
            "kind": kind,
            "ranking": ranking,
            "chosen": chosen,
            "rejected": rejected,
            "weight": weight,
            "threads": threads,
        }
        self._profile: Any = None

    def update(self, batch: Any) -> ProfileState:
        """Parse one batch of ballots (or comparisons) and add it."""
        from ..choice import Profile

        df = as_frame(batch)
        if df.height == 0:
            return self
        c = self._config
        if c["kind"] == "rankings":
            p = Profile.from_rankings(
                df,
                candidates=c["candidates"],
                ranking=c["ranking"],
                weight=c["weight"],
                threads=c["threads"],
            )
        else:
            p = Profile.from_comparisons(
                df,
                candidates=c["candidates"],
                chosen=c["chosen"],
                rejected=c["rejected"],
                weight=c["weight"],
            )
        self._profile = p if self._profile is None else self._profile.merge(p)
        return self

    def merge(self, other: ProfileState) -> ProfileState:
        """The profile of both ballot sets."""
        self._check_other(other)
        out = self.empty()
        parts = [p for p in (self._profile, other._profile) if p is not None]
        out._profile = (
            None if not parts else (parts[0] if len(parts) == 1 else parts[0].merge(parts[1]))
        )
        return out

    def finalize(self) -> Any:
        """The merged :class:`pluralign.choice.Profile` (run any voting rule on it)."""
        if self._profile is None:
            raise InputError("ProfileState saw no rows; update it with at least one batch")
        return self._profile

    def margins(self) -> np.ndarray:
        """``finalize().margins()``."""
        return np.asarray(self.finalize().margins())

    def _payload(self) -> bytes:
        if self._profile is None:
            return b""
        return pickle.dumps(self._profile.__getstate__()["parts"], protocol=5)

    def _load(self, payload: bytes) -> None:
        from ..choice import Profile

        if not payload:
            self._profile = None
            return
        p = Profile.__new__(Profile)
        p.__setstate__({"parts": pickle.loads(payload), "candidates": self._config["candidates"]})
        self._profile = p


# -- participation vote matrices -----------------------------------------------------------


class VoteMatrixState(_State):
    """Sparse participant x statement vote counts (Polis-like ``votes`` tables).

    Per (``statement_id``, ``participant_id``): ``n_agree``, ``n_disagree``, ``n_pass`` (exact
    counts of votes 1, -1, 0) and, when a ``timestamp`` column is named, the latest vote
    (``last_timestamp``, ``last_vote``; at equal timestamps the larger vote wins, so the merge
    stays commutative). :meth:`votes` turns it into the canonical one-vote-per-pair table that
    :func:`pluralign.govern.groups.vote_matrix` takes.
    """

    def __init__(
        self,
        *,
        statement: str = "statement_id",
        participant: str = "participant_id",
        vote: str = "vote",
        timestamp: str | None = None,
    ) -> None:
        _settings(statement=statement, participant=participant, vote=vote, timestamp=timestamp)
        self._config = {
            "statement": statement,
            "participant": participant,
            "vote": vote,
            "timestamp": timestamp,
        }
        self._state: pl.DataFrame | None = None

    def _keys(self) -> list[str]:
        return ["statement_id", "participant_id"]

    def _agg(self, df: pl.DataFrame) -> pl.DataFrame:
        aggs = [pl.col("n_agree").sum(), pl.col("n_disagree").sum(), pl.col("n_pass").sum()]
        if self._config["timestamp"] is not None:
            order = pl.struct("last_timestamp", "last_vote")
            aggs += [pl.col("last_timestamp").max(), pl.col("last_vote").sort_by(order).last()]
        return df.group_by(self._keys()).agg(aggs)

    def update(self, batch: Any) -> VoteMatrixState:
        """Validate one batch of votes and add its counts."""
        df = as_frame(batch)
        c = self._config
        cols = [c["statement"], c["participant"], c["vote"]]
        if c["timestamp"] is not None:
            cols.append(c["timestamp"])
        _v.require_columns(df, cols, "votes", hint=_HINT)
        if df.height == 0:
            return self
        for col in cols:
            if df[col].null_count():
                row = int(df[col].is_null().arg_max() or 0)
                raise InputError(f"votes: column '{col}' is null at row {row}; drop or fill it")
        _v.key_columns(df, cols[:2], "votes")
        v = df[c["vote"]]
        if not v.dtype.is_numeric():
            raise SchemaError(
                f"votes: column '{c['vote']}' has type {v.dtype}; it must hold -1, 0 or 1"
            )
        bad = ~v.cast(pl.Float64).is_in([-1.0, 0.0, 1.0])  # 0.5 and NaN are not votes
        if bad.any():
            row = int(bad.arg_max() or 0)
            raise InputError(
                f"votes: column '{c['vote']}' is {v[row]!r} at row {row}; votes "
                "must be -1 (disagree), 0 (pass) or 1 (agree)"
            )
        vv = pl.col(c["vote"]).cast(pl.Int8)
        sel = [
            pl.col(c["statement"]).alias("statement_id"),
            pl.col(c["participant"]).alias("participant_id"),
            (vv == 1).cast(pl.Int64).alias("n_agree"),
            (vv == -1).cast(pl.Int64).alias("n_disagree"),
            (vv == 0).cast(pl.Int64).alias("n_pass"),
        ]
        if c["timestamp"] is not None:
            sel += [pl.col(c["timestamp"]).alias("last_timestamp"), vv.alias("last_vote")]
        part = self._agg(df.select(sel))
        self._state = part if self._state is None else self._merge_frames(self._state, part)
        return self

    def _merge_frames(self, a: pl.DataFrame, b: pl.DataFrame) -> pl.DataFrame:
        try:
            both = pl.concat([a, b], how="vertical")
        except (pl.exceptions.SchemaError, pl.exceptions.ShapeError) as e:
            raise SchemaError(f"vote batches have different column types: {e}") from None
        return self._agg(both)

    def merge(self, other: VoteMatrixState) -> VoteMatrixState:
        """Sum of counts; latest vote by timestamp."""
        self._check_other(other)
        out = self.empty()
        parts = [s for s in (self._state, other._state) if s is not None]
        out._state = (
            None
            if not parts
            else (parts[0] if len(parts) == 1 else self._merge_frames(parts[0], parts[1]))
        )
        return out

    def finalize(self) -> pl.DataFrame:
        """The counts table, sorted by statement then participant, with ``n_votes``."""
        if self._state is None:
            raise InputError("VoteMatrixState saw no rows; update it with at least one batch")
        return self._state.sort(self._keys()).with_columns(
            (pl.col("n_agree") + pl.col("n_disagree") + pl.col("n_pass")).alias("n_votes")
        )

    def votes(self) -> pl.DataFrame:
        """One vote per (statement, participant): the latest one when a timestamp was named.
        Without a timestamp a pair voted on more than once is an :class:`InputError`."""
        t = self.finalize()
        if self._config["timestamp"] is not None:
            return t.select(
                "statement_id", "participant_id", pl.col("last_vote").cast(pl.Int64).alias("vote")
            )
        dup = t.filter(pl.col("n_votes") > 1)
        if dup.height:
            r = dup.row(0, named=True)
            raise InputError(
                f"{dup.height} (statement, participant) pair(s) have several votes, e.g. "
                f"statement {r['statement_id']!r} by participant {r['participant_id']!r}; build "
                "the state with timestamp=<column> so the latest vote counts"
            )
        return t.select(
            "statement_id",
            "participant_id",
            (pl.col("n_agree") - pl.col("n_disagree")).alias("vote"),
        )

    def statement_totals(self) -> pl.DataFrame:
        """Per statement: counts of agree / disagree / pass over the latest votes."""
        v = self.votes()
        return (
            v.group_by("statement_id")
            .agg(
                (pl.col("vote") == 1).sum().cast(pl.Int64).alias("agree"),
                (pl.col("vote") == -1).sum().cast(pl.Int64).alias("disagree"),
                (pl.col("vote") == 0).sum().cast(pl.Int64).alias("pass"),
            )
            .sort("statement_id")
        )

    def _payload(self) -> bytes:
        return _ipc(self._state)

    def _load(self, payload: bytes) -> None:
        self._state = _from_ipc(payload)


# -- Pareto fronts of groups ---------------------------------------------------------------


def group_codes(df: pl.DataFrame, by: Sequence[str]) -> np.ndarray:
    """Dense int64 codes of the ``by`` key of every row (nulls are an :class:`InputError`)."""
    _v.instance(df, pl.DataFrame, "df")
    by = _v.column_names(by, "by")
    if not by:
        raise InputError("by is empty: name at least one group column")
    _v.require_columns(df, by, "group_codes")
    for c in by:
        if df[c].null_count():
            row = int(df[c].is_null().arg_max() or 0)
            raise InputError(f"group column '{c}' is null at row {row}; drop or fill it")
    expr = pl.col(by[0]) if len(by) == 1 else pl.struct(by)
    return df.select(expr.rank("dense")).to_series().to_numpy().astype(np.int64)


class ParetoFrontState(_State):
    """Per group, the non-dominated rows (first Pareto front) of the ``objectives`` columns.

    Merging is the front of the union: a row dominated inside one part is dominated in the
    union (dominance is transitive), so front(front(A) ∪ front(B)) = front(A ∪ B) exactly; the
    state holds only front rows. Equal vectors never dominate each other and are all kept.
    ``keep`` names extra columns carried along (e.g. a response id). ``maximize`` as in
    :func:`pluralign.pareto.front` (default: maximize every objective).
    """

    def __init__(
        self,
        objectives: Sequence[str],
        groups: str | Sequence[str] | None = None,
        *,
        keep: Sequence[str] = (),
        maximize: bool | Sequence[bool] = True,
        threads: int | None = None,
        by: Any = _v.UNSET,
    ) -> None:
        by = _v.renamed("ParetoFrontState", "groups", groups, "by", by)
        objs = _v.strings(objectives, "objectives") or []
        if not objs:
            raise InputError("objectives is empty: name at least one score column")
        keep = _v.strings(keep, "keep") or []
        _settings(threads=threads)
        if isinstance(maximize, (bool, np.bool_)):
            mx: bool | list[bool] = bool(maximize)
        elif (
            isinstance(maximize, (list, tuple))
            and len(maximize) == len(objs)
            and all(isinstance(m, (bool, np.bool_)) for m in maximize)
        ):
            mx = [bool(m) for m in maximize]
        else:
            raise InputError(
                f"maximize must be a bool or one bool per objective ({len(objs)}), got {maximize!r}"
            )
        self._config = {
            "objectives": objs,
            "by": _cols(by),
            "keep": list(keep),
            "maximize": mx,
            "threads": threads,
        }
        self._state: pl.DataFrame | None = None

    def _front(self, df: pl.DataFrame) -> pl.DataFrame:
        from ..pareto import front

        c = self._config
        if df.height == 0:
            return df
        groups = group_codes(df, c["by"]) if c["by"] else None
        mask = front(
            df,
            objectives=c["objectives"],
            maximize=c["maximize"],
            groups=groups,
            threads=c["threads"],
        )
        return df.filter(pl.Series(mask))

    def update(self, batch: Any) -> ParetoFrontState:
        """Fold one batch in: front of (current front ∪ batch) per group."""
        df = as_frame(batch)
        c = self._config
        cols = c["by"] + c["keep"] + c["objectives"]
        _v.require_columns(df, cols, "scores", hint=_HINT)
        df = df.select(cols)
        if df.height == 0:
            return self
        self._state = self._front(df if self._state is None else self._concat(self._state, df))
        return self

    @staticmethod
    def _concat(a: pl.DataFrame, b: pl.DataFrame) -> pl.DataFrame:
        try:
            return pl.concat([a, b], how="vertical_relaxed")
        except (pl.exceptions.SchemaError, pl.exceptions.ShapeError) as e:
            raise SchemaError(f"score batches have different column types: {e}") from None

    def merge(self, other: ParetoFrontState) -> ParetoFrontState:
        """Front of the union of both fronts, per group."""
        self._check_other(other)
        out = self.empty()
        parts = [s for s in (self._state, other._state) if s is not None]
        out._state = (
            None
            if not parts
            else (parts[0] if len(parts) == 1 else self._front(self._concat(*parts)))
        )
        return out

    def finalize(self) -> pl.DataFrame:
        """The front rows, sorted by group, objectives and kept columns."""
        if self._state is None:
            raise InputError("ParetoFrontState saw no rows; update it with at least one batch")
        c = self._config
        return self._state.sort(c["by"] + c["objectives"] + c["keep"], nulls_last=True)

    def _payload(self) -> bytes:
        return _ipc(self._state)

    def _load(self, payload: bytes) -> None:
        self._state = _from_ipc(payload)


_REGISTRY: dict[str, type[_State]] = {
    cls.__name__: cls
    for cls in (TallyState, BradleyTerryState, ProfileState, VoteMatrixState, ParetoFrontState)
}
