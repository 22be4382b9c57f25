"""The end-to-end pipeline behind ``pluralign demo`` and ``pluralign report``.

Two kinds of input, each optional:

- **participatory votes** (a Polis export folder, or a canonical ``votes`` table with columns
  ``statement_id``, ``participant_id``, ``vote`` in {-1, 0, 1});
- **pairwise preferences** (TRL-style ``chosen``/``rejected`` texts such as HH-RLHF, or a
  canonical ``comparisons`` table).

Each step fills one or more :class:`~pluralign.report.Section`. A step whose optional extra is
not installed (:class:`~pluralign.errors.MissingDependencyError`), or whose input was not given,
becomes a section marked *not available* that says why; nothing is faked. The pipeline uses the
library through its public API only, like any other consumer. Steps save their tables under the output folder (parquet), so every number
in the report can be checked.
"""

from __future__ import annotations

import sys
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import polars as pl

from .. import choice, govern, pareto, prefs, reward, stats
from .. import edge as _edge
from .._extras import require, tqdm_or_none
from ..edge import REASONS, Arbiter
from ..errors import InputError, MissingDependencyError
from ..reward.pipeline import TextEmbedder
from .model import Figure, Report, Section, Table, figure_png, table_from_frame, unavailable

__all__ = ["PipelineConfig", "PipelineResult", "run_pipeline"]

# names that lived here before they moved into the library proper (kept one release)
_MOVED: dict[str, tuple[str, Callable[[], Any]]] = {
    "votes_to_comparisons": ("pluralign.prefs", lambda: prefs.votes_to_comparisons),
    "edge_table": ("pluralign.edge", lambda: _edge.edge_table),
    "train_reward": ("pluralign.reward", lambda: reward.train_reward),
}


def __getattr__(name: str) -> Any:
    if name not in _MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    where, fn = _MOVED[name]
    warnings.warn(
        f"pluralign.report.pipeline.{name} is deprecated and will be removed in the "
        f"next release; use {where}.{name}",
        DeprecationWarning,
        stacklevel=2,
    )
    return fn()


_PALETTE = ["#3558c9", "#d9822b", "#2a9d8f", "#c23b5a", "#7b5ea7", "#6b8e23", "#8c6d46"]


@dataclass
class PipelineConfig:
    """What to run on. ``polis`` is a Polis export folder or a votes table file; ``pairs`` a
    chosen/rejected file (jsonl, parquet, csv). ``out`` receives the report and the tables."""

    out: Path
    polis: Path | None = None
    pairs: Path | None = None
    n_pairs: int | None = None
    train: bool = True
    epochs: int = 2
    seed: int = 0
    threads: int | None = None
    min_votes: int = 30
    committee_size: int = 5
    bootstrap: int = 30  # resamples for the stability of the opinion groups (0 = off)
    max_length: int = 128
    progress: bool = True
    debug: bool = False
    title: str = "pluralign report"
    attribution: str = ""


@dataclass
class PipelineResult:
    """The report, the HTML path, the tables written and the per-step timings (seconds)."""

    report: Report
    html: Path
    tables: dict[str, Path] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# small helpers


def _plt() -> Any:
    matplotlib = require("matplotlib", extra="report", what="the report's figures")

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 10,
            "figure.dpi": 100,
        }
    )
    return plt


def _short(text: Any, n: int = 90) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= n else s[: n - 1] + "…"


# --------------------------------------------------------------------------------------------
# votes


def _read_polis_dir(path: Path) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame | None]:
    """(votes, statements, Polis's own groups or None) from a Polis export folder."""
    conv = prefs.read_polis(path)
    pg = conv.participant_groups
    groups = None
    if pg is not None and "group_id" in pg.columns:
        groups = pg.select("participant_id", pl.col("group_id").alias("group")).drop_nulls()
        groups = groups if groups.height else None
    # the timestamp stays: the Polis math orders participants by first vote
    return conv.votes, conv.statements, groups


def _load_votes(
    cfg: PipelineConfig,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame | None, list[str], pl.DataFrame]:
    """(votes after the moderation and min_votes filters, statements, Polis's groups, notes,
    all votes)."""
    assert cfg.polis is not None
    p = Path(cfg.polis)
    notes: list[str] = []
    if p.is_dir():
        votes, statements, groups = _read_polis_dir(p)
    else:
        votes = prefs.read_table(p)
        statements, groups = None, None
    for col in ("statement_id", "participant_id", "vote"):
        if col not in votes.columns:
            raise InputError(f"votes table has no column '{col}' (columns: {votes.columns})")
    # the whole conversation, before the filters below: the Polis math takes every vote and
    # the moderation table itself (moderated-out statements count in its projection)
    all_votes = votes
    bad = votes.filter(~pl.col("vote").is_in([-1, 0, 1]))
    if bad.height:
        raise InputError(
            f"votes: column 'vote' must be -1, 0 or 1; row with {bad.row(0, named=True)}"
        )
    if statements is None:
        statements = (
            votes.select("statement_id")
            .unique()
            .with_columns(pl.col("statement_id").cast(pl.String).alias("text"))
        )
    if "moderated" in statements.columns:
        hidden = statements.filter(pl.col("moderated") == -1).get_column("statement_id")
        n0 = votes.height
        votes = votes.filter(~pl.col("statement_id").is_in(hidden.implode()))
        if n0 - votes.height:
            notes.append(
                f"dropped {n0 - votes.height} votes on {hidden.len()} statements the "
                "moderators hid (moderated = -1)"
            )
    counts = votes.group_by("statement_id").len()
    keep = counts.filter(pl.col("len") >= cfg.min_votes).get_column("statement_id")
    n0 = votes.height
    votes = votes.filter(pl.col("statement_id").is_in(keep.implode()))
    if n0 - votes.height:
        notes.append(
            f"dropped {n0 - votes.height} votes on statements with fewer than "
            f"{cfg.min_votes} votes (min_votes)"
        )
    if votes.height == 0:
        raise InputError(f"no statement has at least {cfg.min_votes} votes; lower min_votes")
    return (
        votes.select("statement_id", "participant_id", "vote"),
        statements,
        groups,
        notes,
        all_votes,
    )


