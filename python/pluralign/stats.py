"""Statistics on preference data: Bradley–Terry strengths, Elo ratings, inter-rater agreement
and disagreement measures (polars in, polars out; the numerics run in the Rust core,
``rust/core/src/stats``).

- :func:`bradley_terry`: maximum-likelihood (or MAP) strengths of the Bradley–Terry model
  ``P(i beats j) = p_i / (p_i + p_j)`` (Bradley & Terry 1952; Zermelo 1929), fitted by Newton's
  method or Hunter's (2004) MM algorithm on the sparse comparison graph, with standard errors
  from the observed Fisher information and seeded percentile-bootstrap intervals.
- :func:`elo`: online Elo ratings (Elo 1978) in the order of the rows (arena style).
- :func:`agreement`: Krippendorff's alpha (Krippendorff 2011, "Computing Krippendorff's
  Alpha-Reliability"), Fleiss' kappa (Fleiss 1971), Cohen's kappa (Cohen 1960), raw pairwise
  percent agreement.
- :func:`disagreement`: per-item Shannon entropy of the label distribution and, between groups,
  the (generalized) Jensen–Shannon divergence (Lin 1991) and whether group majorities differ.

Item, rater and unit ids may be of any polars type; they are factorized to integer codes in Rust
straight from the Arrow buffers (:mod:`pluralign._factorize`), and results name the original
ids in their original type.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
import polars as pl

from . import _core
from . import _validate as _v
from ._factorize import Codes, codes_each, factorize, factorize_mapped, plain
from .errors import InputError, SchemaError

__all__ = [
    "Agreement",
    "agreement",
    "bradley_terry",
    "disagreement",
    "elo",
]

_COMPARISON_COLUMNS = ("chosen_id", "rejected_id")


# one frame coercion and one column check for the whole package
_as_frame = _v.frame
_require = _v.require_columns


def _check_no_nulls(df: pl.DataFrame, cols: Sequence[str], what: str) -> None:
    for c in cols:
        n = df[c].null_count()
        if n:
            row = int(df[c].is_null().arg_max() or 0)
            raise InputError(
                f"{what}: column '{c}' has {n} null value(s), first at row {row}; drop or fill them"
            )


def _factorize(*cols: pl.Series) -> tuple[pl.Series, list[np.ndarray]]:
    """Sorted distinct values of the columns and each column's int64 codes into them (the
    shared Rust factorizer, :mod:`pluralign._factorize`)."""
    items, codes = factorize(*cols)
    return items.rename("item"), [c.astype(np.int64) for c in codes]


def _item_codes(*cols: pl.Series, threads: int | None = None) -> tuple[pl.Series, list[Codes]]:
    """As :func:`_factorize`, with the factorizer's uint32 codes as they are (no copy), and a
    Categorical's / Enum's as its physical ids with a map (no code per row)."""
    items, codes = factorize_mapped(*cols, threads=threads)
    return cast(pl.Series, items).rename("item"), codes


def _weights(df: pl.DataFrame, col: str | None) -> np.ndarray | None:
    if col is None or col not in df.columns:
        return None
    s = df[col]
    if not s.dtype.is_numeric():
        raise SchemaError(f"column '{col}' has type {s.dtype} but weights must be numeric")
    _check_no_nulls(df, [col], "comparisons")
    return np.ascontiguousarray(s.cast(pl.Float64).to_numpy(), dtype=np.float64)


def _ties(df: pl.DataFrame, col: str | None) -> np.ndarray | None:
    if col is None or col not in df.columns:
        return None
    s = df[col]
    if s.dtype != pl.Boolean:
        raise SchemaError(f"column '{col}' has type {s.dtype} but tie must be Boolean")
    _check_no_nulls(df, [col], "comparisons")
    return np.ascontiguousarray(s.to_numpy(), dtype=np.bool_)


_SET = re.compile(r"\{([0-9, ]+)(, \.\.\. \(\d+ items\))?\}")


def _name_items(msg: str, items: pl.Series) -> str:
    """Rewrites the core's ``{3, 7}`` item-code sets as sets of the original item ids."""
    names = items.to_list()

    def repl(m: re.Match[str]) -> str:
        try:
            ids = [names[int(x)] for x in m.group(1).split(",") if x.strip()]
        except (IndexError, ValueError):
            return m.group(0)
        return "{" + ", ".join(repr(x) for x in ids) + (m.group(2) or "") + "}"

    return _SET.sub(repl, msg)


