"""Audit a reward model as a voting rule over candidate sets.

For each prompt, the model ranks that prompt's candidate responses by score and picks the best;
the annotators' ballots on the same candidates form a :class:`pluralign.choice.Profile`. Two
social-choice axioms are checked, with counterexamples:

- **Pareto efficiency** (unanimity): if every annotator strictly prefers ``y`` to ``x``, the
  model must not rank ``x`` above ``y``. With ranked ballots "every annotator" means the whole
  weight of the prompt's ballots ranks ``y`` strictly above ``x``; with pairwise comparisons,
  every non-tied comparison of the two says ``y`` (and there is at least one).
- **Condorcet consistency**: when the ballots have a Condorcet winner
  (:func:`pluralign.choice.condorcet_winner`: it beats every other candidate by a strict
  majority), the model's pick must be that winner (a tie at the top counts as a miss).

Reward models are usually scored by pairwise accuracy only; this treats their choices as the
collective decisions they become downstream (best-of-n, RLHF) and asks whether those decisions
respect the annotators' preferences.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from pluralign.errors import InputError, SchemaError
from pluralign.reward.scoring import score_rows


@dataclass
class AuditResult:
    """``pareto_violations``: one row per (prompt, ranked_above, ranked_below) pair the model
    orders against a unanimous preference; ``condorcet_violations``: one row per prompt whose
    Condorcet winner the model does not pick; ``per_prompt``: one row per audited prompt."""

    n_prompts: int
    n_skipped: int
    pareto_violations: pl.DataFrame
    condorcet_violations: pl.DataFrame
    per_prompt: pl.DataFrame

    @property
    def pareto_efficiency(self) -> float:
        """Share of audited prompts without a Pareto violation."""
        if self.n_prompts == 0:
            return float("nan")
        return 1.0 - self.pareto_violations["prompt_id"].n_unique() / self.n_prompts

    @property
    def condorcet_consistency(self) -> float:
        """Share of prompts with a Condorcet winner where the model picks it (NaN if none)."""
        n = int(self.per_prompt["has_condorcet_winner"].sum()) if self.n_prompts else 0
        if n == 0:
            return float("nan")
        return 1.0 - self.condorcet_violations.height / n

    def summary(self) -> dict[str, Any]:
        return {
            "n_prompts": self.n_prompts,
            "n_skipped": self.n_skipped,
            "pareto_violations": self.pareto_violations.height,
            "pareto_efficiency": self.pareto_efficiency,
            "condorcet_prompts": int(self.per_prompt["has_condorcet_winner"].sum())
            if self.n_prompts
            else 0,
            "condorcet_violations": self.condorcet_violations.height,
            "condorcet_consistency": self.condorcet_consistency,
        }


def _ballot_kind(ballots: pl.DataFrame) -> str:
    if "ranking" in ballots.columns:
        return "rankings"
    if "chosen_id" in ballots.columns and "rejected_id" in ballots.columns:
        return "comparisons"
    raise SchemaError(
        "ballots need a 'ranking' column (ranked ballots, tiers of response ids) "
        "or 'chosen_id' and 'rejected_id' columns (pairwise comparisons)"
    )


def audit(
    model: Any,
    candidates: pl.DataFrame,
    ballots: pl.DataFrame,
    *,
    encoder: Any = None,
    embeddings: Any = None,
    output: str | None = None,
) -> AuditResult:
    """Audit ``model``'s choices on ``candidates`` against ``ballots`` (module docstring).

    ``candidates``: ``prompt_id``, ``response_id`` and the texts ``prompt``, ``response`` (or,
    for a RewardModel, ``embeddings`` keyed by ``response_id``). ``ballots``: per ``prompt_id``
    either ranked ballots (``ranking``: tiers of response ids, best first, optional
    ``weight``) or pairwise comparisons (``chosen_id``, ``rejected_id``, optional ``tie``,
    ``weight``). ``output``: which model output ranks (default: the only one). Prompts without
    ballots are skipped (counted in ``n_skipped``).
    """
    from pluralign import choice

    for what, df in (("candidates", candidates), ("ballots", ballots)):
        if not isinstance(df, pl.DataFrame):
            raise InputError(f"{what} must be a polars DataFrame, got {type(df).__name__}")
        if "prompt_id" not in df.columns:
            raise SchemaError(f"{what} lacks column 'prompt_id'")
    if "response_id" not in candidates.columns:
        raise SchemaError("candidates lacks column 'response_id'")
    if candidates.height == 0:
        raise InputError("candidates is empty: nothing to audit")
    dup = candidates.select("prompt_id", "response_id").is_duplicated()
    if dup.any():
        i = int(dup.arg_true()[0])
        raise InputError(
            f"candidates row {i}: response {candidates['response_id'][i]!r} is "
            f"listed twice for prompt {candidates['prompt_id'][i]!r}"
        )
    kind = _ballot_kind(ballots)
    mean, _, names = score_rows(
        model, candidates, "response", encoder=encoder, embeddings=embeddings
    )
    if output is None and len(names) != 1:
        raise InputError(f"output: the model has outputs {names}; name the one that ranks")
    j = 0 if output is None else _index(names, output)
    scores = mean[:, j]
    pid = candidates["prompt_id"].to_list()
    rid = candidates["response_id"].to_list()
    by_prompt: dict[Any, list[int]] = {}
    for i, p in enumerate(pid):
        by_prompt.setdefault(p, []).append(i)
    ballot_rows: dict[Any, list[int]] = {}
    for i, p in enumerate(ballots["prompt_id"].to_list()):
        ballot_rows.setdefault(p, []).append(i)
    unknown = set(ballot_rows) - set(by_prompt)
    if unknown:
        raise InputError(
            f"ballots name prompt(s) with no candidates: {sorted(map(str, unknown))[:5]}"
        )
    pareto: list[dict] = []
    condorcet: list[dict] = []
    per: list[dict] = []
    skipped = 0
    for p, rows in by_prompt.items():
        if p not in ballot_rows:
            skipped += 1
            continue
        cands = [rid[i] for i in rows]
        s = scores[rows]
        sub = ballots[ballot_rows[p]]
        try:
            prof = (
                choice.Profile.from_rankings(sub, candidates=cands)
                if kind == "rankings"
                else choice.Profile.from_comparisons(sub, candidates=cands)
            )
        except InputError as exc:
            raise InputError(f"ballots of prompt {p!r}: {exc}") from None
        sup = prof.support()
        tw = prof.total_weight
        n_viol = 0
        for x in range(len(cands)):
            for y in range(len(cands)):
                if s[x] <= s[y]:
                    continue
                if kind == "rankings":
                    unanimous = sup[y, x] > 0 and np.isclose(sup[y, x], tw)
                else:
                    unanimous = sup[y, x] > 0 and sup[x, y] == 0
                if unanimous:
                    n_viol += 1
                    pareto.append(
                        {
                            "prompt_id": p,
                            "ranked_above": cands[x],
                            "ranked_below": cands[y],
                            "score_above": float(s[x]),
                            "score_below": float(s[y]),
                            "support_below": float(sup[y, x]),
                        }
                    )
        top = np.flatnonzero(s == s.max())
        cw = choice.condorcet_winner(prof)
        picks = [cands[i] for i in top]
        if cw is not None and (len(top) != 1 or picks[0] != cw):
            w = cands.index(cw)
            margins = prof.margins()
            condorcet.append(
                {
                    "prompt_id": p,
                    "model_pick": picks[0] if len(top) == 1 else None,
                    "tied_picks": len(top),
                    "condorcet_winner": cw,
                    "pick_score": float(s[top[0]]),
                    "winner_score": float(s[w]),
                    "margin_over_pick": float(min(margins[w, i] for i in top if i != w)),
                }
            )
        per.append(
            {
                "prompt_id": p,
                "n_candidates": len(cands),
                "model_pick": picks[0],
                "tied_picks": len(top),
                "condorcet_winner": cw,
                "has_condorcet_winner": cw is not None,
                "pareto_violations": n_viol,
            }
        )
    pid_dtype = candidates.schema["prompt_id"]
    rid_dtype = candidates.schema["response_id"]
    return AuditResult(
        n_prompts=len(per),
        n_skipped=skipped,
        pareto_violations=pl.DataFrame(
            pareto,
            schema={
                "prompt_id": pid_dtype,
                "ranked_above": rid_dtype,
                "ranked_below": rid_dtype,
                "score_above": pl.Float64,
                "score_below": pl.Float64,
                "support_below": pl.Float64,
            },
        ),
        condorcet_violations=pl.DataFrame(
            condorcet,
            schema={
                "prompt_id": pid_dtype,
                "model_pick": rid_dtype,
                "tied_picks": pl.Int64,
                "condorcet_winner": rid_dtype,
                "pick_score": pl.Float64,
                "winner_score": pl.Float64,
                "margin_over_pick": pl.Float64,
            },
        ),
        per_prompt=pl.DataFrame(
            per,
            schema={
                "prompt_id": pid_dtype,
                "n_candidates": pl.Int64,
                "model_pick": rid_dtype,
                "tied_picks": pl.Int64,
                "condorcet_winner": rid_dtype,
                "has_condorcet_winner": pl.Boolean,
                "pareto_violations": pl.Int64,
            },
        ),
    )


def _index(names: list[str], output: str) -> int:
    if output not in names:
        raise InputError(f"output {output!r} is not one of the model's outputs {names}")
    return names.index(output)


__all__ = ["AuditResult", "audit"]