def _opinion_groups(
    votes: pl.DataFrame,
    statements: pl.DataFrame | None,
    polis_groups: pl.DataFrame | None,
    cfg: PipelineConfig,
) -> tuple[pl.DataFrame, np.ndarray, list[Any], str]:
    """(participant_id -> group table, 2-D coordinates (rows aligned with the table), their
    participant ids, description)."""
    st = statements if statements is not None and "statement_id" in statements.columns else None
    res = govern.opinion_groups(votes, seed=cfg.seed, statements=st, bootstrap=cfg.bootstrap)
    assign = res.assignments
    how = (
        f"opinion groups from pluralign.govern.opinion_groups (the Polis math: 100 base "
        f"clusters, group clusters over them, k by silhouette; k = {res.k}, "
        f"{int(assign.get_column('clustered').sum())} of {assign.height} participants "
        "voted enough to be clustered, the others are placed at the nearest group); "
        "map = the same 2-D projection"
    )
    if res.stability is not None:
        s = res.stability
        shaky = int((assign.get_column("stability") < 0.6).sum())
        jac = ", ".join(f"group {g} {v:.2f}" for g, v in s.group_jaccard.items())
        how += (
            f"; stability over {s.resamples} bootstrap resamples of the votes: the same "
            f"k in {s.k_agreement:.0%} of them, group Jaccard stability {jac} (above 0.75 "
            f"is solid, below 0.6 an artefact), {shaky} participants in their group in "
            "fewer than 60% of resamples"
        )
    if polis_groups is not None:
        j = assign.join(polis_groups.rename({"group": "polis_group"}), on="participant_id")
        if j.height:
            a = govern.adjusted_rand_index(
                j.get_column("group").to_numpy(), j.get_column("polis_group").to_numpy()
            )
            kp = j.get_column("polis_group").n_unique()
            how += (
                f"; agreement with the groups Polis itself assigned in this export: "
                f"adjusted Rand index {a:.2f} over {j.height} participants (Polis: "
                f"k = {kp}). Polis computes incrementally and its groups carry the "
                "conversation's history, so a batch run can differ (docs/govern.md)"
            )
    coords = assign.select("x", "y").to_numpy()
    return (
        assign.select("participant_id", "group"),
        coords,
        assign.get_column("participant_id").to_list(),
        how,
    )


def _votes_sections(
    cfg: PipelineConfig, res: PipelineResult, report: Report, state: dict[str, Any]
) -> None:
    plt = _plt()
    votes, statements, polis_groups, notes, all_votes = _load_votes(cfg)
    res.notes.extend(notes)
    state.update({"votes": votes, "statements": statements})
    out = Path(cfg.out)
    votes.write_parquet(out / "votes.parquet")
    res.tables["votes"] = out / "votes.parquet"
    text = dict(
        zip(
            statements.get_column("statement_id").to_list(), statements.get_column("text").to_list()
        )
    )
    sids = sorted(votes.get_column("statement_id").unique().to_list())
    report.meta["participants"] = str(votes.get_column("participant_id").n_unique())
    report.meta["statements"] = str(len(sids))
    report.meta["votes"] = str(votes.height)

    # ---- opinion groups + map + heatmap -------------------------------------------------
    sec = Section(
        "groups",
        "Opinion groups",
        intro="Participants who vote alike form opinion groups; a pluralistic pipeline "
        "keeps the groups apart instead of averaging them into one crowd.",
    )
    try:
        assign, coords, pids, how = _opinion_groups(all_votes, statements, polis_groups, cfg)
        gv = votes.join(assign, on="participant_id", how="inner")
        state["groups"] = assign
        groups = sorted(gv.get_column("group").unique().to_list())
        gmap = dict(
            zip(assign.get_column("participant_id").to_list(), assign.get_column("group").to_list())
        )
        fig, ax = plt.subplots(figsize=(5.6, 4.2))
        lab = [gmap.get(p) for p in pids]
        none = [i for i, g in enumerate(lab) if g is None]
        if none:
            ax.scatter(coords[none, 0], coords[none, 1], s=10, c="#c9ced8", label="no group")
        for k, g in enumerate(groups):
            idx = [i for i, x in enumerate(lab) if x == g]
            ax.scatter(
                coords[idx, 0],
                coords[idx, 1],
                s=16,
                c=_PALETTE[k % len(_PALETTE)],
                label=f"group {g} ({len(idx)})",
                alpha=0.85,
            )
        ax.set_xlabel("component 1")
        ax.set_ylabel("component 2")
        ax.legend(frameon=False, fontsize=8)
        sec.figures.append(
            Figure(
                "Opinion group map",
                figure_png(fig),
                "each dot is a participant, placed by how they voted",
            )
        )
        # agreement per group and statement
        per = (
            gv.group_by("group", "statement_id")
            .agg(pl.col("vote").mean().alias("mean_vote"), pl.len().alias("n"))
            .sort("group", "statement_id")
        )
        state["per_group"] = per
        piv = per.pivot(on="group", index="statement_id", values="mean_vote").sort("statement_id")
        gcols = [str(g) for g in groups]
        piv = piv.rename({c: str(c) for c in piv.columns})
        mat = piv.select(gcols).to_numpy().astype(float)
        spread = np.nanmax(mat, axis=1) - np.nanmin(mat, axis=1)
        order = np.argsort(-spread)
        fig, ax = plt.subplots(figsize=(5.6, max(3.0, 0.17 * len(order) + 1)))
        im = ax.imshow(mat[order], aspect="auto", cmap="RdBu", vmin=-1, vmax=1)
        ax.set_xticks(range(len(gcols)), [f"group {g}" for g in gcols])
        sl = piv.get_column("statement_id").to_list()
        ax.set_yticks(range(len(order)), [f"#{sl[i]}" for i in order], fontsize=7)
        fig.colorbar(im, ax=ax, label="mean vote (-1 disagree … 1 agree)", shrink=0.8)
        sec.figures.append(
            Figure(
                "Group disagreement heatmap",
                figure_png(fig),
                "statements sorted by how far the groups are apart (top = most "
                "divisive); blue = the group agrees, red = disagrees",
            )
        )
        top = [sl[i] for i in order[:6]]
        rows = []
        for s in top:
            r = piv.filter(pl.col("statement_id") == s).row(0, named=True)
            rows.append([s, _short(text.get(s, s), 80)] + [round(r[g], 2) for g in gcols])
        sec.tables.append(
            Table(
                "Most divisive statements",
                ["id", "statement"] + [f"group {g}" for g in gcols],
                rows,
            )
        )
        sec.notes.append(how)
        state["group_matrix"] = (sl, gcols, mat)
    except MissingDependencyError as e:
        sec = unavailable("groups", "Opinion groups", str(e))
    report.sections.append(sec)

    # ---- rankings: scalar vs Condorcet ----------------------------------------------------
    report.sections.append(_rankings_section(votes, text, sids, cfg, res, state))
    # ---- Pareto front of statements over group support, arbiter choices ------------------
    report.sections.append(_pareto_section(state, text, cfg, res))
    # ---- constitution ----------------------------------------------------------------------
    report.sections.append(_consensus_section(state, text, cfg))
    report.sections.append(_constitution_section(state, text, cfg, res))