def _groups(
    df: pl.DataFrame, by: str | Sequence[str] | None
) -> list[tuple[dict[str, Any], pl.DataFrame]]:
    if by is None:
        return [({}, df)]
    cols = [by] if isinstance(by, str) else list(by)
    _require(df, cols, "comparisons")
    out = []
    for key, sub in df.group_by(cols, maintain_order=True):
        out.append((dict(zip(cols, key, strict=True)), sub))
    out.sort(key=lambda kv: tuple((v is None, v) for v in kv[0].values()))
    return out


def bradley_terry(
    comparisons: pl.DataFrame,
    groups: str | Sequence[str] | None = None,
    *,
    l2: float = 0.0,
    ties: Literal["half", "drop"] = "half",
    method: Literal["newton", "mm"] = "newton",
    bootstrap: int = 0,
    level: float = 0.95,
    seed: int = 0,
    prior: float = 0.0,
    tol: float = 1e-10,
    max_iter: int = 1000,
    standard_errors: bool = True,
    chosen: str = "chosen_id",
    rejected: str = "rejected_id",
    tie: str | None = "tie",
    weight: str | None = "weight",
    threads: int | None = None,
    by: Any = _v.UNSET,
) -> pl.DataFrame:
    """Bradley–Terry strengths per item (and per ``groups`` group) from pairwise comparisons.

    Model: ``P(i beats j) = p_i / (p_i + p_j)`` (Bradley & Terry 1952). ``strength`` is the
    log-strength ``ln p_i`` normalized to mean 0 over the items of the group. Fitted by Newton's
    method with conjugate-gradient solves (``method="newton"``) or Hunter's (2004) MM algorithm
    (``method="mm"``); converged when no log-strength moves more than ``tol``.

    Parameters
    ----------
    comparisons
        the canonical comparisons table (``chosen_id``, ``rejected_id``, optional
        ``tie`` (bool) and ``weight`` (float)). Ids may be of any type.
    groups
        optional group columns; one independent fit per group (``by=`` is the old
        name, deprecated).
    l2
        Gaussian prior precision on log-strengths (``-(l2/2) sum theta^2``); with
        ``l2 > 0`` every comparison graph has finite strengths.
    ties
        ``"half"`` counts a tie as half a win for each side (Zermelo 1929), ``"drop"``
        ignores tied rows.
    bootstrap
        number of percentile-bootstrap replicates (resampling comparisons, seeded by
        ``seed``; results do not depend on the thread count); 0 uses Wald intervals
        ``strength ± z * se`` instead.
    level
        interval coverage.
    prior
        pseudo-comparisons against a virtual reference item of strength 0: every item
        gets ``prior`` tied games with it (Coulom 2008's "virtual draws"), which also makes
        any graph identifiable. The reference item is not reported.
    standard_errors
        compute ``se`` from the inverse observed Fisher information (at most
        2,000 items per group; pass ``False`` above that).

    Returns
    -------
    out
        a table with the ``groups`` columns, ``item``, ``strength``, ``se``, ``ci_low``,
        ``ci_high``, ``n_comparisons`` (rows the item appears in and that the fit used), sorted
        by group and item.

    Raises
    ------
    InputError
        when the comparison graph is disconnected or some item never wins / never
        loses and neither ``l2`` nor ``prior`` is given (the message names the components by
        item id), on ``chosen == rejected``, negative or non-finite weights, nulls.
    SchemaError
        on missing or mistyped columns.
    """
    by = _v.renamed("bradley_terry", "groups", groups, "by", by)
    df = _as_frame(comparisons, "comparisons")
    _require(df, [chosen, rejected], "comparisons")
    _v.number(l2, "l2", lo=0)
    _v.seed(seed)
    _v.threads(threads)
    _v.number(level, "level")
    _v.count(bootstrap, "bootstrap", least=-(2**63), most=10**6)
    if not (isinstance(prior, (int, float)) and math.isfinite(prior) and prior >= 0):
        raise InputError(f"prior = {prior!r} must be a finite number >= 0")
    if not (0.0 < level < 1.0):
        raise InputError(f"level = {level!r} must be in (0, 1)")
    if ties not in ("half", "drop"):
        raise InputError(f'ties must be "half" or "drop", got {ties!r}')
    if bootstrap < 0:
        raise InputError(f"bootstrap = {bootstrap} must be >= 0 (0 = no bootstrap)")
    _check_no_nulls(df, [chosen, rejected], "comparisons")
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    frames = []
    z = _normal_quantile(0.5 + level / 2.0)
    for key, sub in _groups(df, by):
        frames.append(
            _bt_one(
                sub,
                key,
                chosen,
                rejected,
                tie,
                weight,
                l2,
                ties,
                method,
                bootstrap,
                level,
                seed,
                prior,
                tol,
                max_iter,
                standard_errors,
                threads,
                z,
            )
        )
    if not frames:
        schema: dict[str, Any] = {c: df.schema[c] for c in by_cols}
        schema.update(
            item=df.schema[chosen],
            strength=pl.Float64,
            se=pl.Float64,
            ci_low=pl.Float64,
            ci_high=pl.Float64,
            n_comparisons=pl.Int64,
        )
        return pl.DataFrame(schema=schema)
    return pl.concat(frames, how="vertical")


