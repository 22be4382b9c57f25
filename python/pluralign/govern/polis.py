"""The Polis math, reproduced: who is clustered, the projection, base and group clusters, the
choice of k, and Polis's representative and consensus statements.

Source: the Polis server's math (compdemocracy/polis, ``math/src/polismath/math/``:
``conversation.clj``, ``pca.clj``, ``clusters.clj``, ``repness.clj``, ``stats.clj``), read and
re-implemented here; constants are Polis's. Polis computes incrementally: every update starts
from the previous update's clusters and debounces k over 4 updates. A batch run has no such
history, so where Polis depends on it this module says what it does instead (see ``docs/govern.md``,
"Departures from Polis"):

- base clusters start from the first 100 distinct participants in first-vote order (the order
  Polis's matrix rows have in a live process), as a cold Polis update does;
- group clusters are the best (least weighted inertia) of Polis's own start and ``n_init - 1``
  seeded k-means++ starts, iterated to convergence, instead of Polis's start-and-track;
- Polis's k smoother (4 updates) becomes a silhouette margin a larger k must clear.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from pluralign import _core
from pluralign.errors import InputError

# Polis's constants (conversation.clj :opts' and :in-conv)
BASE_K = 100
BASE_ITERS = 100
GROUP_ITERS = 20  # Polis passes :cluster-iters, which kmeans ignores: its default 20 applies
MAX_K = 5
MIN_VOTES = 7
GREEDY_N = 15
SAME_TOL = 0.01  # clusters.clj same-clustering? threshold
Z_90 = 1.2816  # one-sided 90 % (stats.clj z-sig-90?)
# pluralign's stand-in for Polis's 4-update k smoother (see choose_k and docs/govern.md)
K_MARGIN = 0.045


@dataclass(frozen=True)
class Projection:
    """Participants in 2-D as Polis places them."""

    xy: np.ndarray  # n x 2, sparsity-aware projection
    components: np.ndarray  # 2 x m loadings over the kept statements
    explained_variance: np.ndarray
    n_columns: int  # statements with a vote, moderated-out ones included (Polis's n-cmts)
    n_out_columns: int  # of those, the moderated-out ones (zeroed, counted as seen)


def project(
    scores: np.ndarray, n_kept_votes: np.ndarray, n_columns: int, n_out_columns: int
) -> np.ndarray:
    """Polis's sparsity-aware projection (``pca.clj sparsity-aware-project-ptpt``).

    ``scores`` are the PCA scores of the column-mean-imputed, centered rows (an imputed cell is
    0 after centering, so they equal Polis's sum over the voted cells). Each row is scaled by
    ``sqrt(n_columns / max(n_seen, 1))`` where ``n_seen`` counts the participant's votes on
    kept statements plus every moderated-out column: Polis zeroes those columns for everyone
    (``named_matrix.clj zero-out-columns``), so they count as seen."""
    seen = n_kept_votes.astype(np.float64) + n_out_columns
    return scores * np.sqrt(n_columns / np.maximum(seen, 1.0))[:, None]


def in_conversation(
    raw_counts: np.ndarray,
    n_columns: int,
    *,
    min_votes: int = MIN_VOTES,
    greedy: int = GREEDY_N,
    order: np.ndarray | None = None,
) -> np.ndarray:
    """Polis's in-conv rule (``conversation.clj :in-conv``) on a cold start: a participant is
    clustered with at least ``min(min_votes, n_columns)`` votes (passes and votes on
    moderated-out statements count); while fewer than ``greedy`` qualify, the participants with
    the most votes are added (ties in ``order``, default row order)."""
    n = len(raw_counts)
    inside = raw_counts >= min(min_votes, n_columns)
    have = int(inside.sum())
    if have < greedy:
        order = np.arange(n) if order is None else order
        rest = order[~inside[order]]
        top = rest[np.argsort(-raw_counts[rest], kind="stable")][: greedy - have]
        inside[top] = True
    return inside


def first_distinct(x: np.ndarray, k: int) -> np.ndarray:
    """Indices of the first ``k`` distinct rows of ``x`` in row order (Polis's
    ``init-clusters``)."""
    return np.asarray(_core.kmeans_first_distinct(np.ascontiguousarray(x, dtype=np.float64), k))


def kmeans(
    x: np.ndarray,
    init: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    max_iter: int = GROUP_ITERS,
    tol: float = SAME_TOL,
    drop_empty: bool = True,
    threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Polis's k-means (``clusters.clj kmeans``) from ``init``: labels and surviving centers.
    Ties go to the last center, empty clusters are dropped, and it stops when the sorted
    centers moved less than ``tol`` or after ``max_iter + 1`` steps (Rust kernel)."""
    r = _core.kmeans_lloyd(
        np.ascontiguousarray(x, dtype=np.float64),
        np.ascontiguousarray(init, dtype=np.float64),
        None if weights is None else np.ascontiguousarray(weights, dtype=np.float64),
        max_iter,
        tol,
        drop_empty,
        threads,
    )
    return np.asarray(r.labels), np.asarray(r.centers)


def base_clusters(
    x: np.ndarray, k: int = BASE_K, threads: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Polis's base clusters: k-means with ``k`` (100) centers started at the first ``k``
    distinct points, at most 100 iterations (``conversation.clj :base-clusters``). Returns
    (label per point, centers); fewer than ``k`` clusters when there are fewer distinct
    points or a cluster empties."""
    init = x[first_distinct(x, k)]
    return kmeans(x, init, max_iter=BASE_ITERS, threads=threads)


def max_k(n_base: int, k_max: int = MAX_K) -> int:
    """Largest group count Polis tries: ``min(5, 2 + n_base // 12)`` (``max-k-fn``)."""
    return min(k_max, 2 + n_base // 12)


def _kmeanspp(x: np.ndarray, w: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Weighted k-means++ seeding (Arthur & Vassilvitskii, 2007)."""
    first = int(rng.choice(len(x), p=w / w.sum()))
    centers = [x[first]]
    d2 = ((x - x[first]) ** 2).sum(axis=1)
    for _ in range(1, k):
        p = w * d2
        total = float(p.sum())
        i = int(rng.integers(len(x))) if total <= 0 else int(rng.choice(len(x), p=p / total))
        centers.append(x[i])
        d2 = np.minimum(d2, ((x - x[i]) ** 2).sum(axis=1))
    return np.array(centers)


def group_clusters(
    centers: np.ndarray, sizes: np.ndarray, k: int, *, n_init: int, seed: int
) -> np.ndarray:
    """Group clusters over the base clusters: k-means of the base centers weighted by their
    sizes. Polis starts from the first ``k`` distinct centers (in base order) and tracks that
    clustering across updates; without updates to track, the best (least weighted inertia) of
    that start and ``n_init - 1`` seeded k-means++ starts, each iterated to convergence, is
    kept. ``n_init=1`` is Polis's cold update exactly (its start, at most 21 steps, 0.01 rule).
    Returns the group of each base cluster (0..k'-1)."""
    w = sizes.astype(np.float64)
    if n_init == 1:  # exactly Polis's cold update: its start, 20 iterations, 0.01 rule
        return kmeans(centers, centers[first_distinct(centers, k)], weights=w, threads=1)[0]
    starts = [centers[first_distinct(centers, k)]]
    rng = np.random.default_rng([int(seed), k])
    starts += [_kmeanspp(centers, w, k, rng) for _ in range(max(0, n_init - 1))]
    best: tuple[float, np.ndarray] | None = None
    for init in starts:
        labels, c = kmeans(centers, init, weights=w, max_iter=300, tol=1e-12, threads=1)
        inertia = float((w * ((centers - c[labels]) ** 2).sum(axis=1)).sum())
        if best is None or inertia < best[0] * (1 - 1e-12) - 1e-300:
            best = (inertia, labels)
    assert best is not None
    return best[1]


def silhouette(centers: np.ndarray, labels: np.ndarray) -> float:
    """Polis's silhouette (``clusters.clj silhouette``): over the base clusters, each one
    point (unweighted); a member of a singleton group scores 0; the plain mean. NaN for fewer
    than two groups."""
    groups = np.unique(labels)
    if len(groups) < 2:
        return float("nan")
    diff = centers[:, None, :] - centers[None, :, :]
    dist = np.sqrt((diff * diff).sum(axis=2))
    onehot = (labels[:, None] == groups[None, :]).astype(np.float64)
    sums = dist @ onehot  # distance from each base cluster to each group, summed
    sizes = onehot.sum(axis=0)
    own = np.searchsorted(groups, labels)
    n = len(labels)
    a = sums[np.arange(n), own] / np.maximum(sizes[own] - 1, 1)
    means = sums / sizes[None, :]
    means[np.arange(n), own] = np.inf
    b = means.min(axis=1)
    denom = np.maximum(a, b)
    s = np.where(denom > 0, (b - a) / np.where(denom > 0, denom, 1.0), 0.0)
    s[sizes[own] == 1] = 0.0
    return float(s.mean())


def choose_k(silhouettes: dict[int, float], margin: float = 0.0) -> int:
    """The k of the groups from the silhouettes per k.

    ``margin = 0``: Polis's choice on a cold update, the largest silhouette, ties to the larger
    k (Clojure's ``max-key`` keeps the last of equal maxima over k = 2, 3, ...). ``margin > 0``
    stands in for Polis's k smoother, which keeps the current k (every conversation starts at
    k = 2) until another k has won four updates in a row: going from the smallest k upwards, a
    larger k replaces the current choice only if its silhouette is higher by at least
    ``margin``. NaN never wins."""
    best = None
    for k in sorted(silhouettes):
        s = silhouettes[k]
        if np.isnan(s):
            continue
        if best is None or s >= silhouettes[best] + margin:
            best = k
    if best is None:
        raise InputError(
            "no k gave two or more groups: the participants do not split "
            "(all clustered participants sit on one point)"
        )
    return best


# -- representative and consensus statements (repness.clj, stats.clj) ----------------------
def prop_test(success: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Polis's one-proportion z-score against 1/2 with a pseudocount of 1 on each count."""
    s, t = success + 1.0, n + 1.0
    return 2.0 * np.sqrt(t) * (s / t - 0.5)


def two_prop_test(s1: np.ndarray, s2: np.ndarray, n1: np.ndarray, n2: np.ndarray) -> np.ndarray:
    """Polis's two-proportion z-score with a pseudocount of 1 on each count (0 where the
    pooled rate is 1)."""
    s1, s2, n1, n2 = s1 + 1.0, s2 + 1.0, n1 + 1.0, n2 + 1.0
    p1, p2 = s1 / n1, s2 / n2
    pooled = (s1 + s2) / (n1 + n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return np.where(pooled >= 1.0, 0.0, z)


def repness_stats(
    agree: np.ndarray, disagree: np.ndarray, seen: np.ndarray
) -> dict[str, np.ndarray]:
    """Polis's per-(group, statement) statistics from k x m counts of agrees, disagrees and
    votes seen (passes included) in each group; "rest" is the sum over the *other* groups."""
    rest_a = agree.sum(axis=0)[None, :] - agree
    rest_d = disagree.sum(axis=0)[None, :] - disagree
    rest_s = seen.sum(axis=0)[None, :] - seen
    pa = (agree + 1.0) / (seen + 2.0)
    pd = (disagree + 1.0) / (seen + 2.0)
    return {
        "na": agree,
        "nd": disagree,
        "ns": seen,
        "pa": pa,
        "pd": pd,
        "pat": prop_test(agree, seen),
        "pdt": prop_test(disagree, seen),
        "ra": pa / ((rest_a + 1.0) / (rest_s + 2.0)),
        "rd": pd / ((rest_d + 1.0) / (rest_s + 2.0)),
        "rat": two_prop_test(agree, rest_a, seen, rest_s),
        "rdt": two_prop_test(disagree, rest_d, seen, rest_s),
    }


def select_representative(st: dict[str, np.ndarray], g: int, n: int = 5) -> list[dict[str, Any]]:
    """Polis's representative statements of group ``g`` (``repness.clj select-rep-comments``).

    A statement qualifies when its agree (or disagree) rate is significantly above the rest's
    *and* above one half (both z > 1.2816). Each is labelled agree when ``rat > rdt``, else
    disagree. The best-agree statement (largest ``ra * rat * pa * pat`` once one with
    ``ra > 1`` is found, else largest ``pa * pat``, among statements with a vote) comes first,
    then the others by ``repness * repness_test * p_success * p_test``, at most ``n``; agrees
    are listed before disagrees. With no qualifying statement, the best-agree one alone (or,
    failing that, the statement with the largest test score)."""
    m = st["na"].shape[1]
    sig = lambda z: z > Z_90

    def finalize(j: int) -> dict[str, Any]:
        if st["rat"][g, j] > st["rdt"][g, j]:
            return {
                "column": j,
                "repful_for": "agree",
                "n_success": int(st["na"][g, j]),
                "n_trials": int(st["ns"][g, j]),
                "p_success": float(st["pa"][g, j]),
                "p_test": float(st["pat"][g, j]),
                "repness": float(st["ra"][g, j]),
                "repness_test": float(st["rat"][g, j]),
            }
        return {
            "column": j,
            "repful_for": "disagree",
            "n_success": int(st["nd"][g, j]),
            "n_trials": int(st["ns"][g, j]),
            "p_success": float(st["pd"][g, j]),
            "p_test": float(st["pdt"][g, j]),
            "repness": float(st["rd"][g, j]),
            "repness_test": float(st["rdt"][g, j]),
        }

    sufficient: list[dict[str, Any]] = []
    best: dict[str, Any] | None = None
    best_agree: int | None = None
    for j in range(m):
        if (sig(st["rat"][g, j]) and sig(st["pat"][g, j])) or (
            sig(st["rdt"][g, j]) and sig(st["pdt"][g, j])
        ):
            sufficient.append(finalize(j))
        if not sufficient:
            test = max(st["rat"][g, j], st["rdt"][g, j])
            if best is None or test > best["repness_test"]:
                best = finalize(j)
        if st["na"][g, j] == 0 and st["nd"][g, j] == 0:
            continue
        if best_agree is not None:
            b = best_agree
            if st["ra"][g, b] > 1.0:
                better = (
                    st["ra"][g, j] * st["rat"][g, j] * st["pa"][g, j] * st["pat"][g, j]
                    > st["ra"][g, b] * st["rat"][g, b] * st["pa"][g, b] * st["pat"][g, b]
                )
            else:
                better = st["pa"][g, j] * st["pat"][g, j] > st["pa"][g, b] * st["pat"][g, b]
        else:
            better = bool(sig(st["pat"][g, j]) or (st["ra"][g, j] > 1.0 and st["pa"][g, j] > 0.5))
        if better:
            best_agree = j
    ba = None
    if best_agree is not None:
        ba = finalize(best_agree)
        ba["best_agree"] = True
    if not sufficient:
        return [ba] if ba is not None else ([best] if best is not None else [])

    def metric(r: dict[str, Any]) -> float:
        return r["repness"] * r["repness_test"] * r["p_success"] * r["p_test"]

    rest = sorted(
        (r for r in sufficient if ba is None or r["column"] != ba["column"]),
        key=metric,
        reverse=True,
    )
    top = ([ba] if ba is not None else []) + rest
    top = top[:n]
    return [r for r in top if r["repful_for"] == "agree"] + [
        r for r in top if r["repful_for"] == "disagree"
    ]


def select_consensus(
    agree: np.ndarray, disagree: np.ndarray, seen: np.ndarray, n: int = 5
) -> dict[str, list[dict[str, Any]]]:
    """Polis's consensus statements over all voters (``repness.clj consensus-stats``,
    ``select-consensus-comments``): up to ``n`` with ``pa > 1/2`` and a significant ``pat``,
    by ``pa * pat``; likewise for disagreement."""
    pa = (agree + 1.0) / (seen + 2.0)
    pd = (disagree + 1.0) / (seen + 2.0)
    pat, pdt = prop_test(agree, seen), prop_test(disagree, seen)
    out: dict[str, list[dict[str, Any]]] = {}
    for name, p, t, c in (("agree", pa, pat, agree), ("disagree", pd, pdt, disagree)):
        ok = np.flatnonzero((p > 0.5) & (t > Z_90))
        ok = ok[np.argsort(-(p[ok] * t[ok]), kind="stable")][:n]
        out[name] = [
            {
                "column": int(j),
                "n_success": int(c[j]),
                "n_trials": int(seen[j]),
                "p_success": float(p[j]),
                "p_test": float(t[j]),
            }
            for j in ok
        ]
    return out


ROW_ORDERS = ("time", "statement", "id")


def participant_order(
    votes: pl.DataFrame, participants: pl.Series, how: str = "time"
) -> np.ndarray:
    """Row order of the participants in Polis's matrix, which decides where its k-means
    starts. ``"time"``: by first vote (the ``timestamp`` column), as rows are added in a live
    server; ``"statement"``: by the smallest statement id voted on, then participant id, as
    Polis orders rows when it loads a whole conversation at once (a cold start or a restart,
    which reads votes sorted by statement); ``"id"``: by participant id. ``"time"`` without a
    usable ``timestamp`` column (absent, nulls, not a time or number) falls back to ``"id"``.
    Returns positions into ``participants`` (sorted by id)."""
    n = len(participants)
    if how == "id":
        return np.arange(n)
    if how == "time":
        if (
            "timestamp" not in votes.columns
            or votes["timestamp"].null_count() > 0
            or not (votes["timestamp"].dtype.is_temporal() or votes["timestamp"].dtype.is_numeric())
        ):
            return np.arange(n)
        key = pl.col("timestamp").min().alias("_t")
    elif how == "statement":
        key = pl.col("statement_id").min().alias("_t")
    else:
        raise InputError(f"row_order must be one of {list(ROW_ORDERS)}, got {how!r}")
    first = votes.lazy().group_by("participant_id").agg(key).collect()
    pos = pl.DataFrame({"participant_id": participants, "_pos": np.arange(n)})
    joined = pos.join(first, on="participant_id", how="left", maintain_order="left")
    t = joined["_t"].to_physical().to_numpy()
    return np.lexsort((np.arange(n), t))


def ids_in(ids: Iterable[Hashable] | None, participants: list[Hashable]) -> np.ndarray:
    """Boolean mask of ``participants`` found in ``ids`` (None: nobody)."""
    if ids is None:
        return np.zeros(len(participants), dtype=bool)
    if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
        raise InputError(
            f"in_conv must be a collection of participant ids, got {type(ids).__name__}"
        )
    try:
        wanted = set(ids)
    except TypeError as e:
        raise InputError(f"in_conv holds an id that is not hashable: {e}") from None
    return np.array([p in wanted for p in participants], dtype=bool)