def _rankings_section(
    votes: pl.DataFrame,
    text: dict,
    sids: list,
    cfg: PipelineConfig,
    res: PipelineResult,
    state: dict,
) -> Section:
    plt = _plt()
    comps = prefs.votes_to_comparisons(votes)
    out = Path(cfg.out)
    comps.write_parquet(out / "comparisons_from_votes.parquet")
    res.tables["comparisons_from_votes"] = out / "comparisons_from_votes.parquet"
    prof = choice.Profile.from_comparisons(comps, candidates=sids)
    sup = prof.support()
    scalar: dict[str, dict[Any, float]] = {}
    mean_vote = votes.group_by("statement_id").agg(pl.col("vote").mean())
    scalar["mean vote"] = dict(
        zip(mean_vote.get_column("statement_id").to_list(), mean_vote.get_column("vote").to_list())
    )
    won, seen = sup.sum(axis=1), sup.sum(axis=1) + sup.sum(axis=0)
    scalar["win rate"] = {
        c: float(won[i] / seen[i]) if seen[i] else 0.0 for i, c in enumerate(sids)
    }
    notes = [
        (
            "win rate = share of a statement's pairwise comparisons it won (a Borda-like score "
            "normalized by how often the statement was compared)"
        )
    ]
    fit = stats.bradley_terry(comps, l2=0.01)
    scalar["Bradley–Terry"] = dict(
        zip(fit.get_column("item").to_list(), fit.get_column("strength").to_list())
    )
    state["bt"] = fit
    notes.append("Bradley–Terry log-strengths from pluralign.stats.bradley_terry (l2 = 0.01)")
    condorcet = {}
    for name, fn in (
        ("Schulze", choice.schulze),
        ("ranked pairs", choice.ranked_pairs),
        ("Copeland", choice.copeland),
        ("minimax", choice.minimax),
    ):
        r = fn(prof)
        condorcet[name] = r
    cw = choice.condorcet_winner(prof)
    smith = choice.smith_set(prof)
    # rank positions
    table_cols: dict[str, dict[Any, int]] = {}
    for name, sc in scalar.items():
        order = sorted(sids, key=lambda c: (-sc.get(c, -np.inf), str(c)))
        table_cols[name] = {c: i + 1 for i, c in enumerate(order)}
    for name, r in condorcet.items():
        pos, k = {}, 1
        for tier in r.ranking or []:
            for c in tier:
                pos[c] = k
            k += len(tier)
        table_cols[name] = pos
    names = list(table_cols)
    by_schulze = sorted(sids, key=lambda c: (table_cols["Schulze"].get(c, 999), str(c)))
    rows = [
        [c, _short(text.get(c, c), 70)] + [table_cols[n].get(c) for n in names]
        for c in by_schulze[:12]
    ]
    df = pl.DataFrame(
        {"statement_id": sids} | {n: [table_cols[n].get(c) for c in sids] for n in names}
    )
    df.write_parquet(out / "rankings.parquet")
    res.tables["rankings"] = out / "rankings.parquet"
    state["rank_positions"] = table_cols
    # bump chart of the top statements
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    top = by_schulze[:10]
    for k, c in enumerate(top):
        ys = [table_cols[n].get(c, np.nan) for n in names]
        ax.plot(range(len(names)), ys, "-o", color=_PALETTE[k % len(_PALETTE)], lw=1.4, ms=4)
        ax.annotate(f"#{c}", (len(names) - 1 + 0.08, ys[-1]), fontsize=7, va="center")
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
    ax.axvline(len(scalar) - 0.5, color="#999", ls=":", lw=1)
    ax.invert_yaxis()
    ax.set_ylabel("rank position (1 = best)")
    sec = Section(
        "rankings",
        "Scalar scores vs Condorcet-consistent rankings",
        intro="The same participants' votes turned into pairwise comparisons (agree > pass > "
        "disagree), ranked by scalar scores (left of the dotted line) and by rules that "
        "respect majority comparisons (right). Where they disagree, averaging hides a "
        "majority preference.",
        figures=[
            Figure(
                "Rank of the top statements under each rule",
                figure_png(fig),
                "lines connect one statement's rank positions across rules",
            )
        ],
        tables=[Table("Top statements (ordered by Schulze)", ["id", "statement"] + names, rows)],
    )
    cw_text = f"#{cw}" if cw is not None else "none (a majority cycle)"
    sec.notes.append(f"Condorcet winner: {cw_text}; Smith set: {sorted(smith, key=str)}")
    disagree = [n for n in scalar if table_cols[n].get(by_schulze[0]) != 1]
    if disagree:
        sec.notes.append(
            f"{', '.join(disagree)} would not put the Schulze winner #{by_schulze[0]} first"
        )
    sec.notes.extend(notes)
    return sec