def _normal_quantile(p: float) -> float:
    """Standard normal quantile (Acklam-free: bisection on math.erf, exact to 1e-12)."""
    lo, hi = -40.0, 40.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if 0.5 * (1.0 + math.erf(mid / math.sqrt(2.0))) < p:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _bt_one(
    sub: pl.DataFrame,
    key: dict[str, Any],
    chosen: str,
    rejected: str,
    tie: str | None,
    weight: str | None,
    l2: float,
    ties: str,
    method: str,
    bootstrap: int,
    level: float,
    seed: int,
    prior: float,
    tol: float,
    max_iter: int,
    standard_errors: bool,
    threads: int | None,
    z: float,
) -> pl.DataFrame:
    items, (w, lo) = _item_codes(sub[chosen], sub[rejected], threads=threads)
    n = len(items)
    wt = _weights(sub, weight)
    tv = _ties(sub, tie)
    if prior > 0:
        # Virtual draws with a reference item (code n): a win and a loss of weight prior / 2.
        idx = np.arange(n, dtype=np.uint32)
        ref = np.full(n, n, dtype=np.uint32)
        w = np.concatenate([plain(w), idx, ref])
        lo = np.concatenate([plain(lo), ref, idx])
        base_w = wt if wt is not None else np.ones(len(sub))
        wt = np.concatenate([base_w, np.full(2 * n, prior / 2.0)])
        if tv is not None:
            tv = np.concatenate([tv, np.zeros(2 * n, dtype=bool)])
        n_fit = n + 1
    else:
        n_fit = n
    try:
        r = _core.stats_bradley_terry(
            w,
            lo,
            n_fit,
            weight=wt,
            tie=tv,
            l2=float(l2),
            ties=ties,
            method=method,
            tol=float(tol),
            max_iter=int(max_iter),
            standard_errors=standard_errors,
            bootstrap=int(bootstrap),
            level=float(level),
            seed=int(seed),
            threads=threads,
        )
    except InputError as e:
        where = f" (group {key})" if key else ""
        msg = _name_items(str(e), items)
        if "no finite maximum-likelihood" in msg:
            msg += "; or pass prior > 0"
        raise InputError(msg + where) from None
    strength = np.asarray(r.strength)
    se = None if r.se is None else np.asarray(r.se)
    if prior > 0:
        strength = strength[:n] - strength[:n].mean()
        se = None if se is None else se[:n]
    if bootstrap > 0:
        low, high = np.asarray(r.ci_low), np.asarray(r.ci_high)
        if prior > 0:
            # Replicates are normalized over n + 1 items; shift to the reported normalization.
            shift = np.asarray(r.strength)[:n].mean()
            low, high = low[:n] - shift, high[:n] - shift
    elif se is not None:
        low, high = strength - z * se, strength + z * se
    else:
        low = high = np.full(n, np.nan)
    out = pl.DataFrame(
        {
            "item": items,
            "strength": strength,
            "se": se if se is not None else np.full(n, np.nan),
            "ci_low": low,
            "ci_high": high,
            # used comparisons of each item, less the two virtual draws of `prior`
            "n_comparisons": np.asarray(r.item_comparisons)[:n].astype(np.int64)
            - (2 if prior > 0 else 0),
        }
    )
    if key:
        out = out.select(*[pl.lit(v).alias(k) for k, v in key.items()], *out.columns)
        out = out.with_columns([pl.col(k).cast(sub.schema[k]) for k in key])
    return out


