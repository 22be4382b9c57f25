"""Property checking: search random profiles for counterexamples to a rule's axioms."""

from __future__ import annotations

import random as _random
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from ..errors import InputError
from ._common import Result
from .profile import Profile, _profile
from .sets import condorcet_loser, condorcet_winner

AXIOMS = (
    "condorcet_winner",
    "condorcet_loser",
    "pareto",
    "monotonicity",
    "anonymity",
    "neutrality",
)


@dataclass(frozen=True)
class Counterexample:
    """A profile on which ``rule`` violates ``axiom``, with what went wrong."""

    axiom: str
    profile: Profile
    detail: str
    other: Profile | None = field(default=None)


def _rebuild(ballots: list[tuple[list[frozenset], float]], candidates: list[Hashable]) -> Profile:
    tiers = [[sorted(t, key=candidates.index) for t in b if t] for b, _w in ballots]
    return Profile.from_rankings(tiers, candidates=candidates, weights=[w for _b, w in ballots])


def _winners(rule: Callable[[Profile], Result], p: Profile) -> frozenset:
    return rule(p).winners


def _check_one(
    rule: Callable[[Profile], Result], p: Profile, axiom: str, rng: _random.Random
) -> Counterexample | None:
    w = _winners(rule, p)
    c = p.candidates
    if axiom == "condorcet_winner":
        cw = condorcet_winner(p)
        if cw is not None and w != frozenset([cw]):
            return Counterexample(
                axiom, p, f"Condorcet winner {cw!r} but the rule picks {sorted(map(str, w))}"
            )
    elif axiom == "condorcet_loser":
        cl = condorcet_loser(p)
        if cl is not None and cl in w:
            return Counterexample(axiom, p, f"Condorcet loser {cl!r} is among the winners")
    elif axiom == "pareto":
        sup = p.support()
        total = p.total_weight
        for b in w:
            for a in range(len(c)):
                if a != c.index(b) and sup[a, c.index(b)] >= total - 1e-9 * max(total, 1):
                    return Counterexample(
                        axiom, p, f"every ballot prefers {c[a]!r} to winner {b!r}"
                    )
    elif axiom == "anonymity":
        ballots = p.ballots()
        rng.shuffle(ballots)
        q = _rebuild(ballots, c)
        if _winners(rule, q) != w:
            return Counterexample(axiom, p, "reordering the ballots changed the winners", q)
    elif axiom == "neutrality":
        perm = list(range(len(c)))
        rng.shuffle(perm)
        rename = {c[i]: c[perm[i]] for i in range(len(c))}
        q = _rebuild(
            [([frozenset(rename[x] for x in t) for t in b], wt) for b, wt in p.ballots()], c
        )
        if _winners(rule, q) != frozenset(rename[x] for x in w):
            return Counterexample(
                axiom, p, f"renaming candidates by {rename} did not rename the winners", q
            )
    elif axiom == "monotonicity":
        ballots = p.ballots()
        for win in sorted(w, key=c.index):
            for k, (tiers, wt) in enumerate(ballots):
                pos = next(i for i, t in enumerate(tiers) if win in t)
                if pos == 0:
                    continue
                lifted = [set(t) for t in tiers]
                lifted[pos].discard(win)
                lifted[pos - 1].add(win)
                new = list(ballots)
                new[k] = ([frozenset(t) for t in lifted if t], wt)
                q = _rebuild(new, c)
                if win not in _winners(rule, q):
                    return Counterexample(
                        axiom, p, f"raising winner {win!r} on ballot {k} made it lose", q
                    )
    else:
        raise InputError(f"unknown axiom {axiom!r}; choose from {AXIOMS}")
    return None


def check(
    rule: Callable[[Profile], Result],
    profiles: Profile | Iterable[Profile] | Callable[[int], Profile],
    axioms: Sequence[str] = AXIOMS,
    *,
    samples: int = 200,
    seed: int = 0,
) -> list[Counterexample]:
    """Search for counterexamples to ``axioms`` for ``rule``.

    ``profiles`` is one Profile, an iterable of Profiles (exhaustive search over what it
    yields), or a generator ``f(seed) -> Profile`` called ``samples`` times (sampled search,
    e.g. ``lambda s: random_profile(7, 4, seed=s)``). Returns one counterexample per violated
    axiom (the first found), or an empty list.
    """
    for a in axioms:
        if a not in AXIOMS:
            raise InputError(f"unknown axiom {a!r}; choose from {AXIOMS}")
    if isinstance(profiles, Profile):
        source: Iterable[Profile] = [profiles]
    elif callable(profiles):
        source = (profiles(seed + i) for i in range(samples))
    else:
        source = profiles
    rng = _random.Random(seed)
    found: dict[str, Counterexample] = {}
    for p in source:
        for a in axioms:
            if a in found:
                continue
            ce = _check_one(rule, _profile(p), a, rng)
            if ce is not None:
                found[a] = ce
        if len(found) == len(axioms):
            break
    return [found[a] for a in axioms if a in found]