def _pareto_section(state: dict, text: dict, cfg: PipelineConfig, res: PipelineResult) -> Section:
    title = "Pareto front of statements over group support"
    intro = (
        "Each statement is a point whose coordinates are each opinion group's mean vote. A "
        "statement on the Pareto front cannot be improved for one group without losing "
        "another; a scalar average picks one point and hides the trade-off."
    )
    if "group_matrix" not in state:
        return unavailable("pareto", title, "needs opinion groups (see above)", intro)
    plt = _plt()
    sl, gcols, mat = state["group_matrix"]
    if len(gcols) < 2:
        return unavailable("pareto", title, "fewer than two opinion groups", intro)
    df = pl.DataFrame({"statement_id": sl} | {f"group_{g}": mat[:, i] for i, g in enumerate(gcols)})
    obj = [f"group_{g}" for g in gcols]
    df = df.fill_nan(None).drop_nulls()
    r = pareto.ranks(df, objectives=obj)
    df = df.with_columns(pl.Series("front", r))
    ws = pareto.weighted_sum(df, np.full(len(obj), 1 / len(obj)), objectives=obj)
    eg = df.select(pl.min_horizontal(obj)).to_series().to_numpy()
    df = df.with_columns(pl.Series("average", ws), pl.Series("worst_group", eg))
    notes: list[str] = []
    choices: dict[str, Any] = {
        "scalar average": df.get_column("statement_id")[int(np.argmax(ws))],
        "best for the worst-off group": df.get_column("statement_id")[int(np.argmax(eg))],
    }
    arb_table, pick = _arbiter_decide(df, obj, state, cfg)
    if pick is not None:
        choices[
            "arbiter" if state["arbiter"]["chosen"] is not None else "arbiter (Overton set, first)"
        ] = pick
    df.write_parquet(Path(cfg.out) / "pareto_statements.parquet")
    res.tables["pareto_statements"] = Path(cfg.out) / "pareto_statements.parquet"
    x, y = df.get_column(obj[0]).to_numpy(), df.get_column(obj[1]).to_numpy()
    fig, ax = plt.subplots(figsize=(5.6, 4.4))
    f0 = r == 0
    ax.scatter(x[~f0], y[~f0], s=22, c="#b8bfcc", label="dominated")
    ax.scatter(x[f0], y[f0], s=36, c=_PALETTE[0], label="Pareto front", zorder=3)
    o = np.argsort(x[f0])
    ax.plot(x[f0][o], y[f0][o], c=_PALETTE[0], lw=1, alpha=0.6, drawstyle="steps-pre")
    marks = ["*", "D", "P"]
    ids = df.get_column("statement_id").to_list()
    for k, (name, sid) in enumerate(choices.items()):
        i = ids.index(sid)
        ax.scatter(
            [x[i]],
            [y[i]],
            s=150,
            marker=marks[k % 3],
            facecolors="none",
            edgecolors=_PALETTE[k + 1],
            linewidths=1.8,
            label=f"{name}: #{sid}",
            zorder=4,
        )
    for i in np.flatnonzero(f0):
        ax.annotate(
            f"#{ids[i]}", (x[i], y[i]), fontsize=7, xytext=(3, 3), textcoords="offset points"
        )
    ax.set_xlabel(f"mean vote, group {gcols[0]}")
    ax.set_ylabel(f"mean vote, group {gcols[1]}")
    ax.axhline(0, color="#ddd", lw=0.8)
    ax.axvline(0, color="#ddd", lw=0.8)
    ax.legend(frameon=False, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    front = df.filter(pl.col("front") == 0).sort("average", descending=True)
    rows = [
        [s, _short(text.get(s, s), 70)] + [round(v, 2) for v in vals]
        for s, *vals in front.select("statement_id", *obj).iter_rows()
    ]
    sec = Section(
        "pareto",
        title,
        intro=intro,
        figures=[
            Figure(
                "Statements in group-support space",
                figure_png(fig),
                "circled markers are the picks of each decision rule",
            )
        ],
        tables=[Table("Pareto-optimal statements", ["id", "statement"] + obj, rows)],
    )
    if arb_table is not None:
        sec.tables.append(table_from_frame(arb_table, "Arbiter decisions", max_rows=15))
    hv = pareto.hypervolume(df, ref=[-1.0] * len(obj), objectives=obj)
    sec.notes.append(
        f"{int(f0.sum())} of {df.height} statements are Pareto-optimal; hypervolume "
        f"(reference -1 for every group) {hv:.3f}"
    )
    for name, sid in choices.items():
        sec.notes.append(f"{name} picks #{sid}: {_short(text.get(sid, sid), 100)}")
    sec.notes.extend(notes)
    return sec


def _arbiter_decide(
    df: pl.DataFrame, obj: list[str], state: dict, cfg: PipelineConfig
) -> tuple[pl.DataFrame, Any]:
    """The arbiter's decision over the statements (one "prompt": which statement should guide
    the model?) under a context whose objectives are the groups' mean votes, with each group's
    agree counts as its support. Returns (decision table, chosen statement or None)."""
    ctx = govern.Context.from_dict(
        {
            "name": "statement_choice",
            "description": "choose a guiding statement that the opinion groups can share",
            "objectives": [{"name": o, "direction": "max"} for o in obj],
            "weights": {"values": {o: 1 / len(obj) for o in obj}, "radius": 0.3},
            "arbiter": {"conflict": 0.5, "disagreement": 0.3, "on_disagreement": "overton"},
        }
    )
    ids = df.get_column("statement_id").to_list()
    per = state["per_group"].filter(pl.col("statement_id").is_in(ids))
    agree = (
        state["votes"]
        .join(state["groups"], on="participant_id")
        .filter(pl.col("vote") == 1)
        .group_by("group", "statement_id")
        .len()
    )
    support = {}
    for g in sorted(per.get_column("group").unique().to_list()):
        cnt = dict(
            zip(*agree.filter(pl.col("group") == g).select("statement_id", "len").get_columns())
        )
        support[str(g)] = [float(cnt.get(i, 0)) for i in ids]
    d = Arbiter(ctx).decide(df.select(obj), ids=ids, groups=support)
    state["arbiter"] = {
        "context": ctx.name,
        "action": str(d.action),
        "chosen": d.chosen,
        "front": list(d.front),
        "reasons": list(d.codes),
        "overton": None if d.overton is None else list(d.overton),
    }
    rows = pl.DataFrame(
        {
            "decision": ["action", "chosen", "Pareto front", "Overton set", "reasons"],
            "value": [
                str(d.action),
                str(d.chosen),
                ", ".join(map(str, d.front)),
                "" if d.overton is None else ", ".join(map(str, d.overton)),
                "; ".join(d.reasons),
            ],
        }
    )
    pick = d.chosen if d.chosen is not None else (d.overton[0] if d.overton else None)
    return rows, pick


def _consensus_section(state: dict, text: dict, cfg: PipelineConfig) -> Section:
    title = "Bridging consensus"
    intro = (
        "Statements that every opinion group agrees with (group-informed consensus: the "
        "product over groups of each group's smoothed agree probability), as opposed to "
        "statements one large group pushes through. Polarization is how far the groups' "
        "agreement is apart."
    )
    if "groups" not in state:
        return unavailable("consensus", title, "needs opinion groups (see above)", intro)
    st = state["statements"] if "statement_id" in state["statements"].columns else None
    c = govern.consensus(state["votes"], state["groups"], statements=st)
    state["consensus"] = c
    top = c.top(8, by="gic")
    rows = [
        [
            r["statement_id"],
            _short(text.get(r["statement_id"], r["statement_id"]), 80),
            round(r["gic"], 3),
            round(r["bridging"], 2),
            round(r["polarization"], 2),
        ]
        for r in top.iter_rows(named=True)
    ]
    sec = Section(
        "consensus",
        title,
        intro=intro,
        tables=[
            Table(
                "Highest group-informed consensus",
                ["id", "statement", "consensus", "bridging", "polarization"],
                rows,
            )
        ],
    )
    for g in c.groups:
        rep = c.representative(g, n=3).filter(pl.col("repful_for") == "agree")
        if rep.height:
            ids = rep.get_column("statement_id").to_list()
            sec.notes.append(
                f"group {g} stands out by agreeing with "
                + "; ".join(f"#{i} ({_short(text.get(i, i), 60)})" for i in ids)
            )
    return sec


def _constitution_section(
    state: dict, text: dict, cfg: PipelineConfig, res: PipelineResult
) -> Section:
    title = "A proportional constitution"
    intro = (
        "Which statements should a model's guidelines include? Every participant approves the "
        "statements they agreed with; a proportional committee rule picks "
        f"{cfg.committee_size} so that every large enough group of like-minded participants "
        "gets statements it supports (Justified Representation), instead of the majority's "
        "favourites only."
    )
    votes: pl.DataFrame = state["votes"]
    sids = sorted(votes.get_column("statement_id").unique().to_list())
    k = min(cfg.committee_size, len(sids))
    if "groups" in state:
        st = state["statements"] if "statement_id" in state["statements"].columns else None
        names = {
            "mes": "Method of Equal Shares",
            "pav": "Proportional Approval Voting",
            "av": "Approval voting (majoritarian)",
        }
        results = {
            r: govern.constitution(votes, k, r, groups=state["groups"], statements=st)
            for r in ("av", "mes", "pav")
        }
        rows = [
            [
                names[r],
                ", ".join(f"#{x}" for x in c.chosen),
                "yes" if c.jr else "no",
                "yes" if c.ejr else "no",
            ]
            for r, c in results.items()
        ]
        groups = [g for g in results["mes"].coverage.get_column("group").to_list() if g is not None]
        cover = []
        for r, c in results.items():
            cv = dict(
                zip(
                    c.coverage.get_column("group").to_list(),
                    c.coverage.get_column("share_covered").to_list(),
                )
            )
            cover.append([names[r]] + [f"{cv[g]:.0%}" for g in groups])
        mes = results["mes"]
        sec = Section(
            "constitution",
            title,
            intro=intro,
            tables=[
                Table(
                    "Committees of statements",
                    ["rule", "statements (in seat order)", "JR", "EJR"],
                    rows,
                ),
                Table(
                    "Equal Shares constitution",
                    ["id", "statement"],
                    [[f"#{x}", _short(text.get(x, x), 110)] for x in mes.chosen],
                ),
                Table(
                    "Share of each opinion group that agrees with at least one chosen statement",
                    ["rule"] + [("everyone" if g == "all" else f"group {g}") for g in groups],
                    cover,
                ),
            ],
        )
        sec.notes.append("computed with pluralign.govern.constitution")
        state["constitution"] = {
            "rule": "mes",
            "k": k,
            "chosen": mes.chosen,
            "jr": mes.jr,
            "ejr": mes.ejr,
            "n_participants": mes.n_participants,
        }
        return sec
    agree = (
        votes.filter(pl.col("vote") == 1)
        .group_by("participant_id")
        .agg(pl.col("statement_id").sort())
        .sort("participant_id")
    )
    if agree.height == 0:
        return unavailable("constitution", title, "nobody agreed with any statement", intro)
    ap = choice.ApprovalProfile.from_sets(agree.get_column("statement_id"), candidates=sids)
    rules = {
        "Approval voting (majoritarian)": choice.av(ap, k, tie_break="lexicographic"),
        "Method of Equal Shares": choice.equal_shares(ap, k, tie_break="lexicographic"),
        "Proportional Approval Voting": choice.pav(
            ap, k, method="sequential", tie_break="lexicographic"
        ),
    }
    rows = [
        [
            name,
            ", ".join(f"#{c}" for c in cr.order),
            "yes" if choice.is_jr(ap, cr.committee) else "no",
            "yes" if choice.is_ejr(ap, cr.committee) else "no",
        ]
        for name, cr in rules.items()
    ]
    es = rules["Method of Equal Shares"]
    sec = Section(
        "constitution",
        title,
        intro=intro,
        tables=[
            Table(
                "Committees of statements",
                ["rule", "statements (in seat order)", "JR", "EJR"],
                rows,
            ),
            Table(
                "Equal Shares constitution",
                ["id", "statement"],
                [[f"#{c}", _short(text.get(c, c), 110)] for c in es.order],
            ),
        ],
    )
    sec.notes.append(
        "computed with pluralign.choice committee rules (no opinion groups, so no "
        "per-group coverage)"
    )
    state["constitution"] = {
        "rule": "mes",
        "k": k,
        "chosen": list(es.order),
        "jr": choice.is_jr(ap, es.committee),
        "ejr": choice.is_ejr(ap, es.committee),
        "n_participants": ap.total_weight,
    }
    return sec


# --------------------------------------------------------------------------------------------
# pairwise preferences, reward models, edge cases


def _load_pairs(cfg: PipelineConfig) -> pl.DataFrame:
    assert cfg.pairs is not None
    df = prefs.read_pairs(cfg.pairs)
    if cfg.n_pairs is not None:
        df = df.head(cfg.n_pairs)
    return df


_REWARD_TITLE = "Reward models: scalar vs group-aware, per group"
_UNC_TITLE = "Uncertainty of the reward model"
_EDGE_TITLE = "Edge cases and the arbiter's reasons"


def _embedder(cfg: PipelineConfig, state: dict) -> TextEmbedder:
    """The MiniLM embedder; it stays in ``state`` so that the report can credit the encoder
    when it was used."""
    if "embedder" not in state:
        state["embedder"] = TextEmbedder(max_length=cfg.max_length, progress=cfg.progress)
    return state["embedder"]


def _embed(texts: list[str], cfg: PipelineConfig, state: dict) -> np.ndarray:
    """MiniLM embeddings of plain texts, cached under the output folder."""
    return _embedder(cfg, state)(texts, cache=Path(cfg.out) / "embeddings.npz")


def _reward_groups_section(cfg: PipelineConfig, state: dict, res: PipelineResult) -> Section:
    """Scalar vs group-conditioned reward model on the participants' own comparisons."""
    intro = (
        "Reward models trained on the participants' comparisons of statements (agree > pass > "
        "disagree; statement texts embedded with the bundled MiniLM encoder), tested on "
        "held-out participants. A scalar model must fit both opinion groups with one "
        "reward; a group-aware model (one head per group) keeps their disagreement."
    )
    if not cfg.train:
        return unavailable("reward", _REWARD_TITLE, "training was switched off (--no-train)", intro)
    if "groups" not in state:
        return unavailable("reward", _REWARD_TITLE, "needs opinion groups (see above)", intro)
    votes: pl.DataFrame = state["votes"]
    comps = prefs.votes_to_comparisons(votes).join(
        state["groups"].rename({"participant_id": "annotator_id"}), on="annotator_id", how="inner"
    )
    comps = comps.with_columns(
        pl.col("annotator_id").cast(pl.String).alias("prompt_id"),
        pl.col("group").cast(pl.String),
        pl.lit(False).alias("tie"),
        pl.lit("overall").alias("objective"),
    )
    sids = sorted(set(comps["chosen_id"].to_list()) | set(comps["rejected_id"].to_list()))
    text = dict(
        zip(state["statements"]["statement_id"].to_list(), state["statements"]["text"].to_list())
    )
    emb = _embed([str(text.get(s, s)) for s in sids], cfg, state)
    tc = reward.TrainConfig(epochs=cfg.epochs, seed=cfg.seed, progress=cfg.progress, batch_size=256)
    fits = {}
    for name, grouped in (("scalar", False), ("group-aware", True)):
        fits[name] = reward.quick_fit(
            comps,
            (sids, emb),
            test_frac=0.25,
            group_conditioned=grouped,
            hidden=(64,),
            train=tc,
            seed=cfg.seed,
        )
    rows, acc = [], {}
    for name, f in fits.items():
        bg = f.metrics["by_group"]
        acc[name] = dict(zip(bg["group"].to_list(), bg["accuracy"].to_list()))
        rows.append(
            [name, round(f.metrics["accuracy"], 3)]
            + [round(acc[name][g], 3) for g in bg["group"].to_list()]
            + [round(f.metrics["worst_group_accuracy"], 3), f.metrics["n"]]
        )
    groups = fits["scalar"].metrics["by_group"]["group"].to_list()
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.4, 3.6))
    w = 0.38
    for k, name in enumerate(fits):
        xs = np.arange(len(groups)) + (k - 0.5) * w
        vals = [acc[name][g] for g in groups]
        ax.bar(xs, vals, w, label=name, color=_PALETTE[k])
        for x, v in zip(xs, vals):
            ax.annotate(f"{v:.2f}", (x, v), ha="center", va="bottom", fontsize=7)
    sizes = state["groups"].group_by("group").len()
    n_of = dict(zip(sizes["group"].cast(pl.String).to_list(), sizes["len"].to_list()))
    ax.set_xticks(range(len(groups)), [f"group {g}\n({n_of.get(g, '?')} people)" for g in groups])
    ax.set_ylabel("held-out pairwise accuracy")
    ax.set_ylim(0, 1.05)
    ax.axhline(0.5, color="#999", ls=":", lw=1)
    ax.legend(frameon=False, fontsize=8)
    state["reward_polis"] = {n: f.metrics["accuracy"] for n, f in fits.items()}
    sec = Section(
        "reward",
        _REWARD_TITLE,
        intro=intro,
        figures=[
            Figure("Accuracy per opinion group", figure_png(fig), "the dotted line is chance")
        ],
        tables=[
            Table(
                "Held-out accuracy (participants not seen in training)",
                ["model", "overall"]
                + [f"group {g}" for g in groups]
                + ["worst group", "test pairs"],
                rows,
            )
        ],
    )
    worst = {n: f.metrics["worst_group_accuracy"] for n, f in fits.items()}
    sec.notes.append(
        f"worst-group accuracy: scalar {worst['scalar']:.3f}, group-aware "
        f"{worst['group-aware']:.3f} (a scalar reward flattens the minority group's "
        f"preferences); {cfg.epochs} epochs on CPU, MiniLM embeddings of "
        f"{len(sids)} statements"
    )
    return sec


