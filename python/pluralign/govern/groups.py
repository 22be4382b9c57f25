"""Opinion groups of a Polis-style conversation.

Participants vote agree (1), disagree (-1) or pass (0) on statements; most participant x
statement cells are missing. :func:`opinion_groups` follows the published Polis pipeline
(Small et al., 2021, "Polis: Scaling Deliberation by Mapping High Dimensional Opinion Spaces",
*Recerca* 26(2); the open-source ``polis-math`` code): column-mean imputation, PCA to two
dimensions, a sparsity-aware rescaling of the projection, and k-means whose k is chosen by the
silhouette score (Rousseeuw, 1987) over 2..5.

Also here: the shared validation of the canonical ``votes`` table used by the other governance
functions, and :func:`adjusted_rand_index` (Hubert & Arabie, 1985) to compare groupings.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from pluralign.errors import InputError, SchemaError

__all__ = ["OpinionGroups", "adjusted_rand_index", "opinion_groups"]

VOTE_COLUMNS = ("statement_id", "participant_id", "vote")


# -- the votes table ---------------------------------------------------------------------
@dataclass(frozen=True)
class VoteMatrix:
    """A validated votes table as a sparse participant x statement matrix (COO entries)."""

    participants: list[Hashable]
    statements: list[Hashable]
    rows: np.ndarray  # participant index per vote
    cols: np.ndarray  # statement index per vote
    vals: np.ndarray  # vote in {-1, 0, 1} (float64)
    n_excluded: int  # votes dropped because their statement was moderated out
    participant_ids: pl.Series | None = None  # ``participants`` as a typed Series

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.participants), len(self.statements)


def _require_frame(df: Any, what: str) -> pl.DataFrame:
    if not isinstance(df, pl.DataFrame):
        raise InputError(
            f"{what} must be a polars DataFrame, got {type(df).__name__}; "
            "convert with polars.from_pandas(...) or polars.DataFrame(...)"
        )
    return df


def moderated_out(statements: pl.DataFrame | None) -> set[Hashable]:
    """Statement ids whose ``moderated`` flag is -1 (removed by the moderators)."""
    if statements is None:
        return set()
    statements = _require_frame(statements, "statements")
    if "statement_id" not in statements.columns:
        raise SchemaError(
            "statements table has no 'statement_id' column; "
            f"it has {statements.columns}"
        )
    if "moderated" not in statements.columns:
        return set()
    return set(statements.filter(pl.col("moderated") == -1)["statement_id"].to_list())


def vote_matrix(votes: pl.DataFrame, statements: pl.DataFrame | None = None) -> VoteMatrix:
    """Validate the canonical votes table and index it.

    Raises :class:`SchemaError` for a missing column, :class:`InputError` for nulls, votes
    outside {-1, 0, 1}, a repeated (statement, participant) pair, votes on statements absent
    from ``statements`` (when given) or an empty table. Votes on statements with
    ``moderated == -1`` in ``statements`` are excluded and counted in ``n_excluded``.
    """
    votes = _require_frame(votes, "votes")
    missing = [c for c in VOTE_COLUMNS if c not in votes.columns]
    if missing:
        raise SchemaError(
            f"votes table lacks column(s) {missing}; it needs {list(VOTE_COLUMNS)} "
            f"(it has {votes.columns}). pluralign.prefs.read_polis builds this table from a "
            "Polis export"
        )
    if votes.height == 0:
        raise InputError("votes table is empty: a conversation needs at least one vote")
    for c in VOTE_COLUMNS:
        nulls = votes[c].is_null()
        if nulls.any():
            row = int(nulls.arg_true()[0])
            raise InputError(f"votes column '{c}' is null in row {row}; drop or fill those rows")
    if not votes["vote"].dtype.is_numeric():
        raise SchemaError(
            f"votes column 'vote' must be numeric (-1, 0, 1), got {votes['vote'].dtype}"
        )
    bad = ~votes["vote"].is_in([-1, 0, 1])
    if bad.any():
        row = int(bad.arg_true()[0])
        raise InputError(
            f"votes column 'vote' has value {votes['vote'][row]!r} in row {row}; votes must be "
            "-1 (disagree), 0 (pass) or 1 (agree)"
        )
    n_excluded = 0
    if statements is not None:
        out = moderated_out(statements)
        known = set(statements["statement_id"].to_list())
        unknown = ~votes["statement_id"].is_in(list(known)) if known else None
        if unknown is None or unknown.any():
            row = 0 if unknown is None else int(unknown.arg_true()[0])
            raise InputError(
                f"votes row {row} is on statement {votes['statement_id'][row]!r}, which is not "
                "in the statements table; pass the matching statements table or none"
            )
        if out:
            keep = ~votes["statement_id"].is_in(list(out))
            n_excluded = votes.height - int(keep.sum())
            votes = votes.filter(keep)
            if votes.height == 0:
                raise InputError("every vote is on a moderated-out statement (moderated == -1)")
    p_codes, rows = _codes(votes["participant_id"])
    s_codes, cols = _codes(votes["statement_id"])
    vals = votes["vote"].to_numpy().astype(np.float64)
    # canonical order (by participant, then statement): results do not depend on row order
    order = _canonical_order(rows, cols, len(p_codes), len(s_codes))
    key = rows[order] * len(s_codes) + cols[order]
    same = key[1:] == key[:-1]
    if same.any():
        first = int(np.argmax(same))
        a, b = sorted((int(order[first]), int(order[first + 1])))
        raise InputError(
            f"participant {votes['participant_id'][a]!r} voted on statement "
            f"{votes['statement_id'][a]!r} more than once (rows {a} and {b}); keep one vote "
            "per pair, e.g. the latest: votes.sort('timestamp').unique(['statement_id', "
            "'participant_id'], keep='last') (pluralign.prefs.read_polis does this)"
        )
    return VoteMatrix(
        p_codes.to_list(),
        s_codes.to_list(),
        rows[order].astype(np.int64),
        cols[order].astype(np.int64),
        vals[order],
        n_excluded,
        p_codes,
    )


def _codes(ids: pl.Series) -> tuple[pl.Series, np.ndarray]:
    """(sorted distinct ids, position of each id among them). Integer ids with a compact range
    are coded by a presence table in O(n); others by a dense rank (a sort)."""
    if ids.dtype.is_integer() and ids.dtype not in (pl.UInt64,):
        a = ids.to_numpy().astype(np.int64, copy=False)
        lo, hi = int(a.min()), int(a.max())
        span = hi - lo + 1
        if span <= 4 * len(a) + 1024:
            present = np.zeros(span, dtype=bool)
            present[a - lo] = True
            position = np.cumsum(present, dtype=np.int64) - 1
            distinct = np.flatnonzero(present) + lo
            return pl.Series(ids.name, distinct).cast(ids.dtype), position[a - lo]
    distinct = ids.unique().sort()
    return distinct, (ids.rank("dense") - 1).to_numpy().astype(np.int64)


def _canonical_order(rows: np.ndarray, cols: np.ndarray, n: int, m: int) -> np.ndarray:
    """The permutation sorting the votes by (row, col) (stable).

    Large inputs with scipy installed: a counting sort by row (scipy's COO -> CSR conversion,
    O(N)) and a sort of each row's few columns, instead of an O(N log N) argsort of 20M keys."""
    if len(rows) > 1_000_000:
        try:
            import scipy.sparse
        except ImportError:  # pragma: no cover - optional
            pass
        else:
            index = np.arange(len(rows), dtype=np.int64)
            csr = scipy.sparse.csr_matrix((index, (rows, cols)), shape=(n, m))
            csr.has_canonical_format = False
            csr.sort_indices()
            perm = csr.data
            if len(perm) == len(rows):  # duplicates kept, not summed
                return perm
    return np.argsort(rows * m + cols, kind="stable")