def elo(
    comparisons: pl.DataFrame,
    *,
    k: float = 4.0,
    initial: float = 1000.0,
    scale: float = 400.0,
    base: float = 10.0,
    chosen: str = "chosen_id",
    rejected: str = "rejected_id",
    tie: str | None = "tie",
    weight: str | None = "weight",
) -> pl.DataFrame:
    """Online Elo ratings (Elo 1978), processing the rows in order.

    For a row where ``a`` beat ``b`` with weight ``w``: ``E_a = 1 / (1 + base^((R_b - R_a) /
    scale))``, ``S_a = 1`` (0.5 for a tie) and ``R_a += k w (S_a - E_a)``, ``R_b -= k w (S_a -
    E_a)``. Defaults: ``k = 4`` (LMSYS Chatbot Arena), ``initial = 1000``, chess ``scale = 400``,
    ``base = 10``.

    Returns
    -------
    out
        a table ``item``, ``rating``, ``games`` (weighted games played), sorted by item.
    """
    df = _as_frame(comparisons, "comparisons")
    _require(df, [chosen, rejected], "comparisons")
    _check_no_nulls(df, [chosen, rejected], "comparisons")
    items, (w, lo) = _item_codes(df[chosen], df[rejected])
    r = _core.stats_elo(
        w,
        lo,
        len(items),
        weight=_weights(df, weight),
        tie=_ties(df, tie),
        k=float(k),
        initial=float(initial),
        scale=float(scale),
        base=float(base),
    )
    return pl.DataFrame({"item": items, "rating": r.ratings, "games": r.games})


@dataclass(frozen=True)
class Agreement:
    """An agreement coefficient and its parts.

    ``value`` is alpha / kappa / the agreeing share; ``observed`` and ``expected`` are the
    observed and chance disagreement (alpha) or agreement (kappa); ``n_units`` counts the units
    that contributed (rated at least twice).
    """

    value: float
    metric: str
    level: str | None
    observed: float | None
    expected: float | None
    n_units: int

    def __float__(self) -> float:
        return float(self.value)


_METRICS = ("krippendorff", "fleiss", "cohen", "percent")
_LEVELS = ("nominal", "ordinal", "interval", "ratio")


def agreement(
    ratings: pl.DataFrame | np.ndarray,
    metric: Literal["krippendorff", "fleiss", "cohen", "percent"] = "krippendorff",
    level: Literal["nominal", "ordinal", "interval", "ratio"] = "nominal",
    *,
    rater: str = "annotator_id",
    item: str = "item",
    value: str = "value",
    threads: int | None = None,
) -> Agreement:
    """Inter-rater agreement of ratings with missing data allowed.

    Parameters
    ----------
    ratings
        a long table with one row per (rater, item) rating (columns ``rater``,
        ``item``, ``value``; missing ratings are absent rows), or a ``raters x items``
        numpy array with NaN for missing ratings (Krippendorff's reliability-data layout).
    metric
        ``"krippendorff"`` (alpha, Krippendorff 2011; any ``level``), ``"fleiss"``
        (Fleiss 1971; every rated item needs the same number of ratings), ``"cohen"``
        (Cohen 1960; exactly two raters, items rated by both), ``"percent"`` (pooled share
        of agreeing pairs of ratings of the same item).
    level
        level of measurement for alpha: ``"nominal"``, ``"ordinal"``, ``"interval"``,
        ``"ratio"``. Kappas and percent agreement treat values as nominal categories.
        Values may be strings for nominal data (they are coded as categories); ordinal,
        interval and ratio levels need numeric values.

    Returns
    -------
    out
        an :class:`Agreement` (``float(result)`` is the coefficient).

    Raises
    ------
    InputError
        on an undefined coefficient (no item rated twice, no variation), a rater who
        rates an item twice, non-finite values, unknown metric/level.
    SchemaError
        on missing columns or non-numeric values where numbers are needed.
    """
    if metric not in _METRICS:
        raise InputError(f"metric must be one of {_METRICS}, got {metric!r}")
    if metric == "krippendorff" and level not in _LEVELS:
        raise InputError(f"level must be one of {_LEVELS}, got {level!r}")
    unit: Codes
    rat: Codes
    if isinstance(ratings, np.ndarray):
        x = _dense_matrix(_v.numeric_array(ratings, "ratings"))
        if metric == "krippendorff":
            # Straight from the matrix (interval: one pass over per-item moments).
            r = _core.stats_alpha_dense(x, level=level, threads=threads)
            return Agreement(
                value=float(r.value),
                metric=metric,
                level=level,
                observed=r.observed,
                expected=r.expected,
                n_units=int(r.n_units),
            )
        unit, rat, val = _core.stats_matrix_to_long(x, threads=threads)
    else:
        df = _as_frame(ratings, "ratings")
        _require(df, [rater, item, value], "ratings")
        _check_no_nulls(df, [rater, item, value], "ratings")
        # only equality of ids (and of nominal labels) matters: first-seen codes, whatever
        # the dtype, so int, String, Categorical and Enum ids give the same codes
        # (the factorizer's uint32 codes go to Rust as they are: no int64 copies; Categorical /
        # Enum ids as their physical ids with a map: no code per row)
        unit, rat = codes_each(df[item], df[rater], sort=False, threads=threads)
        vs = df[value]
        if vs.dtype.is_numeric():
            val = np.ascontiguousarray(vs.cast(pl.Float64).to_numpy(), dtype=np.float64)
        elif metric != "krippendorff" or level == "nominal":
            (codes,) = factorize(vs, sort=False, threads=threads, values=False)[1]
            val = codes.astype(np.float64)
        else:
            raise SchemaError(
                f"column '{value}' has type {vs.dtype}; level {level!r} needs numeric values "
                "(map the labels to numbers in their order first)"
            )
    r = _core.stats_agreement(unit, rat, val, metric, level=level, threads=threads)
    return Agreement(
        value=float(r.value),
        metric=metric,
        level=level if metric == "krippendorff" else None,
        observed=r.observed,
        expected=r.expected,
        n_units=int(r.n_units),
    )