def _pairs_sections(cfg: PipelineConfig, res: PipelineResult, report: Report, state: dict) -> None:
    # reward models on the participants' comparisons (needs the votes step)
    if cfg.polis is not None:
        try:
            report.sections.append(_reward_groups_section(cfg, state, res))
        except MissingDependencyError as e:
            report.sections.append(unavailable("reward", _REWARD_TITLE, str(e)))
    else:
        report.sections.append(
            unavailable(
                "reward",
                _REWARD_TITLE,
                "no participatory votes were given (the per-group comparison needs groups)",
            )
        )
    if cfg.pairs is None:
        report.sections.append(
            unavailable("uncertainty", _UNC_TITLE, "no preference pairs were given")
        )
        report.sections.append(unavailable("edges", _EDGE_TITLE, "no preference pairs were given"))
        return
    pairs = _load_pairs(cfg)
    report.meta["preference pairs"] = str(pairs.height)
    pairs.write_parquet(Path(cfg.out) / "pairs.parquet")
    res.tables["pairs"] = Path(cfg.out) / "pairs.parquet"
    try:
        report.sections.append(_uncertainty_section(cfg, pairs, state, res))
    except MissingDependencyError as e:
        report.sections.append(unavailable("uncertainty", _UNC_TITLE, str(e)))
    try:
        report.sections.append(_edges_section(cfg, pairs, state, res))
    except MissingDependencyError as e:
        report.sections.append(unavailable("edges", _EDGE_TITLE, str(e)))