def vote_matrix_for(votes: pl.DataFrame, statements: pl.DataFrame | None, groups: Any
                    ) -> VoteMatrix:
    """:func:`vote_matrix`, reusing the one an :class:`OpinionGroups` was computed from when
    ``votes`` and ``statements`` are the very same DataFrame objects (same height)."""
    src = getattr(groups, "_source", None) if isinstance(groups, OpinionGroups) else None
    if src is not None and src[0] is votes and src[1] is statements \
            and isinstance(votes, pl.DataFrame) and votes.height == src[0].height:
        return src[2]
    return vote_matrix(votes, statements)


# -- projection ---------------------------------------------------------------------------
def _gram(r: np.ndarray, c: np.ndarray, x: np.ndarray, n: int, m: int) -> np.ndarray:
    """X^T X of the sparse n x m matrix with entries (r, c, x), rows sorted by r.

    Dense row blocks through BLAS when the matrix is dense enough; otherwise the sum over
    participants of the outer products of their own votes (cost sum_i c_i^2 for c_i votes),
    accumulated in chunks of bounded memory."""
    counts = np.bincount(r, minlength=n)
    pair_cost = float((counts.astype(np.float64) ** 2).sum())
    gram = np.zeros((m, m))
    if 30.0 * pair_cost >= float(n) * m * m:
        block = max(1, 4_000_000 // max(m, 1))
        bounds = np.searchsorted(r, np.arange(0, n + block, block))
        for lo_row, (a, b) in zip(range(0, n, block), itertools.pairwise(bounds)):
            if a == b:
                continue
            dense = np.zeros((min(block, n - lo_row), m))
            dense[r[a:b] - lo_row, c[a:b]] = x[a:b]
            gram += dense.T @ dense
        return gram
    starts = np.concatenate([[0], np.cumsum(counts)])
    budget = 20_000_000
    row = 0
    while row < n:
        # rows [row, hi) whose pairs fit the budget (at least one row)
        cum = np.cumsum(counts[row:].astype(np.float64) ** 2)
        hi = row + max(1, int(np.searchsorted(cum, budget, side="right")))
        a, b = starts[row], starts[hi]
        entries = np.arange(a, b)
        rep = counts[r[entries]]
        left = np.repeat(entries, rep)
        first = np.repeat(starts[r[entries]], rep)
        offset = np.arange(len(left)) - np.repeat(np.cumsum(rep) - rep, rep)
        right = first + offset
        gram += np.bincount(c[left] * m + c[right], weights=x[left] * x[right],
                            minlength=m * m).reshape(m, m)
        row = hi
    return gram


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """Run LAPACK on one thread when ``threadpoolctl`` is installed.

    A multi-threaded OpenBLAS eigensolver on a busy machine spins its threads against each
    other: a 300 x 300 decomposition measured 2.2 s with the default threads and 0.02 s with
    one. The matrices here are at most m x m, where one thread is as fast anyway."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _top2_eigh(gram: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (up to) two largest eigenpairs of a symmetric matrix, largest first (numpy's LAPACK
    ``syevd`` on one BLAS thread, see :func:`_one_blas_thread`)."""
    with _one_blas_thread():
        evals, evecs = np.linalg.eigh(gram)
    lo = max(0, gram.shape[0] - 2)
    return evals[lo:][::-1], evecs[:, lo:][:, ::-1]


def _top2_lanczos(r: np.ndarray, c: np.ndarray, x: np.ndarray, n: int, m: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The two largest eigenpairs of X^T X for a large sparse X, never forming X^T X.

    Implicitly restarted Lanczos (ARPACK via ``scipy.sparse.linalg.eigsh``) on the operator
    v -> X^T (X v), each application costing two sparse products (4 x number of votes flops);
    a fixed start vector keeps it deterministic. Agrees with :func:`_top2_eigh` of the explicit
    Gram matrix to about 1e-10 (tested)."""
    import scipy.sparse
    import scipy.sparse.linalg

    xs = scipy.sparse.csr_matrix((x, (r, c)), shape=(n, m))
    xt = xs.T.tocsr()
    op = scipy.sparse.linalg.LinearOperator(
        (m, m), matvec=lambda v: xt @ (xs @ np.ravel(v)), dtype=np.float64)
    v0 = np.cos(np.arange(m) + 1.0)  # deterministic, not orthogonal to any fixed pattern
    evals, evecs = scipy.sparse.linalg.eigsh(op, k=2, which="LA", v0=v0, tol=1e-12)
    order = np.argsort(evals)[::-1]
    return evals[order], evecs[:, order]


def _has_scipy() -> bool:
    try:
        import scipy.sparse.linalg  # noqa: F401
    except ImportError:  # pragma: no cover - optional
        return False
    return True


# above this many multiply-adds for X^T X (and with m >= 3), use Lanczos instead of the Gram
_GRAM_BUDGET = 2e8


def _pca2(vm: VoteMatrix) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Column-mean imputation + PCA to (up to) 2 components, without densifying the matrix.

    After imputing each missing cell with its statement's mean vote and centering the columns,
    missing cells are exactly 0, so the centered matrix stays sparse. Small inputs: the top two
    eigenvectors of the explicit m x m Gram matrix X^T X; large ones (Gram cost above
    ``_GRAM_BUDGET``): Lanczos on the sparse X. Returns (scores n x 2, components 2 x m,
    explained variance (2,), column means).
    """
    n, m = vm.shape
    count = np.bincount(vm.cols, minlength=m).astype(np.float64)
    mean = np.bincount(vm.cols, weights=vm.vals, minlength=m) / np.maximum(count, 1.0)
    centered = vm.vals - mean[vm.cols]
    counts = np.bincount(vm.rows, minlength=n).astype(np.float64)
    gram_cost = min(float((counts**2).sum()), float(n) * m * m / 30.0)
    if gram_cost > _GRAM_BUDGET and m >= 3 and _has_scipy():
        evals, evecs = _top2_lanczos(vm.rows, vm.cols, centered, n, m)
    else:
        with _one_blas_thread():
            gram = _gram(vm.rows, vm.cols, centered, n, m)
        evals, evecs = _top2_eigh(gram)
    comps = np.zeros((2, m))
    var = np.zeros(2)
    for j in range(min(2, evecs.shape[1])):
        v = evecs[:, j]
        pivot = int(np.argmax(np.abs(v)))  # deterministic sign: largest loading positive
        comps[j] = v if v[pivot] >= 0 else -v
        var[j] = max(evals[j], 0.0) / max(n - 1, 1)
    scores = np.zeros((n, 2))
    for j in range(2):
        scores[:, j] = np.bincount(vm.rows, weights=centered * comps[j, vm.cols], minlength=n)
    return scores, comps, var, mean


# -- k-means and silhouette ---------------------------------------------------------------
def _sq_dists(x: np.ndarray, centers: np.ndarray) -> np.ndarray:
    out = np.zeros((len(x), len(centers)))
    for j in range(x.shape[1]):
        out += (x[:, j, None] - centers[None, :, j]) ** 2
    return out


def _kmeans_pp(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding (Arthur & Vassilvitskii, 2007)."""
    centers = [x[rng.integers(len(x))]]
    d2 = ((x - centers[0]) ** 2).sum(axis=1)
    for _ in range(1, k):
        total = d2.sum()
        i = int(rng.integers(len(x))) if total <= 0 else int(rng.choice(len(x), p=d2 / total))
        centers.append(x[i])
        d2 = np.minimum(d2, ((x - x[i]) ** 2).sum(axis=1))
    return np.array(centers)


def _lloyd(x: np.ndarray, centers: np.ndarray, max_iter: int = 300
           ) -> tuple[np.ndarray, np.ndarray, float]:
    """Lloyd iterations from the given centers until the assignment stops changing."""
    k = len(centers)
    centers = centers.copy()
    labels = np.full(len(x), -1)
    for _ in range(max_iter):
        d = _sq_dists(x, centers)
        new = d.argmin(axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
        counts = np.bincount(labels, minlength=k)
        for dim in range(x.shape[1]):
            sums = np.bincount(labels, weights=x[:, dim], minlength=k)
            centers[counts > 0, dim] = sums[counts > 0] / counts[counts > 0]
        for j in np.flatnonzero(counts == 0):  # empty cluster: take the farthest point
            far = int(d[np.arange(len(x)), labels].argmax())
            centers[j] = x[far]
            labels[far] = j
    inertia = float(_sq_dists(x, centers)[np.arange(len(x)), labels].sum())
    return labels, centers, inertia


def _assign(x: np.ndarray, centers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest center per point and the squared distance to it, for many points: argmin of
    ||c||^2 - 2 x.c (one BLAS product) instead of the full n x k distance table."""
    score = x @ (-2.0 * centers.T)
    score += (centers * centers).sum(axis=1)[None, :]
    labels = score.argmin(axis=1)
    best = score[np.arange(len(x)), labels] + (x * x).sum(axis=1)
    return labels, np.maximum(best, 0.0)


def _refine(x: np.ndarray, centers: np.ndarray, max_iter: int = 100, tol: float = 1e-4
            ) -> tuple[np.ndarray, np.ndarray, float]:
    """Lloyd iterations on all points from centers fitted on a sample. Stops when the
    assignment is stable, when no center moves by more than ``tol`` x the mean per-coordinate
    variance of ``x`` (scikit-learn's ``KMeans`` criterion; on a million points the last few
    boundary points otherwise keep it going for hundreds of passes) or after ``max_iter``."""
    k = len(centers)
    centers = centers.copy()
    eps = tol * float(x.var(axis=0).mean())
    labels = np.full(len(x), -1)
    for _ in range(max_iter):
        new, d2 = _assign(x, centers)
        stable = np.array_equal(new, labels)
        labels = new
        if stable:
            break
        counts = np.bincount(labels, minlength=k)
        old = centers.copy()
        for dim in range(x.shape[1]):
            sums = np.bincount(labels, weights=x[:, dim], minlength=k)
            centers[counts > 0, dim] = sums[counts > 0] / counts[counts > 0]
        for j in np.flatnonzero(counts == 0):  # empty cluster: take the farthest point
            far = int(d2.argmax())
            centers[j] = x[far]
            labels[far] = j
            d2[far] = 0.0
        if float(((centers - old) ** 2).sum(axis=1).max()) <= eps:
            break
    labels, d2 = _assign(x, centers)  # consistent with the returned centers
    return labels, centers, float(d2.sum())


def _kmeans(x: np.ndarray, k: int, seed: int, n_init: int, sample: int = 0
            ) -> tuple[np.ndarray, np.ndarray, float]:
    """k-means: Lloyd's algorithm from ``n_init`` k-means++ starts; the lowest inertia wins.

    With ``0 < sample < len(x)``, the restarts run on a seeded random sample of ``sample``
    points and the best solution is then refined by Lloyd iterations on all points."""
    if 0 < sample < len(x):
        return _refine(x, _kmeans_sample_centers(x, k, seed, n_init, sample))
    rng = np.random.default_rng(seed)
    starts = [_kmeans_pp(x, k, rng) for _ in range(n_init)]  # the same draws, in order
    best: tuple[np.ndarray, np.ndarray, float] | None = None
    for labels, centers, inertia in _lloyd_batch(x, np.stack(starts)):
        if best is None or inertia < best[2] - 1e-12:
            best = (labels, centers, inertia)
    assert best is not None
    return best


def _kmeans_sample_centers(x: np.ndarray, k: int, seed: int, n_init: int, sample: int
                           ) -> np.ndarray:
    """Best-of-``n_init`` k-means centers on a seeded random sample of ``sample`` points."""
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(x), sample, replace=False))
    return _kmeans(x[idx], k, seed, n_init)[1]


def _lloyd_batch(x: np.ndarray, starts: np.ndarray, max_iter: int = 300
                 ) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """:func:`_lloyd` from each of ``starts`` (R x k x d), all restarts advanced together in
    one set of array operations per iteration (the per-restart arithmetic, and so the result,
    is exactly that of :func:`_lloyd`; a restart stops changing once its assignment is
    stable)."""
    r_all, k, dims = starts.shape
    n = len(x)
    centers = starts.astype(np.float64, copy=True)
    labels = np.full((r_all, n), -1)
    active = np.ones(r_all, dtype=bool)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if len(idx) == 0:
            break
        c = centers[idx]
        d = np.zeros((len(idx), n, k))
        for j in range(dims):
            d += (x[None, :, j, None] - c[:, None, :, j]) ** 2
        new = d.argmin(axis=2)
        same = (new == labels[idx]).all(axis=1)
        active[idx[same]] = False
        upd, local = idx[~same], np.flatnonzero(~same)
        if len(upd) == 0:
            break
        lab = new[local]
        labels[upd] = lab
        flat = (np.arange(len(upd))[:, None] * k + lab).ravel()
        counts = np.bincount(flat, minlength=len(upd) * k).reshape(len(upd), k)
        for j in range(dims):
            sums = np.bincount(flat, weights=np.tile(x[:, j], len(upd)),
                               minlength=len(upd) * k).reshape(len(upd), k)
            cj = centers[upd, :, j]
            nz = counts > 0
            cj[nz] = sums[nz] / counts[nz]
            centers[upd, :, j] = cj
        for a, r in enumerate(upd):  # empty cluster: take the farthest point (as _lloyd)
            for j in np.flatnonzero(counts[a] == 0):
                far = int(d[local[a], np.arange(n), labels[r]].argmax())
                centers[r, j] = x[far]
                labels[r, far] = j
    out = []
    for r in range(r_all):
        inertia = float(_sq_dists(x, centers[r])[np.arange(n), labels[r]].sum())
        out.append((labels[r].copy(), centers[r].copy(), inertia))
    return out


def _distances(x: np.ndarray) -> np.ndarray:
    """Euclidean distance matrix (n x n) via the Gram trick, clipped at 0, zero diagonal."""
    sq = (x * x).sum(axis=1)
    d2 = sq[:, None] + sq[None, :]
    g = x @ x.T
    g *= 2.0  # exact; same arithmetic as (sq_i + sq_j) - 2.0 * (x @ x.T), fewer temporaries
    d2 -= g
    del g
    np.maximum(d2, 0.0, out=d2)
    np.fill_diagonal(d2, 0.0)
    return np.sqrt(d2, out=d2)


def _silhouette_from_distances(dist: np.ndarray, labels: np.ndarray) -> float:
    uniq, lab = np.unique(labels, return_inverse=True)
    n, k = len(lab), len(uniq)
    if not 2 <= k <= n - 1:
        raise InputError(f"silhouette needs 2 <= clusters <= n - 1, got {k} clusters, n = {n}")
    onehot = np.zeros((n, k))
    onehot[np.arange(n), lab] = 1.0
    sums = dist @ onehot  # n x k: total distance from each point to each cluster
    sizes = onehot.sum(axis=0)
    own = sizes[lab]
    a_i = sums[np.arange(n), lab] / np.maximum(own - 1, 1)
    means = sums / sizes[None, :]
    means[np.arange(n), lab] = np.inf
    b_i = means.min(axis=1)
    denom = np.maximum(a_i, b_i)
    s = np.where(denom > 0, (b_i - a_i) / np.where(denom > 0, denom, 1.0), 0.0)
    s[own == 1] = 0.0
    return float(s.mean())


def silhouette_score(x: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette coefficient (Rousseeuw, 1987) with Euclidean distance.

    For point i with a(i) the mean distance to the other members of its cluster and b(i) the
    smallest mean distance to another cluster, s(i) = (b - a) / max(a, b); s(i) = 0 for
    members of singleton clusters. Needs 2 <= number of clusters <= n - 1.
    """
    x = np.asarray(x, dtype=np.float64)
    return _silhouette_from_distances(_distances(x), np.asarray(labels))


def adjusted_rand_index(a: Any, b: Any) -> float:
    """Adjusted Rand index of two labelings of the same items (Hubert & Arabie, 1985).

    ARI = (sum_ij C(n_ij, 2) - E) / (M - E) with E = sum_i C(a_i, 2) sum_j C(b_j, 2) / C(n, 2)
    and M = (sum_i C(a_i, 2) + sum_j C(b_j, 2)) / 2, over the contingency table n_ij. It is 1
    for identical partitions (up to renaming) and 0 in expectation for random ones. When both
    labelings put everything in one cluster (or each item alone) the index is 1.
    """
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape or a.ndim != 1:
        raise InputError(f"labelings must be 1-D and of equal length, got {a.shape} and {b.shape}")
    if len(a) == 0:
        raise InputError("labelings are empty")
    _, ia = np.unique(a, return_inverse=True)
    _, ib = np.unique(b, return_inverse=True)
    table = np.zeros((ia.max() + 1, ib.max() + 1), dtype=np.float64)
    np.add.at(table, (ia, ib), 1.0)

    def pairs(v: np.ndarray) -> float:
        return float((v * (v - 1) / 2).sum())

    index = pairs(table)
    sa, sb = pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    total = len(a) * (len(a) - 1) / 2
    expected = sa * sb / total if total else 0.0
    maximum = (sa + sb) / 2
    if maximum == expected:
        return 1.0
    return (index - expected) / (maximum - expected)


# -- the public function ------------------------------------------------------------------
@dataclass(frozen=True)
class OpinionGroups:
    """Result of :func:`opinion_groups`.

    ``assignments``: one row per participant: ``participant_id``, ``group`` (0..k-1, group 0 the
    largest), ``n_votes``, ``clustered`` (True if the participant had >= ``min_votes`` votes and
    took part in k-means; the others were assigned to the nearest centroid), ``x``, ``y`` (the
    2-D projection used for clustering).
    ``centroids``: k x 2 group centers; ``components``: 2 x m statement loadings, columns in the
    order of ``statements``; ``silhouettes``: silhouette per k tried.
    """

    assignments: pl.DataFrame
    k: int
    silhouette: float
    silhouettes: dict[int, float]
    centroids: np.ndarray
    components: np.ndarray
    explained_variance: np.ndarray
    statements: list[Hashable]
    min_votes: int
    n_votes_excluded: int
    seed: int
    params: dict[str, Any] = field(default_factory=dict)
    # (votes, statements, VoteMatrix) this was computed from, so that consensus / constitution
    # called with the very same DataFrame objects skip re-validating and re-indexing them
    _source: tuple[Any, Any, VoteMatrix] | None = field(default=None, repr=False, compare=False)

    def sizes(self) -> dict[int, int]:
        """Number of participants per group."""
        counts = self.assignments["group"].value_counts().sort("group")
        return dict(zip(counts["group"].to_list(), counts["count"].to_list()))

    def table(self) -> pl.DataFrame:
        """The ``participant_id``, ``group`` table other governance functions accept."""
        return self.assignments.select("participant_id", "group")


def opinion_groups(
    votes: pl.DataFrame,
    k: int | None = None,
    *,
    seed: int = 0,
    min_votes: int | None = None,
    statements: pl.DataFrame | None = None,
    k_range: tuple[int, int] = (2, 5),
    n_init: int = 10,
    scale: bool = False,
    silhouette_sample: int = 3000,
    kmeans_sample: int = 20_000,
) -> OpinionGroups:
    """Find opinion groups in a votes table (``statement_id``, ``participant_id``, ``vote``).

    Method (after Polis; Small et al., 2021):

    1. Participant x statement matrix; a missing vote is imputed with the statement's mean vote
       over the participants who voted on it (passes count as 0). Columns are centered, so an
       imputed cell contributes 0 and the matrix stays sparse.
    2. PCA to two components (eigenvectors of X^T X); the sign of each component is fixed so its
       largest loading is positive. With ``scale=True`` each participant's projection is
       multiplied by sqrt(m / n_votes_i) as current Polis does, so that participants who voted
       on few statements are not all pulled to the center by the imputation. The default
       (``False``) matched the group ids in the shared Polis exports better (docs/govern.md).
    3. k-means (Lloyd, k-means++ seeding, ``n_init`` restarts with ``seed``; the lowest inertia
       is kept) on the participants with at least ``min_votes`` votes (default
       ``min(7, number of statements)``, Polis' threshold). When ``k`` is None, k in ``k_range``
       (default 2..5) maximizing the silhouette is used (computed on a seeded sample of
       ``silhouette_sample`` participants when there are more). Above ``kmeans_sample``
       clustered participants, the restarts run on a seeded sample of that size, k is chosen
       with the silhouette sample assigned to those centers, and only the chosen k's centers are
       refined by Lloyd passes over everyone (see :func:`_refine` for the stopping rule).
    4. Participants below the threshold are assigned to the nearest centroid. Groups are
       relabeled by size (0 = largest; ties by centroid x).

    Votes on statements with ``moderated == -1`` in ``statements`` are excluded (count in
    ``n_votes_excluded``). The result is deterministic for a given ``seed``.
    """
    if k is not None and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1):
        raise InputError(f"k must be a positive int or None, got {k!r}")
    lo, hi = k_range
    if not (isinstance(lo, int) and isinstance(hi, int) and 2 <= lo <= hi):
        raise InputError(f"k_range must be (lo, hi) with 2 <= lo <= hi, got {k_range!r}")
    if n_init < 1:
        raise InputError(f"n_init must be >= 1, got {n_init}")
    if kmeans_sample < 0 or silhouette_sample < 2:
        raise InputError(
            f"kmeans_sample must be >= 0 (0 = never sample) and silhouette_sample >= 2, got "
            f"{kmeans_sample} and {silhouette_sample}")
    vm = vote_matrix(votes, statements)
    n, m = vm.shape
    threshold = min(7, m) if min_votes is None else int(min_votes)
    if threshold < 1:
        raise InputError(f"min_votes must be >= 1, got {min_votes}")
    scores, comps, var, _mean = _pca2(vm)
    n_votes = np.bincount(vm.rows, minlength=n)
    proj = scores * np.sqrt(m / n_votes)[:, None] if scale else scores
    clustered = n_votes >= threshold
    x = proj[clustered]
    if k is None:
        ks = list(range(lo, min(hi, len(x) - 1) + 1))
        if not ks:
            raise InputError(
                f"only {len(x)} participant(s) have >= {threshold} votes; choosing k needs at "
                f"least {lo + 1}. Lower min_votes or pass k"
            )
    else:
        if k > len(x):
            raise InputError(
                f"k = {k} but only {len(x)} participant(s) have >= {threshold} votes; lower k or "
                "min_votes"
            )
        ks = [int(k)]
    rng = np.random.default_rng(seed)
    sample = (
        np.sort(rng.choice(len(x), silhouette_sample, replace=False))
        if len(x) > silhouette_sample
        else np.arange(len(x))
    )
    fits: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    sil: dict[int, float] = {}
    dist = _distances(x[sample])  # shared by every k
    sampled = 0 < kmeans_sample < len(x)
    for kk in ks:
        if sampled:  # centers from the sample's restarts; only the chosen k is refined below
            centers = _kmeans_sample_centers(x, kk, seed, n_init, kmeans_sample)
            labels_s = _assign(x[sample], centers)[0]
            fits[kk] = (labels_s, centers)
        else:
            labels, centers, _ = _kmeans(x, kk, seed, n_init)
            fits[kk] = (labels, centers)
            labels_s = labels[sample]
        n_lab = len(np.unique(labels_s))
        sil[kk] = (
            _silhouette_from_distances(dist, labels_s) if 2 <= n_lab <= len(sample) - 1
            else float("nan")
        )
    if k is None:
        best_k = max(ks, key=lambda kk: (np.nan_to_num(sil[kk], nan=-2.0), -kk))
    else:
        best_k = ks[0]
    labels, centers = fits[best_k]
    if sampled:
        labels, centers, _ = _refine(x, centers)
    # relabel: largest group first, ties by centroid x then y
    sizes = np.bincount(labels, minlength=best_k)
    order = sorted(range(best_k), key=lambda j: (-sizes[j], centers[j, 0], centers[j, 1]))
    remap = np.empty(best_k, dtype=np.int64)
    remap[order] = np.arange(best_k)
    centers = centers[order]
    group = np.empty(n, dtype=np.int64)
    group[clustered] = remap[labels]
    if (~clustered).any():
        group[~clustered] = _sq_dists(proj[~clustered], centers).argmin(axis=1)
    assignments = pl.DataFrame(
        {
            "participant_id": vm.participants,
            "group": group,
            "n_votes": n_votes.astype(np.int64),
            "clustered": clustered,
            "x": proj[:, 0],
            "y": proj[:, 1],
        }
    )
    return OpinionGroups(
        assignments=assignments,
        k=best_k,
        silhouette=sil[best_k],
        silhouettes=sil,
        centroids=centers,
        components=comps,
        explained_variance=var,
        statements=vm.statements,
        min_votes=threshold,
        n_votes_excluded=vm.n_excluded,
        seed=seed,
        params={"k_range": (lo, hi), "n_init": n_init, "scale": scale,
                "silhouette_sample": silhouette_sample, "kmeans_sample": kmeans_sample},
        _source=(votes, statements, vm),
    )
