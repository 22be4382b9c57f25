"""Shared data, peer adapters and agreement checks for the social-choice benchmarks.

Used by ``bench_choice.py`` (pytest-benchmark) and ``choice_ratios.py`` (standalone ratio table).

Tasks (the "Speed" section of the social-choice issue):

- ``margins``: build a profile from n random rankings (impartial culture) of 20 candidates and
  compute its m x m margin matrix.
  pluralign: ``Profile.from_ranks(ranks).margins()`` on an n x m int64 rank array (the natural
  numpy path; ``pluralign-df`` is the DataFrame path ``Profile.from_rankings(df).margins()`` on a
  ``ranking: list[list[i64]]`` column); svvamp: ``Profile(preferences_rk=orders).matrix_duels_rk``
  then ``D - D.T``; pref_voting: ``Profile(orders).margin_matrix``.
- ``kemeny``: exact Kemeny-Young winners on 1,001 random rankings of m candidates, profile built
  beforehand (for every library). The data has no Condorcet winner and a strongly connected
  majority graph (so no library can take a shortcut). pref_voting: ``kemeny_young`` (brute force
  over all m! orders); svvamp: ``RuleKemeny().w_`` (brute force per strongly connected component).
- ``irv``: Instant Runoff winner on n random rankings of 20 candidates, end to end from the numpy
  array (``pluralign``) and on a profile built beforehand (``pluralign-rule``); svvamp:
  ``RuleIRV()(Profile(preferences_rk=orders)).w_`` (svvamp's profile constructor only stores the
  array, so its end-to-end and rule-only times are the same call).
- ``mes`` / ``seqphragmen`` / ``seqpav``: approval committees of size k = 20 on 2,000 voters x 300
  candidates, profile built beforehand. abcvoting: ``abcrules.compute(rule_id, profile, k,
  algorithm="fastest", resolute=True)`` (fastest = "float-fractions" for MES and seq-Phragmén,
  "standard" for seq-PAV).

Inputs for the peers: ``orders[v, k]`` = candidate at position k of voter v (svvamp
``preferences_rk``, pref_voting rankings); for pluralign ``ranks[v, c]`` = position of candidate c
(``Profile.from_ranks``). Both are built from the same random permutations, outside the timing.
"""

from __future__ import annotations

import functools
import inspect
import math

import numpy as np

M_RANK = 20  # candidates in the margins / IRV cases
KEMENY_VOTERS = 1001  # odd: strict rankings give no zero margins
COMMITTEE_N, COMMITTEE_M, COMMITTEE_K = 2000, 300, 20
COMMITTEE_TASKS = ("mes", "seqphragmen", "seqpav")

ABC_RULE = {"mes": "equal-shares", "seqphragmen": "seqphragmen", "seqpav": "seqpav"}
RULE_LABEL = {
    "mes": "Method of Equal Shares (seq-Phragmén completion)",
    "seqphragmen": "seq-Phragmén",
    "seqpav": "seq-PAV",
}

PEERS = {
    "margins": ("pluralign-df", "svvamp", "pref_voting"),
    "kemeny": ("pref_voting", "svvamp"),
    "irv": ("pluralign-rule", "svvamp"),
    "mes": ("abcvoting",),
    "seqphragmen": ("abcvoting",),
    "seqpav": ("abcvoting",),
}

PEER_LABEL = {
    ("margins", "pluralign-df"): "pluralign DataFrame path (Profile.from_rankings(df))",
    ("margins", "svvamp"): "svvamp Profile + matrix_duels_rk",
    ("margins", "pref_voting"): "pref_voting Profile + margin_matrix",
    ("kemeny", "pref_voting"): "pref_voting kemeny_young (brute force)",
    ("kemeny", "svvamp"): "svvamp RuleKemeny (brute force per SCC)",
    ("irv", "svvamp"): "svvamp RuleIRV",
    ("irv", "pluralign-rule"): "pluralign instant_runoff on a prebuilt profile",
}
for _t in COMMITTEE_TASKS:
    PEER_LABEL[(_t, "abcvoting")] = f'abcvoting {ABC_RULE[_t]} (algorithm="fastest")'


def n_label(n: int) -> str:
    e = round(math.log10(n))
    return f"1e{e}" if 10**e == n else str(n)


def peer_versions() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for name in ("numpy", "polars", "svvamp", "pref_voting", "abcvoting", "numba"):
        try:
            out[name] = metadata.version(name)
        except Exception as e:  # noqa: BLE001
            out[name] = f"missing ({type(e).__name__})"
    return out


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------