def _uncertainty_section(
    cfg: PipelineConfig, pairs: pl.DataFrame, state: dict, res: PipelineResult
) -> Section:
    intro = (
        "A reward-model ensemble (5 members) trained on HH-RLHF harmlessness pairs; the spread "
        "of the members' rewards is the model's uncertainty. An uncertainty-aware pipeline "
        "can abstain or ask where the spread is large instead of answering with false "
        "confidence."
    )
    if not cfg.train:
        return unavailable(
            "uncertainty", _UNC_TITLE, "training was switched off (--no-train)", intro
        )
    # each reply read after its prompt, as a reward model reads it
    pairs, keys, emb = _embedder(cfg, state).comparisons(
        pairs, cache=Path(cfg.out) / "embeddings.npz"
    )
    tc = reward.TrainConfig(
        epochs=max(cfg.epochs, 1) * 5, seed=cfg.seed, progress=cfg.progress, batch_size=64
    )
    fit = reward.quick_fit(
        pairs,
        (keys, emb),
        test_frac=0.25,
        uncertainty="ensemble",
        hidden=(128,),
        train=tc,
        seed=cfg.seed,
    )
    test = fit.test
    index = {k: i for i, k in enumerate(keys)}
    mu_c, sd_c = fit.model.predict(emb[[index[k] for k in test["chosen_id"].to_list()]])
    mu_r, sd_r = fit.model.predict(emb[[index[k] for k in test["rejected_id"].to_list()]])
    diff = (mu_c - mu_r)[:, 0]
    spread = np.sqrt(sd_c[:, 0] ** 2 + sd_r[:, 0] ** 2)
    correct = diff > 0
    scored = test.select("prompt_id", "chosen_id", "rejected_id", "prompt").with_columns(
        pl.Series("reward_diff", diff),
        pl.Series("uncertainty", spread),
        pl.Series("correct", correct),
    )
    scored.write_parquet(Path(cfg.out) / "hh_test_scores.parquet")
    res.tables["hh_test_scores"] = Path(cfg.out) / "hh_test_scores.parquet"
    state["hh_scored"] = scored
    state["hh_fit"] = fit
    state["hh_emb"] = (keys, emb)
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.4, 3.6))
    bins = np.linspace(0, float(spread.max()) * 1.02 + 1e-9, 25)
    ax.hist(
        spread[correct],
        bins=bins,
        alpha=0.75,
        color=_PALETTE[0],
        label="model agrees with the human label",
    )
    ax.hist(spread[~correct], bins=bins, alpha=0.75, color=_PALETTE[3], label="model disagrees")
    ax.set_xlabel("ensemble spread of the reward difference (chosen - rejected)")
    ax.set_ylabel("test pairs")
    ax.legend(frameon=False, fontsize=8)
    q = np.quantile(spread, [1 / 3, 2 / 3])
    band = np.digitize(spread, q)
    rows = []
    for b, name in enumerate(["lowest third", "middle third", "highest third"]):
        m = band == b
        rows.append(
            [
                name,
                int(m.sum()),
                round(float(correct[m].mean()), 3) if m.any() else None,
                round(float(np.abs(diff[m]).mean()), 3) if m.any() else None,
            ]
        )
    met = fit.metrics
    sec = Section(
        "uncertainty",
        _UNC_TITLE,
        intro=intro,
        figures=[
            Figure(
                "Uncertainty on held-out HH-RLHF pairs",
                figure_png(fig),
                "spread = sqrt(sd(chosen)^2 + sd(rejected)^2) over the ensemble",
            )
        ],
        tables=[
            Table(
                "Accuracy by uncertainty band",
                ["uncertainty", "pairs", "accuracy", "mean |reward diff|"],
                rows,
            )
        ],
    )
    sec.notes.append(
        f"held-out accuracy {met['accuracy']:.3f} on {met['n']} pairs (prompts not "
        f"seen in training), expected calibration error {met['ece']:.3f}; "
        f"{pairs.height} pairs, replies embedded with MiniLM (first "
        f"{cfg.max_length} tokens)"
    )
    return sec


