"""Social choice: aggregate plural preferences with rules whose properties are known.

Every rule cites the definition it implements (see the Rust core, ``rust/core/src/choice``, and
``docs/choice.md``). Candidates are any hashable ids; results name candidates, not indices.
Profiles are mergeable (``merge``) and picklable, so partial profiles built on many machines add
up exactly.

The rules live in submodules that mirror ``rust/core/src/choice`` (``profile``, ``ranked``,
``cardinal``, ``committees``, ``lottery``, ``sets``, ``stv``, ``kemeny``, ``axioms``); this
package re-exports their public names.
"""

from __future__ import annotations

# the extension module, reachable as pluralign.choice._core (tests patch its classes)
from .. import _core as _core
from ._common import CommitteeMethod as CommitteeMethod
from ._common import Result
from ._common import TieBreak as TieBreak
from .axioms import AXIOMS as AXIOMS
from .axioms import Counterexample as Counterexample
from .axioms import check
from .cardinal import egalitarian, leximin, majority_judgment, nash, score_voting, star, utilitarian
from .committees import (
    ApprovalProfile,
    CommitteeResult,
    Violation,
    approval,
    av,
    chamberlin_courant,
    ejr_violation,
    equal_shares,
    is_ejr,
    is_jr,
    is_pjr,
    jr_violation,
    lex_cc,
    lex_minimax_av,
    maximin_support,
    minimax_av,
    monroe,
    pav,
    phragmen_enestrom,
    pjr_violation,
    rev_seq_pav,
    sav,
    seq_phragmen,
)
from .kemeny import kemeny
from .lottery import maximal_lottery
from .profile import Profile, random_profile
from .ranked import MinimaxStrength as MinimaxStrength
from .ranked import (
    anti_plurality,
    baldwin,
    borda,
    bucklin,
    coombs,
    copeland,
    instant_runoff,
    llull,
    minimax,
    nanson,
    plurality,
    positional,
    random_dictatorship,
    ranked_pairs,
    ranked_pairs_all,
    schulze,
    split_cycle,
    stable_voting,
)
from .sets import condorcet_loser, condorcet_winner, schwartz_set, smith_set, uncovered_set
from .stv import StvResult, StvRound, stv

__all__ = [
    "ApprovalProfile",
    "CommitteeResult",
    "Profile",
    "Result",
    "StvResult",
    "StvRound",
    "Violation",
    "anti_plurality",
    "approval",
    "av",
    "baldwin",
    "borda",
    "bucklin",
    "chamberlin_courant",
    "check",
    "condorcet_loser",
    "condorcet_winner",
    "coombs",
    "copeland",
    "egalitarian",
    "ejr_violation",
    "equal_shares",
    "instant_runoff",
    "is_ejr",
    "is_jr",
    "is_pjr",
    "jr_violation",
    "kemeny",
    "lex_cc",
    "lex_minimax_av",
    "leximin",
    "llull",
    "majority_judgment",
    "maximal_lottery",
    "maximin_support",
    "minimax",
    "minimax_av",
    "monroe",
    "nanson",
    "nash",
    "pav",
    "phragmen_enestrom",
    "pjr_violation",
    "plurality",
    "positional",
    "random_dictatorship",
    "random_profile",
    "ranked_pairs",
    "ranked_pairs_all",
    "rev_seq_pav",
    "sav",
    "schulze",
    "schwartz_set",
    "score_voting",
    "seq_phragmen",
    "smith_set",
    "split_cycle",
    "stable_voting",
    "star",
    "stv",
    "uncovered_set",
    "utilitarian",
]