def ic_orders(n: int, m: int, seed: int = 0) -> np.ndarray:
    """n uniformly random strict rankings (impartial culture): orders[v, k] = candidate at
    position k (int64, C-contiguous)."""
    return np.ascontiguousarray(np.random.default_rng(seed).random((n, m)).argsort(axis=1))


def orders_to_ranks(orders: np.ndarray) -> np.ndarray:
    """ranks[v, c] = position of candidate c in voter v's ranking (0 = best), int64."""
    ranks = np.empty_like(orders, dtype=np.int64)
    np.put_along_axis(
        ranks, orders, np.broadcast_to(np.arange(orders.shape[1], dtype=np.int64), orders.shape), 1
    )
    return ranks


def ranking_frame(orders: np.ndarray):
    """The same rankings as a polars DataFrame, ``ranking: list[list[i64]]`` (one tier per
    candidate), the canonical rankings table."""
    import polars as pl

    n, m = orders.shape
    s = pl.Series("ranking", orders.reshape(-1)).reshape((n, m, 1))
    return pl.DataFrame([s.cast(pl.List(pl.List(pl.Int64)))])


def margins_numpy(orders: np.ndarray) -> np.ndarray:
    """Reference margin matrix (plain numpy, O(n m^2) memory: small inputs only)."""
    ranks = orders_to_ranks(orders)
    wins = (ranks[:, :, None] < ranks[:, None, :]).sum(axis=0)
    return wins - wins.T


def _strongly_connected(beats: np.ndarray) -> bool:
    m = len(beats)
    reach = beats | np.eye(m, dtype=bool)
    for _ in range(math.ceil(math.log2(max(m, 2))) + 1):
        reach = reach | ((reach.astype(np.int64) @ reach.astype(np.int64)) > 0)
    return bool(reach.all())


@functools.lru_cache(maxsize=8)
def kemeny_orders(m: int, n: int = KEMENY_VOTERS) -> tuple[np.ndarray, int]:
    """Rankings for the Kemeny cases: the first seed whose majority graph has no Condorcet winner
    and is strongly connected (the hard case: brute force cannot split it into components)."""
    for seed in range(1000):
        o = ic_orders(n, m, seed=100 + seed)
        mg = margins_numpy(o)
        beats = mg > 0
        if not (beats.sum(axis=1) == m - 1).any() and _strongly_connected(beats):
            return o, 100 + seed
    raise RuntimeError("no suitable Kemeny profile found")


def approvals(
    n: int = COMMITTEE_N,
    m: int = COMMITTEE_M,
    groups: int = 8,
    pool: int = 40,
    p_in: float = 0.3,
    p_out: float = 0.01,
    seed: int = 0,
) -> np.ndarray:
    """n x m 0/1 (uint8) approval matrix with party structure: voters fall into ``groups``
    blocks (Dirichlet sizes); each block approves each of its ``pool`` favoured candidates with
    probability ``p_in`` and any other candidate with ``p_out`` (about 15 approvals per voter at
    the default size). Empty ballots are given one random approval."""
    rng = np.random.default_rng(seed)
    sizes = rng.multinomial(n, rng.dirichlet(np.ones(groups)))
    a = np.zeros((n, m), dtype=np.uint8)
    v = 0
    for s in sizes:
        fav = rng.choice(m, min(pool, m), replace=False)
        p = np.full(m, p_out)
        p[fav] = p_in
        a[v : v + s] = rng.random((s, m)) < p
        v += s
    empty = np.flatnonzero(a.sum(axis=1) == 0)
    a[empty, rng.integers(0, m, len(empty))] = 1
    return a


def abc_profile(a: np.ndarray):
    from abcvoting.preferences import Profile

    prof = Profile(a.shape[1])
    prof.add_voters([[int(c) for c in np.flatnonzero(row)] for row in a])
    return prof


# --------------------------------------------------------------------------------------------
# adapters: (task, impl) -> zero-argument callable
# --------------------------------------------------------------------------------------------


def _choice():
    import pluralign.choice as pc

    return pc