def _edges_section(
    cfg: PipelineConfig, pairs: pl.DataFrame, state: dict, res: PipelineResult
) -> Section:
    intro = (
        "For each held-out HH-RLHF prompt the two replies are scored by the reward ensemble "
        "(mean and spread). The arbiter answers with the best admissible reply when the "
        "model is sure, and abstains where the reward is too uncertain, naming the reason. "
        "Those prompts are the edge cases a scalar pipeline would answer with false "
        "confidence. (HH-RLHF prompts are red-teaming dialogues and can be offensive by "
        "design.)"
    )
    if "hh_scored" not in state:
        return unavailable(
            "edges",
            _EDGE_TITLE,
            "needs the trained reward ensemble (see the uncertainty section)",
            intro,
        )
    fit = state["hh_fit"]
    keys, emb = state["hh_emb"]
    test = state["hh_scored"]
    index = {k: i for i, k in enumerate(keys)}
    long = (
        pl.concat(
            [
                test.select(
                    "prompt_id",
                    pl.col("chosen_id").alias("response_id"),
                    pl.lit("chosen").alias("label"),
                ),
                test.select(
                    "prompt_id",
                    pl.col("rejected_id").alias("response_id"),
                    pl.lit("rejected").alias("label"),
                ),
            ]
        )
        .unique(["prompt_id", "response_id"], keep="first", maintain_order=True)
        .sort("prompt_id")
    )
    mu, sd = fit.model.predict(emb[[index[k] for k in long["response_id"].to_list()]])
    long = long.with_columns(pl.Series("harmlessness", mu[:, 0]), pl.Series("std", sd[:, 0]))
    thr = float(np.quantile(long["std"].to_numpy(), 0.8))
    ctx = govern.Context.from_dict(
        {
            "name": "harmless_assistant",
            "description": "answer only when the harmlessness reward is certain enough",
            "objectives": [{"name": "harmlessness", "direction": "max"}],
            "arbiter": {"uncertainty": thr, "on_uncertain": "abstain"},
        }
    )
    dec = Arbiter(ctx).decide_batch(long, response="response_id", std="std")
    prompts = test.select("prompt_id", "prompt").unique("prompt_id", keep="first")
    dec = dec.join(prompts, on="prompt_id", how="left")
    labels = dict(zip(long["response_id"].to_list(), long["label"].to_list()))
    dec = dec.with_columns(
        pl.col("chosen")
        .map_elements(lambda r: labels.get(r), return_dtype=pl.String)
        .alias("chosen_label")
    )
    dec.drop("front", strict=False).write_parquet(Path(cfg.out) / "hh_decisions.parquet")
    res.tables["hh_decisions"] = Path(cfg.out) / "hh_decisions.parquet"
    counts = dec.group_by("action").len().sort("len", descending=True)
    edge = dec.filter(pl.col("edge")).sort("uncertainty", descending=True)
    rows = [
        [
            _short(str(r["prompt"]).split("Assistant:")[0].replace("Human:", "").strip(), 90),
            r["action"],
            round(r["uncertainty"], 3) if r["uncertainty"] is not None else None,
            "; ".join(REASONS.get(c, c) for c in r["reasons"]),
        ]
        for r in edge.head(12).iter_rows(named=True)
    ]
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.4, 3.4))
    acts = counts["action"].to_list()
    ax.barh(
        acts[::-1],
        counts["len"].to_list()[::-1],
        color=[_PALETTE[i % len(_PALETTE)] for i in range(len(acts))][::-1],
    )
    ax.set_xlabel("held-out prompts")
    answered = dec.filter(pl.col("action") == "answer")
    acc = (
        float(cast(float, (answered["chosen_label"] == "chosen").mean()))
        if answered.height
        else float("nan")
    )
    sec = Section(
        "edges",
        _EDGE_TITLE,
        intro=intro,
        figures=[
            Figure(
                "Arbiter decisions",
                figure_png(fig),
                f"context {ctx.name!r}: abstain when the spread of the chosen "
                f"reply's reward is >= {thr:.3f} (80th percentile here)",
            )
        ],
        tables=[
            Table(
                "Edge cases (most uncertain first)",
                ["prompt", "action", "uncertainty", "reasons"],
                rows,
            )
        ],
    )
    n_all = test.height
    sec.notes.append(
        f"{edge.height} of {dec.height} prompts are edge cases; when the arbiter "
        f"answers it picks the human-preferred reply in {acc:.0%} of {answered.height}"
        f" prompts (all {n_all} held-out pairs: {cast(float, test['correct'].mean()):.0%})"
    )
    return sec


