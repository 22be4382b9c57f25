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
from collections.abc import Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import polars as pl

from pluralign import _validate as _v
from pluralign._factorize import factorize
from pluralign.errors import InputError, LimitError, SchemaError

from . import polis

__all__ = ["OpinionGroups", "Stability", "adjusted_rand_index", "opinion_groups"]

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
    # votes per participant including those on moderated-out statements (Polis's in-conv
    # counts), and how many moderated-out statements have a vote (Polis zeroes their columns)
    raw_counts: np.ndarray | None = None
    n_out_columns: int = 0

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.participants), len(self.statements)

    def participant_series(self) -> pl.Series:
        """``participants`` as a typed Series (sorted by id)."""
        if self.participant_ids is not None:
            return self.participant_ids
        return pl.Series("participant_id", self.participants)


def moderated_out(statements: pl.DataFrame | None) -> set[Hashable]:
    """Statement ids whose ``moderated`` flag is -1 (removed by the moderators)."""
    if statements is None:
        return set()
    statements = _v.frame(statements, "statements")
    if "statement_id" not in statements.columns:
        raise SchemaError(
            f"statements table has no 'statement_id' column; it has {statements.columns}"
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
    votes = _v.frame(votes, "votes")
    missing = [c for c in VOTE_COLUMNS if c not in votes.columns]
    if missing:
        raise SchemaError(
            f"votes table lacks column(s) {missing}; it needs {list(VOTE_COLUMNS)} "
            f"(it has {votes.columns}). pluralign.prefs.read_polis builds this table from a "
            "Polis export"
        )
    if votes.height == 0:
        raise InputError("votes table is empty: a conversation needs at least one vote")
    _v.key_columns(votes, VOTE_COLUMNS, "votes")
    for c in VOTE_COLUMNS:
        nulls = votes[c].is_null()
        if nulls.any():
            row = int(nulls.arg_true()[0])
            raise InputError(f"votes column '{c}' is null in row {row}; drop or fill those rows")
    if not votes["vote"].dtype.is_numeric():
        raise SchemaError(
            f"votes column 'vote' must be numeric (-1, 0, 1), got {votes['vote'].dtype}"
        )
    bad = ~votes["vote"].cast(pl.Float64).is_in([-1.0, 0.0, 1.0])  # NaN is not a vote
    if bad.any():
        row = int(bad.arg_true()[0])
        raise InputError(
            f"votes column 'vote' has value {votes['vote'][row]!r} in row {row}; votes must be "
            "-1 (disagree), 0 (pass) or 1 (agree)"
        )
    n_excluded = 0
    n_out_columns = 0
    moderated_votes: pl.DataFrame | None = None
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
            if n_excluded:
                moderated_votes = votes.filter(~keep).select("participant_id", "statement_id")
                n_out_columns = moderated_votes["statement_id"].n_unique()
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
    raw_counts = np.bincount(rows, minlength=len(p_codes)).astype(np.int64)
    if moderated_votes is not None:
        extra = pl.DataFrame({"participant_id": p_codes, "_pos": np.arange(len(p_codes))}).join(
            moderated_votes.group_by("participant_id").len(),
            on="participant_id",
            how="left",
            maintain_order="left",
        )
        raw_counts += extra["len"].fill_null(0).to_numpy().astype(np.int64)
    return VoteMatrix(
        p_codes.to_list(),
        s_codes.to_list(),
        rows[order].astype(np.int64),
        cols[order].astype(np.int64),
        vals[order],
        n_excluded,
        p_codes,
        raw_counts,
        n_out_columns,
    )


def _codes(ids: pl.Series) -> tuple[pl.Series, np.ndarray]:
    """(sorted distinct ids, position of each id among them): the shared Rust factorizer."""
    values, (codes,) = factorize(ids)
    return values, codes.astype(np.int64)


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


def vote_matrix_for(
    votes: pl.DataFrame, statements: pl.DataFrame | None, groups: Any
) -> VoteMatrix:
    """:func:`vote_matrix`, reusing the one an :class:`OpinionGroups` was computed from when
    ``votes`` and ``statements`` are the very same DataFrame objects (same height)."""
    src = getattr(groups, "_source", None) if isinstance(groups, OpinionGroups) else None
    if (
        src is not None
        and src[0] is votes
        and src[1] is statements
        and isinstance(votes, pl.DataFrame)
        and votes.height == src[0].height
    ):
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
    if 250.0 * pair_cost >= float(n) * m * m:  # BLAS ~0.4 ns a multiply-add, pairs ~100 ns
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
        gram += np.bincount(
            c[left] * m + c[right], weights=x[left] * x[right], minlength=m * m
        ).reshape(m, m)
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


def _top2_lanczos(
    r: np.ndarray, c: np.ndarray, x: np.ndarray, n: int, m: int
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
        (m, m), matvec=lambda v: xt @ (xs @ np.ravel(v)), dtype=np.float64
    )
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
    gram_cost = min(float((counts**2).sum()), float(n) * m * m / 250.0)
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


def _lloyd(
    x: np.ndarray, centers: np.ndarray, max_iter: int = 300
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


def _refine(
    x: np.ndarray, centers: np.ndarray, max_iter: int = 100, tol: float = 1e-4
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


def _kmeans(
    x: np.ndarray, k: int, seed: int, n_init: int, sample: int = 0
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


def _kmeans_sample_centers(
    x: np.ndarray, k: int, seed: int, n_init: int, sample: int
) -> np.ndarray:
    """Best-of-``n_init`` k-means centers on a seeded random sample of ``sample`` points."""
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(x), sample, replace=False))
    return _kmeans(x[idx], k, seed, n_init)[1]


def _lloyd_batch(
    x: np.ndarray, starts: np.ndarray, max_iter: int = 300
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
            sums = np.bincount(
                flat, weights=np.tile(x[:, j], len(upd)), minlength=len(upd) * k
            ).reshape(len(upd), k)
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
    a = _v.id_array(a, "a")  # labels: hashable scalars of one type (no objects, no None)
    b = _v.id_array(b, "b")
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
class Stability:
    """How solid the groups are under a seeded bootstrap over votes (see
    :func:`opinion_groups`, ``bootstrap=``).

    ``resamples``: number of resamples; ``k_counts``: how often each k was chosen;
    ``k_agreement``: share of resamples whose k equals the full data's; ``group_jaccard``:
    per group, the mean over resamples of the best Jaccard overlap between the group and a
    resample's group (Hennig, 2007, "Cluster-wise assessment of cluster stability"; below about
    0.6 a group is usually an artefact, above 0.75 it is stable). The per-participant share of
    resamples that put a participant in its own group is the ``stability`` column of
    ``assignments``.
    """

    resamples: int
    k_counts: dict[int, int]
    k_agreement: float
    group_jaccard: dict[int, float]
    seed: int


@dataclass(frozen=True)
class OpinionGroups:
    """Result of :func:`opinion_groups`.

    ``assignments``: one row per participant: ``participant_id``, ``group`` (0..k-1, group 0 the
    largest), ``n_votes`` (votes on kept statements), ``clustered`` (True if the participant
    took part in the clustering: with ``method="polis"``, Polis's in-conv rule; the others are
    given the nearest group center and are not in Polis's groups), ``x``, ``y`` (the 2-D
    projection used for clustering); with ``method="polis"`` also ``base_cluster`` (-1 when
    not clustered); with ``bootstrap > 0`` also ``stability`` (share of resamples, among those
    in which the participant voted, that put the participant in the group matched to its own).
    ``centroids``: k x 2 group centers; ``components``: 2 x m statement loadings, columns in the
    order of ``statements``; ``silhouettes``: silhouette per k tried (over base clusters with
    ``method="polis"``, over participants with ``"kmeans"``). ``base_centroids`` /
    ``base_sizes``: Polis's base clusters (``method="polis"``). ``stability``: a
    :class:`Stability` when ``bootstrap > 0``.
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
    method: str = "kmeans"
    base_centroids: np.ndarray | None = None
    base_sizes: np.ndarray | None = None
    stability: Stability | None = None
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


METHODS = ("polis", "kmeans")


def opinion_groups(
    votes: pl.DataFrame,
    k: int | None = None,
    *,
    method: Literal["polis", "kmeans"] = "polis",
    seed: int = 0,
    min_votes: int | None = None,
    statements: pl.DataFrame | None = None,
    k_range: tuple[int, int] = (2, 5),
    n_init: int = 10,
    in_conv: Iterable[Hashable] | None = None,
    base_k: int = polis.BASE_K,
    k_margin: float = polis.K_MARGIN,
    row_order: Literal["time", "statement", "id"] = "time",
    bootstrap: int = 0,
    threads: int | None = None,
    scale: bool = False,
    silhouette_sample: int = 3000,
    kmeans_sample: int = 20_000,
) -> OpinionGroups:
    """Find opinion groups in a votes table (``statement_id``, ``participant_id``, ``vote``).

    ``method="polis"`` (default) is the Polis math (compdemocracy/polis,
    ``math/src/polismath/math``), re-implemented in :mod:`pluralign.govern.polis`:

    1. **Who is clustered** (Polis's in-conv): participants with at least
       ``min(min_votes, n_statements)`` votes (``min_votes`` default 7; passes and votes on
       moderated-out statements count, and so do moderated-out statements in
       ``n_statements``); while fewer than 15 qualify, those with the most votes are added.
       ``in_conv`` adds participants Polis keeps from its history (e.g. the participants an
       export shows in a group: :attr:`pluralign.prefs.PolisConversation.in_conv`).
    2. **Projection**: column-mean imputation, 2-component PCA over all participants, and
       each participant's coordinates scaled by ``sqrt(n_statements / n_seen)`` where
       moderated-out statements count as seen by everyone (Polis zeroes their columns).
    3. **Base clusters**: k-means with ``base_k`` (100) centers, started at the first distinct
       clustered participants in Polis's row order, at most 100 iterations, empty clusters
       dropped. ``row_order="time"``: by first vote (``timestamp`` column; participant id
       without one), as in a live Polis server; ``"statement"``: by the smallest statement
       voted on, then id, as Polis loads a whole conversation at once (cold start); ``"id"``.
    4. **Group clusters**: k-means over the base centers weighted by their sizes for k in
       ``k_range`` up to Polis's ``min(5, 2 + n_base // 12)``; the best of Polis's start and
       ``n_init - 1`` seeded k-means++ starts (least weighted inertia) is kept.
    5. **k**: from Polis's silhouette over the base clusters (unweighted; singletons 0), unless
       ``k`` is given. Polis keeps k = 2 until another k wins four updates in a row; a batch run
       has no updates, so a larger k is taken only when it raises the silhouette by at least
       ``k_margin`` over the k chosen so far, from the smallest up (0.045 by default; see
       ``docs/govern.md`` for how it was set and what it gives; ``k_margin=0`` is Polis's
       cold-update argmax, ties to the larger k).
    6. Each clustered participant gets its base cluster's group; the others the nearest group
       center (``clustered`` False). Groups are relabeled by size (0 = largest).

    Departures from Polis (Polis updates incrementally and carries clusters and a 4-update k
    smoother from one update to the next; a batch run has no history) are listed in
    ``docs/govern.md``, with the agreement with Polis's own groups measured on real exports.
    If every clustered participant sits on one point (e.g. all passes, everyone identical),
    there is one group (k = 1, silhouette NaN).

    ``method="kmeans"``: k-means with k-means++ restarts over all participants and a
    participant-level silhouette (the earlier pluralign method; ``scale``,
    ``silhouette_sample`` and ``kmeans_sample`` apply to it only).

    ``bootstrap=B`` (B > 0) re-runs the same method on B seeded bootstrap resamples of the
    votes (votes drawn with replacement, repeated draws of a vote counted once) and reports how
    often each participant lands in its group, per-group Jaccard stability and how often k
    changes (:class:`Stability`).

    Deterministic for a ``seed``; the same for any ``threads``; independent of the row order
    of ``votes``. Votes on statements with ``moderated == -1`` in ``statements`` are excluded
    (counted in ``n_votes_excluded``).
    """
    _v.option(method, "method", METHODS)
    _v.option(row_order, "row_order", polis.ROW_ORDERS)
    _v.instance(scale, bool, "scale")
    _v.count(silhouette_sample, "silhouette_sample", least=2)
    _v.count(kmeans_sample, "kmeans_sample", least=2)
    if k is not None and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1):
        raise InputError(f"k must be a positive int or None, got {k!r}")
    if not (isinstance(k_range, tuple) and len(k_range) == 2):
        raise InputError(f"k_range must be (lo, hi) with 2 <= lo <= hi, got {k_range!r}")
    lo, hi = k_range
    if not (
        isinstance(lo, int)
        and isinstance(hi, int)
        and not isinstance(lo, bool)
        and not isinstance(hi, bool)
        and 2 <= lo <= hi
    ):
        raise InputError(f"k_range must be (lo, hi) with 2 <= lo <= hi, got {k_range!r}")
    for name, v, least in (
        ("n_init", n_init, 1),
        ("base_k", base_k, 2),
        ("bootstrap", bootstrap, 0),
    ):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < least:
            raise InputError(f"{name} must be an int >= {least}, got {v!r}")
    _v.count(base_k, "base_k", least=2, most=2**32)
    for name, v, most in (("n_init", n_init, 1000), ("bootstrap", bootstrap, 10_000)):
        if v > most:  # each is a full re-run: refuse what would not finish
            raise LimitError(
                f"{name} = {v} is above the limit of {most} (each one is another "
                "full clustering run)"
            )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be a non-negative int, got {seed!r}")
    if min_votes is not None and (
        isinstance(min_votes, bool) or not isinstance(min_votes, (int, np.integer)) or min_votes < 1
    ):
        raise InputError(f"min_votes must be an int >= 1 or None, got {min_votes!r}")
    if (
        isinstance(k_margin, bool)
        or not isinstance(k_margin, (int, float))
        or not (0.0 <= float(k_margin) <= 2.0)
    ):
        raise InputError(f"k_margin must be a number in [0, 2], got {k_margin!r}")
    threads = _v.threads(threads)
    if row_order not in polis.ROW_ORDERS:
        raise InputError(f"row_order must be one of {list(polis.ROW_ORDERS)}, got {row_order!r}")
    if method == "kmeans":
        if in_conv is not None:
            raise InputError("in_conv applies to method='polis' only")
        result = _kmeans_groups(
            votes,
            k,
            seed=seed,
            min_votes=min_votes,
            statements=statements,
            k_range=k_range,
            n_init=n_init,
            scale=scale,
            silhouette_sample=silhouette_sample,
            kmeans_sample=kmeans_sample,
        )
        vm = result._source[2] if result._source else vote_matrix(votes, statements)
        fit = None
    else:
        vm = vote_matrix(votes, statements)
        order = polis.participant_order(votes, vm.participant_series(), row_order)
        forced = polis.ids_in(in_conv, vm.participants)
        fit = _polis_fit(
            vm,
            order,
            forced,
            k=k,
            k_range=(lo, hi),
            n_init=int(n_init),
            seed=int(seed),
            k_margin=float(k_margin),
            min_votes=polis.MIN_VOTES if min_votes is None else int(min_votes),
            base_k=int(base_k),
            threads=threads,
        )
        result = _polis_result(
            fit,
            vm,
            votes,
            statements,
            seed=int(seed),
            params={
                "method": "polis",
                "k_range": (lo, hi),
                "n_init": int(n_init),
                "base_k": int(base_k),
                "k_margin": float(k_margin),
                "row_order": row_order,
                "min_votes": polis.MIN_VOTES if min_votes is None else int(min_votes),
                "in_conv": None if in_conv is None else int(forced.sum()),
            },
        )
    if bootstrap:
        result = _with_stability(
            result,
            vm,
            votes,
            k=k,
            method=method,
            seed=int(seed),
            resamples=int(bootstrap),
            kw={
                "k_range": (lo, hi),
                "n_init": int(n_init),
                "min_votes": min_votes,
                "base_k": int(base_k),
                "k_margin": float(k_margin),
                "row_order": row_order,
                "threads": threads,
                "in_conv": in_conv,
                "scale": scale,
                "silhouette_sample": silhouette_sample,
                "kmeans_sample": kmeans_sample,
            },
        )
    return result


@dataclass(frozen=True)
class _PolisFit:
    xy: np.ndarray
    components: np.ndarray
    explained_variance: np.ndarray
    clustered: np.ndarray
    base_label: np.ndarray  # per participant, -1 when not clustered
    base_centers: np.ndarray
    base_sizes: np.ndarray
    group: np.ndarray  # per participant, 0 = largest
    centers: np.ndarray
    silhouettes: dict[int, float]
    k: int
    threshold: int


def _polis_fit(
    vm: VoteMatrix,
    order: np.ndarray,
    forced: np.ndarray,
    *,
    k: int | None,
    k_range: tuple[int, int],
    n_init: int,
    seed: int,
    min_votes: int,
    base_k: int,
    threads: int | None,
    k_margin: float = 0.0,
) -> _PolisFit:
    """The Polis pipeline on a validated vote matrix (see :func:`opinion_groups`)."""
    n, m = vm.shape
    n_columns = m + vm.n_out_columns
    scores, comps, var, _mean = _pca2(vm)
    n_kept = np.bincount(vm.rows, minlength=n)
    xy = polis.project(scores, n_kept, n_columns, vm.n_out_columns)
    raw = vm.raw_counts if vm.raw_counts is not None else n_kept
    clustered = polis.in_conversation(raw, n_columns, min_votes=min_votes, order=order) | forced
    rows = order[clustered[order]]  # clustered participants in Polis's row order
    blab, bcent = polis.base_clusters(xy[rows], base_k, threads)
    bsize = np.bincount(blab, minlength=len(bcent))
    lo, hi = k_range
    sil: dict[int, float] = {}
    fits: dict[int, np.ndarray] = {}
    if k is not None and k > len(bcent):
        raise InputError(
            f"k = {k} but the clustered participants sit at only {len(bcent)} distinct base "
            "cluster(s); lower k or pass k=None"
        )
    if len(bcent) < 2 or k == 1:
        best_k, glab = 1, np.zeros(len(bcent), dtype=np.int64)
    else:
        ks = (
            [int(k)] if k is not None else list(range(lo, max(lo, polis.max_k(len(bcent), hi)) + 1))
        )
        for kk in ks:
            fits[kk] = polis.group_clusters(
                bcent, bsize, min(kk, len(bcent)), n_init=n_init, seed=seed
            )
            sil[kk] = polis.silhouette(bcent, fits[kk])
        best_k = int(k) if k is not None else polis.choose_k(sil, k_margin)
        glab = fits[best_k]
    # group centers = size-weighted means of their base centers (= means of their members)
    groups = np.unique(glab)
    centers = np.array(
        [np.average(bcent[glab == g], axis=0, weights=bsize[glab == g]) for g in groups]
    )
    gsize = np.array([bsize[glab == g].sum() for g in groups])
    order_g = sorted(range(len(groups)), key=lambda j: (-gsize[j], centers[j, 0], centers[j, 1]))
    remap = np.empty(int(groups.max()) + 1, dtype=np.int64)
    remap[groups[order_g]] = np.arange(len(groups))
    centers = centers[order_g]
    base_label = np.full(n, -1, dtype=np.int64)
    base_label[rows] = blab
    group = np.empty(n, dtype=np.int64)
    group[rows] = remap[glab[blab]]
    out = np.flatnonzero(~clustered)
    if len(out):
        group[out] = _sq_dists(xy[out], centers).argmin(axis=1)
    return _PolisFit(
        xy,
        comps,
        var,
        clustered,
        base_label,
        bcent,
        bsize,
        group,
        centers,
        sil,
        len(groups),
        min(min_votes, n_columns),
    )


def _polis_result(
    fit: _PolisFit,
    vm: VoteMatrix,
    votes: Any,
    statements: Any,
    *,
    seed: int,
    params: dict[str, Any],
) -> OpinionGroups:
    n_votes = np.bincount(vm.rows, minlength=vm.shape[0])
    assignments = pl.DataFrame(
        {
            "participant_id": vm.participant_series(),
            "group": fit.group,
            "n_votes": n_votes.astype(np.int64),
            "clustered": fit.clustered,
            "x": fit.xy[:, 0],
            "y": fit.xy[:, 1],
            "base_cluster": fit.base_label,
        }
    )
    return OpinionGroups(
        assignments=assignments,
        k=fit.k,
        silhouette=fit.silhouettes.get(fit.k, float("nan")),
        silhouettes=fit.silhouettes,
        centroids=fit.centers,
        components=fit.components,
        explained_variance=fit.explained_variance,
        statements=vm.statements,
        min_votes=fit.threshold,
        n_votes_excluded=vm.n_excluded,
        seed=seed,
        params=params,
        method="polis",
        base_centroids=fit.base_centers,
        base_sizes=fit.base_sizes,
        _source=(votes, statements, vm),
    )


def _resample(vm: VoteMatrix, rng: np.random.Generator) -> tuple[VoteMatrix, np.ndarray]:
    """A bootstrap resample of the votes (drawn with replacement; a vote drawn again counts
    once) as a vote matrix over the participants who kept a vote, and their positions in
    ``vm``."""
    total = len(vm.rows)
    keep = np.zeros(total, dtype=bool)
    keep[rng.integers(0, total, size=total)] = True
    rows, cols, vals = vm.rows[keep], vm.cols[keep], vm.vals[keep]
    present = np.unique(rows)
    remap = np.full(vm.shape[0], -1, dtype=np.int64)
    remap[present] = np.arange(len(present))
    raw = None
    if vm.raw_counts is not None:  # votes on moderated-out statements are not resampled
        kept_before = np.bincount(vm.rows, minlength=vm.shape[0])
        raw = (vm.raw_counts - kept_before)[present] + np.bincount(rows, minlength=vm.shape[0])[
            present
        ]
    sub = VoteMatrix(
        [vm.participants[i] for i in present],
        vm.statements,
        remap[rows],
        cols,
        vals,
        vm.n_excluded,
        None if vm.participant_ids is None else vm.participant_ids.gather(present),
        raw,
        vm.n_out_columns,
    )
    return sub, present


def _match(full: np.ndarray, part: np.ndarray, k_full: int) -> np.ndarray:
    """Map each group label of ``part`` to the label of ``full`` it overlaps most, one to one
    (Hungarian assignment on the contingency table; scipy's when installed, else greedy)."""
    k_part = int(part.max()) + 1
    table = np.zeros((k_part, k_full))
    np.add.at(table, (part, full), 1.0)
    mapping = np.full(k_part, -1, dtype=np.int64)
    try:
        from scipy.optimize import linear_sum_assignment
    except ImportError:  # pragma: no cover - optional
        used: set[int] = set()
        for flat in np.argsort(-table, axis=None, kind="stable"):
            a, b = divmod(int(flat), k_full)
            if mapping[a] < 0 and b not in used and table[a, b] > 0:
                mapping[a] = b
                used.add(b)
        return mapping
    r, c = linear_sum_assignment(-table)
    mapping[r] = c
    return mapping


def _with_stability(
    result: OpinionGroups,
    vm: VoteMatrix,
    votes: Any,
    *,
    k: int | None,
    method: str,
    seed: int,
    resamples: int,
    kw: dict[str, Any],
) -> OpinionGroups:
    """``result`` with the bootstrap stability of its groups (see :class:`Stability`)."""
    n = vm.shape[0]
    full = result.assignments["group"].to_numpy()
    same = np.zeros(n)
    seen = np.zeros(n)
    k_counts: dict[int, int] = {}
    jacc = np.zeros(result.k)
    rng = np.random.default_rng([seed, 0x5EED])
    order = (
        polis.participant_order(votes, vm.participant_series(), kw["row_order"])
        if method == "polis"
        else None
    )
    forced = polis.ids_in(kw["in_conv"], vm.participants) if method == "polis" else None
    for _ in range(resamples):
        sub, present = _resample(vm, rng)
        if method == "polis":
            assert order is not None and forced is not None
            pos = np.full(n, -1, dtype=np.int64)
            pos[present] = np.arange(len(present))
            sub_order = pos[order][pos[order] >= 0]
            fit = _polis_fit(
                sub,
                sub_order,
                forced[present],
                k=k,
                k_range=kw["k_range"],
                n_init=kw["n_init"],
                seed=seed,
                k_margin=kw["k_margin"],
                min_votes=polis.MIN_VOTES if kw["min_votes"] is None else int(kw["min_votes"]),
                base_k=kw["base_k"],
                threads=kw["threads"],
            )
            part, kk = fit.group, fit.k
        else:
            frame = pl.DataFrame(
                {
                    "statement_id": [sub.statements[c] for c in sub.cols],
                    "participant_id": [sub.participants[r] for r in sub.rows],
                    "vote": sub.vals,
                }
            )
            res = _kmeans_groups(
                frame,
                k,
                seed=seed,
                min_votes=kw["min_votes"],
                k_range=kw["k_range"],
                n_init=kw["n_init"],
                scale=kw["scale"],
                silhouette_sample=kw["silhouette_sample"],
                kmeans_sample=kw["kmeans_sample"],
            )
            part, kk = res.assignments["group"].to_numpy(), res.k
        k_counts[kk] = k_counts.get(kk, 0) + 1
        mapped = _match(full[present], part, result.k)[part]
        seen[present] += 1
        same[present] += mapped == full[present]
        for g in range(result.k):
            mine = full[present] == g
            best = 0.0
            for h in range(int(part.max()) + 1):
                theirs = part == h
                union = int((mine | theirs).sum())
                if union:
                    best = max(best, int((mine & theirs).sum()) / union)
            jacc[g] += best
    share = np.where(seen > 0, same / np.maximum(seen, 1), np.nan)
    stab = Stability(
        resamples=resamples,
        k_counts=dict(sorted(k_counts.items())),
        k_agreement=k_counts.get(result.k, 0) / resamples,
        group_jaccard={g: float(jacc[g] / resamples) for g in range(result.k)},
        seed=seed,
    )
    return replace(
        result,
        assignments=result.assignments.with_columns(pl.Series("stability", share)),
        stability=stab,
    )


def _kmeans_groups(
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
    """``method="kmeans"`` of :func:`opinion_groups` (a departure from Polis, kept under its own
    name): k-means over all participants instead of Polis's base and group clusters.

    Method:

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
            f"{kmeans_sample} and {silhouette_sample}"
        )
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
            _silhouette_from_distances(dist, labels_s)
            if 2 <= n_lab <= len(sample) - 1
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
        params={
            "method": "kmeans",
            "k_range": (lo, hi),
            "n_init": n_init,
            "scale": scale,
            "silhouette_sample": silhouette_sample,
            "kmeans_sample": kmeans_sample,
        },
        _source=(votes, statements, vm),
    )