def _kw(fn, **kw):
    """Only the keyword arguments ``fn`` accepts (threads / tie_break are optional API)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return {k: v for k, v in kw.items() if v is not None}
    return {k: v for k, v in kw.items() if k in params and v is not None}


def pluralign_committee(task: str, ap, k: int):
    pc = _choice()
    if task == "mes":
        f, kw = pc.equal_shares, {"completion": "seq_phragmen"}
    elif task == "seqphragmen":
        f, kw = pc.seq_phragmen, {}
    elif task == "seqpav":
        f, kw = pc.pav, {"method": "sequential"}
    else:
        raise ValueError(task)
    kw.update(_kw(f, tie_break="lexicographic"))
    return lambda: f(ap, k, **kw)


def abc_committee(task: str, prof, k: int):
    from abcvoting import abcrules

    rule = ABC_RULE[task]
    return lambda: abcrules.compute(rule, prof, k, algorithm="fastest", resolute=True)


class Case:
    """The data of one case, built once (outside any timing); ``fn(impl)`` gives the callable,
    ``input_bytes(impl)`` the size of what that implementation is handed."""

    def __init__(self, task: str, size: int, seed: int = 0):
        self.task, self.size = task, size
        if task in ("margins", "irv"):
            self.orders = ic_orders(size, M_RANK, seed)
            self.ranks = orders_to_ranks(self.orders)
        elif task == "kemeny":
            self.orders, self.seed = kemeny_orders(size)
            self.ranks = orders_to_ranks(self.orders)
        elif task in COMMITTEE_TASKS:
            self.approvals = (
                approvals(seed=seed)
                if size == COMMITTEE_N
                else approvals(n=size, m=30, groups=3, pool=8, seed=seed)
            )
            self.k = COMMITTEE_K if size == COMMITTEE_N else 5
        else:
            raise ValueError(task)

    def drop_unused(self, impl: str) -> None:
        """After ``fn(impl)``: free the arrays ``impl`` does not use, so that the peak-memory
        baseline holds just its input (the callables keep their own references)."""
        if self.task in ("margins", "irv", "kemeny"):
            if impl == "pluralign-df":
                self.orders = self.ranks = None
            elif impl.startswith("pluralign"):
                self.orders = None
            else:
                self.ranks = None

    def input_bytes(self, impl: str) -> int:
        if self.task in COMMITTEE_TASKS:
            return int(self.approvals.nbytes)
        if impl == "pluralign-df":
            return int(self._df.estimated_size())
        if impl.startswith("pluralign"):
            return int(self.ranks.nbytes)
        return int(self.orders.nbytes)

    def fn(self, impl: str, threads: int | None = None):
        t = self.task
        if t == "margins":
            if impl == "pluralign":
                pc = _choice()
                r, kw = self.ranks, _kw(_choice().Profile.from_ranks, threads=threads)
                return lambda: pc.Profile.from_ranks(r, **kw).margins()
            if impl == "pluralign-df":
                pc = _choice()
                self._df = ranking_frame(self.orders)
                df, kw = self._df, _kw(pc.Profile.from_rankings, threads=threads)
                return lambda: pc.Profile.from_rankings(df, **kw).margins()
            o = self.orders
            if impl == "svvamp":
                import svvamp

                def run():
                    d = svvamp.Profile(preferences_rk=o).matrix_duels_rk
                    return d - d.T

                return run
            if impl == "pref_voting":
                from pref_voting.profiles import Profile

                return lambda: np.asarray(Profile(o).margin_matrix)
        elif t == "kemeny":
            if impl == "pluralign":
                pc = _choice()
                prof = pc.Profile.from_ranks(self.ranks)
                kw = _kw(pc.kemeny, method="exact")
                return lambda: pc.kemeny(prof, **kw)
            if impl == "pref_voting":
                from pref_voting.other_methods import kemeny_young
                from pref_voting.profiles import Profile

                prof = Profile(self.orders)
                return lambda: kemeny_young(prof)
            if impl == "svvamp":
                import svvamp

                o = self.orders
                return lambda: svvamp.RuleKemeny()(svvamp.Profile(preferences_rk=o)).w_
        elif t == "irv":
            if impl in ("pluralign", "pluralign-rule"):
                pc = _choice()
                kw = _kw(pc.instant_runoff, tie_break="lexicographic")
                r = self.ranks
                if impl == "pluralign":
                    return lambda: pc.instant_runoff(pc.Profile.from_ranks(r), **kw)
                prof = pc.Profile.from_ranks(r)
                return lambda: pc.instant_runoff(prof, **kw)
            if impl == "svvamp":
                import svvamp

                o = self.orders
                return lambda: svvamp.RuleIRV()(svvamp.Profile(preferences_rk=o)).w_
        elif t in COMMITTEE_TASKS:
            if impl == "pluralign":
                ap = _choice().ApprovalProfile.from_matrix(self.approvals)
                return pluralign_committee(t, ap, self.k)
            if impl == "abcvoting":
                return abc_committee(t, abc_profile(self.approvals), self.k)
        raise ValueError(f"no adapter for {impl} on {t}")


def normalize(task: str, impl: str, result):
    """A JSON-able form of a result, comparable across implementations."""
    if task == "margins":
        return np.rint(np.asarray(result, dtype=np.float64)).astype(np.int64).tolist()
    if task in ("kemeny", "irv"):
        if impl.startswith("pluralign"):
            return sorted(int(w) for w in result.winners)
        if impl == "svvamp":
            return [int(result)]
        return sorted(int(w) for w in result)  # pref_voting: list of winners
    if task in COMMITTEE_TASKS:
        if impl.startswith("pluralign"):
            return sorted(int(c) for c in result.committee)
        return sorted(int(c) for c in result[0])  # abcvoting: [CandidateSet]
    raise ValueError(task)


def compare(task: str, impl: str, got, ref) -> str | None:
    """None when ``got`` (peer, normalized) agrees with ``ref`` (pluralign, normalized), else a
    short reason. svvamp's Kemeny returns one winner: the lowest-index one of the lexicographically
    first optimal order, so it must be the smallest of pluralign's winners."""
    if got == ref:
        return None
    if task == "kemeny" and impl == "svvamp" and got == [min(ref)]:
        return None
    if task == "margins":
        d = np.abs(np.asarray(got) - np.asarray(ref)).max()
        return f"margins differ (max |diff| {d})"
    return f"{impl} {got} != pluralign {ref}"