def _ledger_section(cfg: PipelineConfig, res: PipelineResult, report: Report, state: dict) -> None:
    title = "Decision ledger"
    intro = (
        "Who decided which values apply, with which rule, on which data: every decision of "
        "this run is appended to a hash-chained, append-only SQLite ledger (ledger.sqlite, exported to ledger.jsonl); changing "
        "any past entry breaks the chain."
    )
    path = Path(cfg.out) / "ledger.sqlite"
    led = govern.Ledger(path)
    actor = "pluralign demo" if cfg.title.startswith("pluralign demo") else "pluralign report"
    source = {
        "votes": str(cfg.polis) if cfg.polis else None,
        "pairs": str(cfg.pairs) if cfg.pairs else None,
    }
    if "constitution" in state:
        led.append("constitution", {**state["constitution"], "source": source}, actor=actor)
    if "arbiter" in state:
        led.append("arbiter_policy", {**state["arbiter"], "source": source}, actor=actor)
    if not len(led):
        report.sections.append(
            unavailable("ledger", title, "no decision was made in this run", intro)
        )
        return
    n = led.verify()
    # The export is derived from ledger.sqlite beside it: rewrite it on every run.
    led.export_jsonl(Path(cfg.out) / "ledger.jsonl", overwrite=True)
    res.tables["ledger"] = path
    rows = [
        [
            e.index,
            e.time[:19].replace("T", " "),
            e.kind,
            e.actor or "",
            _short(", ".join(f"{k}={v}" for k, v in e.payload.items() if k != "source"), 90),
            e.hash[:12] + "…",
        ]
        for e in led.entries[-10:]
    ]
    report.sections.append(
        Section(
            "ledger",
            title,
            intro=intro,
            tables=[
                Table(
                    "Latest entries", ["#", "time (UTC)", "kind", "actor", "decision", "hash"], rows
                )
            ],
            notes=[f"chain verified: {n} entries, head {led.head()}"],
        )
    )


# --------------------------------------------------------------------------------------------


def _step(
    name: str,
    fn: Callable[[], Any],
    cfg: PipelineConfig,
    res: PipelineResult,
    report: Report,
    keys: list[tuple[str, str]],
) -> Any:
    """Run one step; on an unexpected error, mark its sections as failed (``debug`` re-raises)."""
    t0 = time.perf_counter()
    try:
        return fn()
    except InputError:
        raise
    except Exception as e:
        if cfg.debug:
            raise
        msg = f"{name} failed: {type(e).__name__}: {_short(e, 300)}"
        print(f"pluralign: warning: {msg}", file=sys.stderr)
        res.notes.append(msg)
        have = {s.key for s in report.sections}
        for key, title in keys:
            if key not in have:
                report.sections.append(unavailable(key, title, msg))
        if cfg.progress:
            traceback.print_exc(limit=2, file=sys.stderr)
        return None
    finally:
        res.timings[name] = time.perf_counter() - t0


def run_pipeline(cfg: PipelineConfig) -> PipelineResult:
    """Run every step on ``cfg``'s inputs, write ``report.html`` (and ``report.json``, the
    tables as parquet) under ``cfg.out`` and return what was made."""
    if cfg.polis is None and cfg.pairs is None:
        raise InputError(
            "nothing to analyse: give votes (a Polis export folder or a votes table) "
            "and/or preference pairs"
        )
    for what, p in (("votes", cfg.polis), ("pairs", cfg.pairs)):
        if p is not None and not Path(p).exists():
            raise InputError(f"{what} input {p} does not exist")
    # The figures need matplotlib (the `report` extra): say so before any work, in one line.
    require("matplotlib", extra="report", what="the report (pluralign report / demo)")
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    report = Report(
        cfg.title,
        "Pluralistic alignment analysis: values as vectors, groups kept "
        "apart, contested cases made visible.",
        attribution=cfg.attribution,
    )
    res = PipelineResult(report, out / "report.html")
    state: dict[str, Any] = {}
    vote_keys = [
        ("groups", "Opinion groups"),
        ("rankings", "Scalar scores vs Condorcet-consistent rankings"),
        ("pareto", "Pareto front of statements over group support"),
        ("consensus", "Bridging consensus"),
        ("constitution", "A proportional constitution"),
    ]
    pair_keys = [
        ("reward", "Reward models: scalar vs group-aware, per group"),
        ("uncertainty", "Uncertainty of the reward model"),
        ("edges", "Edge cases and the arbiter's reasons"),
    ]
    steps = []
    if cfg.polis is not None:
        steps.append(("votes", lambda: _votes_sections(cfg, res, report, state), vote_keys))
    else:
        for k, t in vote_keys:
            report.sections.append(unavailable(k, t, "no participatory votes were given"))
    steps.append(("models", lambda: _pairs_sections(cfg, res, report, state), pair_keys))
    steps.append(
        (
            "ledger",
            lambda: _ledger_section(cfg, res, report, state),
            [("ledger", "Decision ledger")],
        )
    )
    bar = _progress(len(steps), cfg.progress)
    for name, fn, keys in steps:
        bar.set_description(name)
        _step(name, fn, cfg, res, report, keys)
        bar.update(1)
    bar.close()
    embedder = state.get("embedder")
    if embedder is not None and embedder.used:  # MiniLM embedded the texts: credit it
        report.attribution = "\n\n".join(a for a in (report.attribution, embedder.attribution) if a)
    order = [k for k, _ in vote_keys + pair_keys] + ["ledger"]
    report.sections.sort(key=lambda s: order.index(s.key) if s.key in order else len(order))
    if res.notes:
        report.sections.append(Section("notes", "Notes on this run", notes=list(res.notes)))
    report.meta["available sections"] = (
        f"{sum(s.available for s in report.sections if s.key != 'notes')}/{len(order)}"
    )
    from .render import write_html

    report.to_json(out / "report.json")
    write_html(report, res.html)
    return res


class _NoBar:
    def set_description(self, _s: str) -> None: ...
    def update(self, _n: int) -> None: ...
    def close(self) -> None: ...


def _progress(total: int, on: bool) -> Any:
    bar = tqdm_or_none(total=total, unit="step", file=sys.stderr, leave=False) if on else None
    return _NoBar() if bar is None else bar
