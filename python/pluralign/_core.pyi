"""Type stubs of the Rust extension module (see rust/py). Call the documented wrappers in
pluralign.pareto instead of these directly."""

from collections.abc import Iterator, Sequence
from typing import Any, TypeAlias, final

import numpy as np
import numpy.typing as npt

__version__: str
# What the module exports (stubtest checks this list against the extension).
__all__ = [
    "AgreementOutcome",
    "ArrowArray",
    "BradleyTerryOutcome",
    "CommitteeOutcome",
    "EdgeBatchOutcome",
    "EloOutcome",
    "HypervolumeMcOutcome",
    "KMeansOutcome",
    "PairTableOutcome",
    "RuleOutcome",
    "StvOutcome",
    "StvRoundOutcome",
    "TallyOutcome",
    "ViolationOutcome",
    "_ApprovalProfile",
    "_Profile",
    "__version__",
    "_error_samples",
    "_panic_for_tests",
    "cardinal_rule",
    "chebyshev",
    "choice_rule",
    "choice_set",
    "choice_stv",
    "committee_check",
    "committee_rule",
    "crowding_distance",
    "das_dennis",
    "default_threads",
    "dirichlet",
    "edge_batch",
    "factorize_ids",
    "factorize_ids_each",
    "factorize_map",
    "factorize_remap",
    "hypervolume",
    "hypervolume_contributions",
    "hypervolume_mc",
    "ideal_point",
    "indicator",
    "kmeans_first_distinct",
    "kmeans_lloyd",
    "lexicographic",
    "pareto_front",
    "pareto_grouped",
    "pareto_ranks",
    "prefs_content_ids",
    "prefs_contiguous_groups",
    "prefs_json_value_counts",
    "prefs_pareto_pairs",
    "prefs_rating_pairs",
    "prefs_rows_by_code",
    "prefs_tally",
    "stats_agreement",
    "stats_alpha_dense",
    "stats_bradley_terry",
    "stats_elo",
    "stats_entropy_segments",
    "stats_item_label_stats",
    "stats_js_divergence",
    "stats_matrix_to_long",
    "weighted_sum",
]

# Defaults shown as `...` are option strings the extension parses (see rust/py/src/convert.rs).
# Option strings are plain `str` here: the extension checks them (InputError naming the parameter
# and the allowed values); the public wrappers declare the allowed values with Literal.
# A points argument: a float64 2-D numpy array, or a list of Arrow-exportable columns.
_Points: TypeAlias = npt.NDArray[np.float64] | Sequence[Any]
# a Categorical's / Enum's physical ids at their own width
_Ids: TypeAlias = npt.NDArray[np.uint8] | npt.NDArray[np.uint16] | npt.NDArray[np.uint32]
# an id column: uint32 codes, or (physical ids, map id -> code)
_Codes: TypeAlias = npt.NDArray[np.uint32] | tuple[_Ids, npt.NDArray[np.uint32]]

def default_threads() -> int: ...
def _panic_for_tests() -> None: ...
def _error_samples() -> list[tuple[str, BaseException]]: ...
def pareto_ranks(
    points: _Points, maximize: Sequence[bool], nan: str = ..., threads: int | None = None
) -> npt.NDArray[np.int64]: ...
def pareto_front(
    points: _Points, maximize: Sequence[bool], nan: str = ..., threads: int | None = None
) -> npt.NDArray[np.bool_]: ...
def pareto_grouped(
    points: _Points,
    maximize: Sequence[bool],
    nan: str = ...,
    offsets: npt.NDArray[np.int64] | None = None,
    ids: npt.NDArray[np.int64] | None = None,
    first_only: bool = False,
    threads: int | None = None,
    codes: npt.NDArray[np.uint32] | None = None,
    text: Any = None,
) -> npt.NDArray[np.int64]: ...
def crowding_distance(
    points: _Points, ranks: npt.NDArray[np.int64], threads: int | None = None
) -> npt.NDArray[np.float64]: ...
def hypervolume(
    points: _Points,
    maximize: Sequence[bool],
    reference: Sequence[float],
    threads: int | None = None,
) -> float: ...
def hypervolume_contributions(
    points: _Points,
    maximize: Sequence[bool],
    reference: Sequence[float],
    ignore_dominated: bool = False,
    threads: int | None = None,
) -> npt.NDArray[np.float64]: ...
def hypervolume_mc(
    points: _Points,
    maximize: Sequence[bool],
    reference: Sequence[float],
    samples: int,
    seed: int,
    threads: int | None = None,
) -> HypervolumeMcOutcome: ...

@final
class HypervolumeMcOutcome:
    hits: int
    samples: int
    box_volume: float