def _dense_matrix(a: np.ndarray) -> np.ndarray:
    if a.ndim != 2:
        raise InputError(f"the ratings array must be 2-D (raters x items), got shape {a.shape}")
    if not np.issubdtype(a.dtype, np.number):
        raise InputError(f"the ratings array must be numeric with NaN for missing, got {a.dtype}")
    # Rust reads the matrix row by row in column blocks; the long triples it returns for the
    # kappas are item-major (each item's ratings contiguous, borrowed without regrouping).
    return np.ascontiguousarray(a, dtype=np.float64)


def disagreement(
    votes_or_ratings: pl.DataFrame,
    item: str = "item",
    groups: str | None = None,
    *,
    label: str | None = None,
    weight: str | None = None,
    by: Any = _v.UNSET,
    group: Any = _v.UNSET,
) -> pl.DataFrame:
    """Per-item disagreement: entropy of the label distribution and, across groups, the
    Jensen–Shannon divergence of the groups' label distributions.

    Parameters
    ----------
    votes_or_ratings
        a long table, one row per vote / rating, with the item column
        ``item`` (``"item"``; e.g. ``"statement_id"`` for Polis votes) and a label column.
    label
        the label column; default ``"vote"`` if present, else ``"label"``, ``"value"``,
        ``"score"`` (the first one present). Labels are compared as categories.
    groups
        optional column with the rater's group (e.g. an opinion group).
    by, group
        the old names of ``item`` and ``groups`` (deprecated, one release).
    weight
        optional weight column (default: every row counts 1).

    Returns
    -------
    out
        one row per item, sorted: ``item``, ``n`` (total weight), ``entropy`` (Shannon, nats,
        ``-sum p ln p``), ``majority`` (the most frequent label; ties go to the smallest label),
        ``majority_share``; with ``groups`` also ``n_groups`` (groups that rated the item),
        ``js_divergence`` (generalized JSD with equal group weights, Lin 1991:
        ``H(mean_g p_g) - mean_g H(p_g)``, equal to the two-distribution JSD for two groups, in
        ``[0, ln n_groups]``; 0 when only one group rated the item) and ``majorities_differ``
        (whether the groups' sets of modal labels are not all the same).
    """
    by = _v.renamed("disagreement", "item", item, "by", by, default="item")
    group = _v.renamed("disagreement", "groups", groups, "group", group)
    df = _as_frame(votes_or_ratings, "votes_or_ratings")
    for name, v in (("item", by), ("groups", group), ("label", label), ("weight", weight)):
        if (
            v is not None
            and not isinstance(v, str)
            and not (
                name == "item"
                and isinstance(v, (list, tuple))
                and all(isinstance(x, str) for x in v)
            )
        ):
            raise InputError(f"disagreement: {name} must be a column name (str) or None, got {v!r}")
        for c in [] if v is None else [v] if isinstance(v, str) else v:
            if c not in df.columns:
                raise SchemaError(
                    f"disagreement: {name} column {c!r} not found; columns are {df.columns}"
                )
    if label is None:
        label = next((c for c in ("vote", "label", "value", "score") if c in df.columns), None)
        if label is None:
            raise SchemaError(
                f"no label column found (looked for vote, label, value, score in {df.columns}); "
                "pass label="
            )
    by_cols = [by] if isinstance(by, str) else list(by)
    cols = by_cols + [label] + ([group] if group else []) + ([weight] if weight else [])
    _require(df, cols, "votes_or_ratings")
    _check_no_nulls(df, cols, "votes_or_ratings")
    if weight is not None:
        if not df[weight].dtype.is_numeric():
            raise SchemaError(
                f"column '{weight}' has type {df[weight].dtype}; weights must be numeric"
            )
        bad = ~(df[weight].cast(pl.Float64).is_finite() & (df[weight].cast(pl.Float64) >= 0))
        if bad.any():
            row = int(bad.arg_max() or 0)
            raise InputError(
                f"column '{weight}' row {row} is {df[weight][row]}; weights must be finite and >= 0"
            )
    # Items and labels become dense codes in their sort order and groups first-seen codes (the
    # shared factorizer, from the Arrow buffers); Rust counts per item. The result's id columns
    # are gathered from each item's first row and its majority from the distinct labels, so
    # they keep the input's type (Categorical / Enum with the input's dictionary).
    items, n_items = _composite_item_codes([df[c] for c in by_cols])
    label_values, (labels,) = factorize(df[label])
    # only equality matters for groups: Categorical / Enum as their dictionary indices
    group_codes = factorize(df[group].to_physical(), sort=False)[1][0] if group else None
    w = None
    if weight is not None:
        w = np.ascontiguousarray(df[weight].cast(pl.Float64).to_numpy(), dtype=np.float64)
        if (w == 0).any():  # a zero total weight would give NaN shares
            keys = by_cols + ([group] if group else [])
            _check_positive_totals(df, keys, weight, w, items, group_codes)
    r = _core.stats_item_label_stats(items, n_items, labels, group_codes, w)
    first = pl.Series(r.pop("first_row"))
    out = pl.DataFrame([df[c].gather(first) for c in by_cols])
    return out.with_columns(
        pl.Series("n", r["n"]),
        pl.Series("entropy", r["entropy"]),
        label_values.gather(r["majority"]).alias("majority"),
        pl.Series("majority_share", r["majority_share"]),
        *(
            [
                pl.Series("n_groups", r["n_groups"], dtype=pl.UInt32),
                pl.Series("js_divergence", r["js_divergence"]),
                pl.Series("majorities_differ", r["majorities_differ"], dtype=pl.Boolean),
            ]
            if group
            else []
        ),
    )