# --------------------------------------------------------------------------------------------
# agreement on small instances (run before any timing)
# --------------------------------------------------------------------------------------------


def agreement_checks() -> list[tuple[str, str | None]]:
    """(what, None if they agree else the disagreement) on small instances of every task."""
    out: list[tuple[str, str | None]] = []

    def check(what, f):
        try:
            out.append((what, f()))
        except Exception as e:  # noqa: BLE001
            out.append((what, f"error: {type(e).__name__}: {e}"))

    # margins: 500 rankings of 6 candidates
    o = ic_orders(500, 6, seed=7)
    ref = margins_numpy(o).tolist()
    for impl in ("pluralign", "pluralign-df", "svvamp", "pref_voting"):
        c = Case.__new__(Case)
        c.task, c.orders, c.ranks = "margins", o, orders_to_ranks(o)
        check(
            f"margins 500 x 6: {impl} == numpy reference",
            lambda c=c, impl=impl: compare(
                "margins", impl, normalize("margins", impl, c.fn(impl)()), ref
            ),
        )

    # Kemeny: 1001 rankings of 6 and 8 candidates (no Condorcet winner, strongly connected)
    for m in (6, 8):
        c = Case("kemeny", m)
        for impl in ("pref_voting", "svvamp"):
            check(
                f"kemeny m={m} (seed {c.seed}): {impl} winners == pluralign",
                lambda c=c, impl=impl: compare(
                    "kemeny",
                    impl,
                    normalize("kemeny", impl, c.fn(impl)()),
                    normalize("kemeny", "pluralign", c.fn("pluralign")()),
                ),
            )

    # IRV: 2,000 rankings of 20 candidates, three seeds (svvamp; pref_voting without tie-break)
    from pref_voting.iterative_methods import instant_runoff
    from pref_voting.profiles import Profile as PVProfile

    for seed in (1, 2, 3):
        c = Case("irv", 2000, seed=seed)
        check(
            f"irv 2000 x 20 seed {seed}: svvamp winner == pluralign",
            lambda c=c: compare(
                "irv",
                "svvamp",
                normalize("irv", "svvamp", c.fn("svvamp")()),
                normalize("irv", "pluralign", c.fn("pluralign")()),
            ),
        )
        check(
            f"irv 2000 x 20 seed {seed}: pref_voting winners == pluralign",
            lambda c=c: compare(
                "irv",
                "pref_voting",
                sorted(int(w) for w in instant_runoff(PVProfile(c.orders))),
                normalize("irv", "pluralign", c.fn("pluralign")()),
            ),
        )

    # committees: 200 voters x 30 candidates, k = 5, three seeds
    for task in COMMITTEE_TASKS:
        for seed in (1, 2, 3):
            c = Case(task, 200, seed=seed)
            check(
                f"{task} 200 x 30 k=5 seed {seed}: abcvoting committee == pluralign",
                lambda c=c, task=task: compare(
                    task,
                    "abcvoting",
                    normalize(task, "abcvoting", c.fn("abcvoting")()),
                    normalize(task, "pluralign", c.fn("pluralign")()),
                ),
            )
    return out