def weighted_sum(
    points: _Points,
    maximize: Sequence[bool],
    weights: npt.NDArray[np.float64],
    threads: int | None = None,
) -> npt.NDArray[np.float64]: ...
def chebyshev(
    points: _Points,
    weights: npt.NDArray[np.float64],
    ideal: Sequence[float],
    rho: float,
    threads: int | None = None,
) -> npt.NDArray[np.float64]: ...
def ideal_point(points: _Points, maximize: Sequence[bool]) -> list[float]: ...
def das_dennis(m: int, partitions: int) -> npt.NDArray[np.float64]: ...
def dirichlet(m: int, n: int, seed: int, alpha: float) -> npt.NDArray[np.float64]: ...
def lexicographic(
    points: _Points,
    maximize: Sequence[bool],
    order: Sequence[int],
    tolerances: Sequence[float],
    relative: bool,
) -> npt.NDArray[np.bool_]: ...
def indicator(
    points: _Points,
    reference: _Points,
    maximize: Sequence[bool],
    kind: str,
    threads: int | None = None,
) -> float: ...

# --- choice -------------------------------------------------------------------------------
_F64: TypeAlias = npt.NDArray[np.float64]
_I64: TypeAlias = npt.NDArray[np.int64]

@final
class RuleOutcome:
    winners: list[int]
    ranking: list[list[int]] | None
    scores: list[float]
    tie_break: str | None

@final
class CommitteeOutcome:
    committee: list[int]
    order: list[int]
    scores: list[float]
    value: float | None
    tie_break: str | None

@final
class StvRoundOutcome:
    tallies: list[float]
    exhausted: float
    quota: float
    elected: list[int]
    eliminated: list[int]
    transfers: list[tuple[int, int | None, float]]
    keep: list[float]
    tie: bool

@final
class StvOutcome:
    elected: list[int]
    rounds: list[StvRoundOutcome]
    total: float
    exhausted: float
    tie_break: str | None

@final
class ViolationOutcome:
    ell: int
    candidates: list[int]
    group_weight: float

@final
class _Profile:
    @staticmethod
    def from_nested(
        m: int,
        values: _I64,
        tier_offsets: _I64,
        ballot_offsets: _I64,
        weights: _F64 | None = None,
        threads: int | None = None,
    ) -> _Profile: ...
    @staticmethod
    def from_nested_grouped(
        m: int,
        values: _I64,
        tier_offsets: _I64,
        ballot_offsets: _I64,
        groups: _I64,
        n_groups: int,
        weights: _F64 | None = None,
        threads: int | None = None,
    ) -> list[_Profile]: ...
    @staticmethod
    def from_rank_matrix(
        ranks: _I64, weights: _F64 | None = None, threads: int | None = None
    ) -> _Profile: ...
    @staticmethod
    def from_comparisons(
        m: int, winners: _I64, losers: _I64, weights: _F64 | None = None
    ) -> _Profile: ...
    @staticmethod
    def from_parts(kind: str, m: int, data: bytes, weights: bytes, total: float) -> _Profile: ...
    n_candidates: int
    n_ballots: int | None
    total_weight: float
    pairwise_only: bool
    def support(self) -> _F64: ...
    def margins(self) -> _F64: ...
    def ballots(self) -> list[tuple[list[list[int]], float]]: ...
    def merge(self, other: _Profile) -> _Profile: ...
    def to_parts(self) -> tuple[str, int, bytes, bytes, float]: ...

@final
class _ApprovalProfile:
    @staticmethod
    def from_flat(
        m: int, values: _I64, offsets: _I64, weights: _F64 | None = None
    ) -> _ApprovalProfile: ...
    @staticmethod
    def from_matrix(
        approvals: npt.NDArray[np.uint8], weights: _F64 | None = None
    ) -> _ApprovalProfile: ...
    @staticmethod
    def from_parts(m: int, sets: bytes, weights: bytes) -> _ApprovalProfile: ...
    n_candidates: int
    n_ballots: int
    total_weight: float
    def approval_scores(self) -> list[float]: ...
    def ballots(self) -> list[tuple[list[int], float]]: ...
    def merge(self, other: _ApprovalProfile) -> _ApprovalProfile: ...
    def to_parts(self) -> tuple[int, bytes, bytes]: ...

def choice_rule(
    profile: _Profile,
    name: str,
    alpha: float = 0.5,
    scores: Sequence[float] = ...,
    tb_kind: str = ...,
    tb_order: Sequence[int] = ...,
    tb_seed: int = 0,
    minimax_strength: str = ...,
    schulze_strength: str = ...,
    nanson_variant: str = ...,
    kemeny_method: str = ...,
    lottery_payoff: str = ...,
) -> RuleOutcome: ...
def choice_set(profile: _Profile, name: str, covering: str = ...) -> list[int]: ...
def cardinal_rule(
    utilities: _Points,
    name: str,
    weights: _F64 | None = None,
    range: tuple[float, float] | None = None,
    tb_kind: str = ...,
    tb_order: Sequence[int] = ...,
    tb_seed: int = 0,
) -> RuleOutcome: ...
def choice_stv(
    profile: Any,
    seats: int,
    quota: str = ...,
    transfer: str = ...,
    surplus_order: str = ...,
    look: str = ...,
    tb_kind: str = ...,
    tb_order: list[int] = ...,
    tb_seed: int = 0,
) -> StvOutcome: ...