def _composite_item_codes(cols: list[pl.Series]) -> tuple[np.ndarray, int]:
    """Dense uint32 item codes in sorted order: of one id column, or of several taken in turn
    (lexicographically, each column in its own order)."""
    values, (codes,) = factorize(cols[0])
    for c in cols[1:]:
        v, (k,) = factorize(c)
        # the pairs (code, k) in lexicographic order, renumbered densely (sorted integers)
        values, (codes,) = factorize(pl.Series(codes.astype(np.uint64) * np.uint64(len(v)) + k))
    return codes, len(values)


def _check_positive_totals(
    df: pl.DataFrame,
    keys: list[str],
    weight: str,
    w: np.ndarray,
    items: np.ndarray,
    groups: np.ndarray | None,
) -> None:
    """InputError naming the first item (and group, in order of first appearance) whose rows
    all have weight 0."""
    cells = pl.DataFrame(
        {"_i": items, "_g": groups if groups is not None else np.zeros_like(items), "_w": w}
    ).with_row_index("_r")
    zero = (
        cells.group_by("_i", "_g", maintain_order=True)
        .agg(pl.col("_w").sum().alias("_t"), pl.col("_r").first())
        .filter(pl.col("_t") <= 0)
    )
    if zero.height:
        row = int(zero["_r"][0])
        what = ", ".join(f"{k} {df[k][row]!r}" for k in keys)
        raise InputError(
            f"disagreement: {what} has total weight 0 in column '{weight}', so its label "
            f"shares are undefined ({zero.height} such group(s)); drop those rows or give "
            "them weight"
        )