# name: approval, av, sav, pav, chamberlin_courant, seq_phragmen, equal_shares, rev_seq_pav,
# phragmen_enestrom, minimax_av, lex_minimax_av, lex_cc, maximin_support, monroe
def committee_rule(
    profile: _ApprovalProfile,
    name: str,
    k: int,
    method: str = ...,
    completion: str = ...,
    tb_kind: str = ...,
    tb_order: Sequence[int] = ...,
    tb_seed: int = 0,
) -> CommitteeOutcome: ...
def committee_check(
    profile: _ApprovalProfile, which: str, committee: Sequence[int]
) -> ViolationOutcome | None: ...

# --- stats (rust/py/src/stats.rs): ids are uint32 codes or (physical ids, map); see
# pluralign.stats ---
def stats_bradley_terry(
    winner: _Codes,
    loser: _Codes,
    n_items: int,
    weight: npt.NDArray[np.float64] | None = None,
    tie: npt.NDArray[np.bool_] | None = None,
    l2: float = 0.0,
    ties: str = ...,
    method: str = ...,
    tol: float = 1e-10,
    max_iter: int = 1000,
    standard_errors: bool = True,
    bootstrap: int = 0,
    level: float = 0.95,
    seed: int = 0,
    threads: int | None = None,
) -> BradleyTerryOutcome: ...
def stats_elo(
    winner: _Codes,
    loser: _Codes,
    n_items: int,
    weight: npt.NDArray[np.float64] | None = None,
    tie: npt.NDArray[np.bool_] | None = None,
    k: float = 4.0,
    initial: float = 1000.0,
    scale: float = 400.0,
    base: float = 10.0,
) -> EloOutcome: ...
def stats_agreement(
    unit: _Codes,
    rater: _Codes,
    value: npt.NDArray[np.float64],
    metric: str,
    level: str = ...,
    threads: int | None = None,
) -> AgreementOutcome: ...
def stats_entropy_segments(
    offsets: npt.NDArray[np.int64], weights: npt.NDArray[np.float64], threads: int | None = None
) -> npt.NDArray[np.float64]: ...
def stats_item_label_stats(
    items: npt.NDArray[np.uint32],
    n_items: int,
    labels: npt.NDArray[np.uint32],
    groups: npt.NDArray[np.uint32] | None = None,
    weights: npt.NDArray[np.float64] | None = None,
    threads: int | None = None,
) -> dict[str, npt.NDArray[Any]]: ...
def stats_js_divergence(p: npt.NDArray[np.float64], q: npt.NDArray[np.float64]) -> float: ...
def stats_matrix_to_long(
    x: npt.NDArray[np.float64], threads: int | None = None
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32], npt.NDArray[np.float64]]: ...
def stats_alpha_dense(
    x: npt.NDArray[np.float64], level: str = ..., threads: int | None = None
) -> AgreementOutcome: ...

@final
class PairTableOutcome:
    columns: list[Any]
    margin: npt.NDArray[np.float64]
    tie: npt.NDArray[np.bool_]
    n_considered: int
    n_ties_dropped: int
    n_below_margin: int
    n_incomparable: int

@final
class TallyOutcome:
    group: npt.NDArray[np.uint32]
    lo: npt.NDArray[np.uint32]
    hi: npt.NDArray[np.uint32]
    n_lo: npt.NDArray[np.int64]
    n_hi: npt.NDArray[np.int64]
    n_tie: npt.NDArray[np.int64]
    w_lo: npt.NDArray[np.float64]
    w_hi: npt.NDArray[np.float64]
    w_tie: npt.NDArray[np.float64]

@final
class BradleyTerryOutcome:
    strength: npt.NDArray[np.float64]
    se: npt.NDArray[np.float64] | None
    iterations: int
    converged: bool
    log_likelihood: float
    n_pairs: int
    n_comparisons: int
    item_comparisons: npt.NDArray[np.uint64]
    ci_low: npt.NDArray[np.float64] | None
    ci_high: npt.NDArray[np.float64] | None
    boot_se: npt.NDArray[np.float64] | None
    boot_used: int | None
    boot_failed: int | None
    boot_unconverged: int | None

@final
class EloOutcome:
    ratings: npt.NDArray[np.float64]
    games: npt.NDArray[np.float64]

@final
class AgreementOutcome:
    value: float
    observed: float | None
    expected: float | None
    n_units: int
    n_pairable: int | None
    n_pairs: float | None

# --- prefs (rust/py/src/prefs.rs): grouped row indices / codes; see pluralign.prefs ---
@final
class ArrowArray:
    """An Arrow array from Rust (Arrow PyCapsule interface; ``pl.Series(x)`` reads it)."""

    def __arrow_c_array__(
        self, requested_schema: object | None = None
    ) -> tuple[object, object]: ...
    def __len__(self) -> int: ...

def prefs_rating_pairs(
    offsets: npt.NDArray[np.int64],
    rows: npt.NDArray[np.uint32],
    score: npt.NDArray[np.float64],
    columns: Sequence[Any | None],
    first: Sequence[bool],
    min_margin: float = 0.0,
    keep_ties: bool = False,
    threads: int | None = None,
) -> PairTableOutcome | None: ...
def prefs_pareto_pairs(
    offsets: npt.NDArray[np.int64],
    rows: npt.NDArray[np.uint32],
    objectives: Sequence[npt.NDArray[np.float64]],
    maximize: Sequence[bool],
    columns: Sequence[Any | None],
    first: Sequence[bool],
    threads: int | None = None,
) -> PairTableOutcome | None: ...
def prefs_content_ids(texts: Any, threads: int | None = None) -> npt.NDArray[np.uint8]: ...
def prefs_json_value_counts(data: bytes, threads: int | None = None) -> tuple[int, int]: ...
def factorize_ids(
    columns: Sequence[Any], sort: bool | None = True, threads: int | None = None
) -> tuple[list[npt.NDArray[np.uint32]], npt.NDArray[np.uint32], npt.NDArray[np.uint64]]: ...
def factorize_ids_each(
    groups: Sequence[Sequence[Any]], sort: bool | None = True, threads: int | None = None
) -> list[tuple[list[npt.NDArray[np.uint32]], npt.NDArray[np.uint32], npt.NDArray[np.uint64]]]: ...
def factorize_map(
    ids: Sequence[_Ids], sort: bool = True, threads: int | None = None
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32], npt.NDArray[np.uint64]] | None: ...
def factorize_remap(
    codes: Sequence[npt.NDArray[np.uint32]],
    rank: npt.NDArray[np.uint32],
    threads: int | None = None,
) -> None: ...
def prefs_contiguous_groups(
    columns: list[Any], threads: int | None = None
) -> npt.NDArray[np.int64] | None: ...
def prefs_rows_by_code(
    codes: npt.NDArray[np.uint32], n_codes: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint32]]: ...
def prefs_tally(
    group: _Codes,
    winner: _Codes,
    loser: _Codes,
    tie: npt.NDArray[np.bool_] | None = None,
    weight: npt.NDArray[np.float64] | None = None,
    threads: int | None = None,
) -> TallyOutcome: ...

# --- edge (rust/py/src/edge.rs): batched edge signals / arbiter choices; see pluralign.edge ---
def edge_batch(
    points: npt.NDArray[np.float64] | Sequence[Any],
    maximize: Sequence[bool],
    offsets: npt.NDArray[np.int64],
    tier_objective: Sequence[int],
    tier_threshold: Sequence[float],
    tier_tolerance: Sequence[float],
    tier_relative: Sequence[bool],
    weights: npt.NDArray[np.float64],
    threads: int | None = None,
) -> EdgeBatchOutcome: ...

@final
class EdgeBatchOutcome:
    admissible: npt.NDArray[np.bool_]
    front: npt.NDArray[np.bool_]
    n_admissible: npt.NDArray[np.int64]
    n_front: npt.NDArray[np.int64]
    chosen: npt.NDArray[np.int64]
    conflict: npt.NDArray[np.float64]
    min_tau: npt.NDArray[np.float64]
    n_choices: npt.NDArray[np.int64]
    def __len__(self) -> int: ...
    def __getitem__(self, i: int, /) -> npt.NDArray[Any]: ...
    def __iter__(self) -> Iterator[npt.NDArray[Any]]: ...

# --- govern (rust/py/src/govern.rs): the k-means of the Polis math; see pluralign.govern.polis ---
def kmeans_first_distinct(points: npt.NDArray[np.float64], k: int) -> npt.NDArray[np.int64]: ...
def kmeans_lloyd(
    points: npt.NDArray[np.float64],
    init: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64] | None = None,
    max_iter: int = 20,
    tol: float = 0.01,
    drop_empty: bool = True,
    threads: int | None = None,
) -> KMeansOutcome: ...

@final
class KMeansOutcome:
    labels: npt.NDArray[np.int64]
    centers: npt.NDArray[np.float64]
    origin: npt.NDArray[np.int64]
    iterations: int
