"""Readers that turn common public preference formats into pluralign's canonical tables.

Every reader accepts a path (``.parquet``, ``.jsonl``/``.ndjson`` optionally ``.gz``, ``.json``,
``.csv``, ``.tsv``) or an in-memory table (polars DataFrame, list of row dicts), and returns a table
checked by :func:`pluralign.prefs.validate`. Ids derived from text are stable content hashes
(:func:`pluralign.prefs.content_id`: BLAKE2b-64 of the UTF-8 text as 16 hex digits).
"""

from __future__ import annotations

import csv
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import polars as pl

from .. import _validate as _v
from ..errors import InputError, SchemaError
from ._ids import content_ids
from ._io import Source, _read_bytes, load_table, reader
from .validate import rows_text, validate

ASSISTANT = "\n\nAssistant:"
_ROLE_NAMES = {"user": "Human", "human": "Human", "assistant": "Assistant", "system": "System"}


# ----------------------------------------------------------------------------------------------
# pairs
# ----------------------------------------------------------------------------------------------
def split_dialogue(chosen: str, rejected: str, marker: str = ASSISTANT) -> tuple[str, str, str]:
    """Split two dialogue transcripts into ``(prompt, chosen_reply, rejected_reply)``.

    The prompt is the longest common prefix of the two transcripts cut just after the last
    ``marker`` (default ``"\\n\\nAssistant:"``, the HH-RLHF turn marker) that lies entirely inside
    that common prefix; each reply is the rest of its transcript with surrounding whitespace
    (Unicode White_Space) stripped. For ordinary HH-RLHF pairs (same conversation, different final assistant turn) this
    is "everything up to and including the final ``\\n\\nAssistant:``". When the final turns
    themselves contain the marker (a reply that continues with another ``Assistant:`` segment, so
    the two transcripts have a different number of turns), the prompt stops at the last marker the
    two still share and the replies keep their extra segments, so no text is lost or misassigned.

    Raises :class:`InputError` when no marker lies inside the common prefix (the two transcripts
    diverge before the first assistant turn: they are not two replies to one prompt).
    """
    n = len(os.path.commonprefix([chosen, rejected]))  # noqa: RUF071 (a character prefix is meant)
    pos = chosen.rfind(marker, 0, n)
    if pos < 0:
        raise InputError(
            f"the two transcripts share no prefix ending in {marker!r}; they diverge "
            f"at character {n}, before any assistant turn"
        )
    cut = pos + len(marker)
    return chosen[:cut], _strip(chosen[cut:]), _strip(rejected[cut:])


_EDGE_WS = re.compile(r"^[^\S\x1c-\x1f]+|[^\S\x1c-\x1f]+$")


def _strip(text: str) -> str:
    """Strip Unicode White_Space at both ends (as polars' ``str.strip_chars()`` does)."""
    return _EDGE_WS.sub("", text)


def _is_messages(dt: pl.DataType) -> bool:
    return (
        isinstance(dt, pl.List)
        and isinstance(dt.inner, pl.Struct)
        and {f.name for f in dt.inner.fields} >= {"role", "content"}
    )


def _render_messages(msgs: list[dict] | None, reply: bool) -> str | None:
    """A list of ``{"role", "content"}`` messages as HH-style text (a lone reply: its content)."""
    if msgs is None:
        return None
    if reply and len(msgs) == 1:
        return str(msgs[0]["content"])
    return "".join(
        f"\n\n{_ROLE_NAMES.get(str(m['role']).lower(), str(m['role']).capitalize())}: "
        f"{m['content']}"
        for m in msgs
    )


def _text_column(df: pl.DataFrame, col: str, reply: bool) -> pl.Series:
    dt = df.schema[col]
    s = df.get_column(col)
    if _is_messages(dt):
        return pl.Series(col, [_render_messages(m, reply) for m in s.to_list()], dtype=pl.String)
    if dt not in (pl.String, pl.Categorical):
        raise SchemaError(
            f"read_pairs: column {col!r} must hold text (or a list of "
            f"{{role, content}} messages), got {dt}"
        )
    return s.cast(pl.String)


def _response_ids(prompt_ids: pl.Series, texts: pl.Series, mode: str) -> pl.Series:
    if mode == "text":
        return content_ids(texts)
    joined = pl.select(pl.concat_str([prompt_ids, pl.lit("\x1f"), texts])).to_series()
    return content_ids(joined)


_UP_TO_LAST = r"(?s)^(.*" + re.escape(ASSISTANT) + ")"


def _split_dialogues(
    c: pl.Series, r: pl.Series, prompt: str, chosen: str, rejected: str
) -> tuple[pl.Series, pl.Series, pl.Series]:
    """:func:`split_dialogue` over two columns: vectorized where both transcripts have the same
    text up to their final marker (then that text is exactly the prompt split_dialogue finds),
    one Python call per remaining row."""
    pc = c.str.extract(_UP_TO_LAST, 1)
    pr = r.str.extract(_UP_TO_LAST, 1)
    same = (pc == pr).fill_null(False)
    n = pc.str.len_chars()
    p_out = pc
    c_out = pl.select(c.str.slice(n)).to_series().str.strip_chars()
    r_out = pl.select(r.str.slice(n)).to_series().str.strip_chars()
    if not same.all():
        idx = (~same).arg_true()
        ps, cs, rs = [], [], []
        for i in idx.to_list():
            try:
                p, a, b = split_dialogue(c[i], r[i])
            except InputError as e:
                raise InputError(f"read_pairs: row {i}: {e}") from None
            ps.append(p)
            cs.append(a)
            rs.append(b)
        p_out = p_out.scatter(idx, ps)
        c_out = c_out.scatter(idx, cs)
        r_out = r_out.scatter(idx, rs)
    return p_out.alias(prompt), c_out.alias(chosen), r_out.alias(rejected)


@reader("read_pairs")
def read_pairs(
    source: Source,
    *,
    chosen: str = "chosen",
    rejected: str = "rejected",
    prompt: str = "prompt",
    margin: str = "margin",
    objective: str = "overall",
    dialogue: Literal["auto", "hh", "none"] = "auto",
    response_ids: Literal["text", "prompt_text"] = "text",
    group: str | None = None,
) -> pl.DataFrame:
    """Read TRL-style preference pairs into the canonical comparisons table.

    Input columns: ``chosen`` and ``rejected`` (text, or TRL conversational lists of
    ``{"role", "content"}`` messages), optional ``prompt`` and ``margin``. Other columns pass
    through (``tie``, ``weight``, ``annotator_id``... are validated as canonical columns).

    Prompt handling (``dialogue``):

    - a ``prompt`` column is used as is (``dialogue`` is ignored);
    - ``"auto"`` without a prompt column: when every transcript contains ``"\\n\\nAssistant:"``
      (HH-RLHF, or TRL conversational data without explicit prompt, rendered as
      ``"\\n\\nHuman: ...\\n\\nAssistant: ..."``), each pair is split with :func:`split_dialogue`;
      when none does, every pair gets the empty prompt ``""``; a mix is an :class:`InputError`
      naming the rows without the marker;
    - ``"hh"``: always split (error naming rows that cannot be split); ``"none"``: empty prompt.

    Ids: ``prompt_id = content_id(prompt)``; ``chosen_id``/``rejected_id`` are
    ``content_id(reply)`` (``response_ids="text"``: the same text under two prompts is the same
    item) or ``content_id(prompt_id + "\\x1f" + reply)`` (``response_ids="prompt_text"``). Id
    columns already present in the input are kept unchanged.

    ``group``: a column that becomes the canonical ``group`` column (per-group evaluation and
    training), e.g. ``group="subset"`` for RewardBench-style sets or an annotator-group column.

    Returns columns ``prompt_id, chosen_id, rejected_id, tie, weight, objective, prompt, chosen,
    rejected`` (+ ``margin`` as Float64 when given) followed by the passthrough columns. Nothing is
    dropped: identical chosen/rejected replies are an :class:`InputError` naming the rows.
    """
    _v.option(dialogue, "read_pairs: dialogue", ("auto", "hh", "none"))
    _v.option(response_ids, "read_pairs: response_ids", ("text", "prompt_text"))
    for name, v in (
        ("chosen", chosen),
        ("rejected", rejected),
        ("prompt", prompt),
        ("margin", margin),
        ("objective", objective),
    ):
        _v.text(v, f"read_pairs: {name}")
    df = load_table(source, "read_pairs")
    if group is not None and group != "group":
        if not isinstance(group, str):
            raise InputError(f"read_pairs: group must be a column name, got {group!r}")
        if group not in df.columns:
            raise SchemaError(
                f"read_pairs: group column {group!r} is not in the table {df.columns}"
            )
        if "group" in df.columns:
            raise SchemaError(
                f"read_pairs: the table already has a 'group' column; drop it or "
                f"pass group='group' instead of {group!r}"
            )
        df = df.with_columns(df.get_column(group).alias("group"))
    missing = [c for c in (chosen, rejected) if c not in df.columns]
    if missing:
        raise SchemaError(
            f"read_pairs: missing column(s) {missing}; the table has {df.columns}. "
            f"Name the text columns with chosen=/rejected="
        )
    has_prompt = prompt in df.columns
    c_txt = _text_column(df, chosen, reply=has_prompt)
    r_txt = _text_column(df, rejected, reply=has_prompt)
    for name, s in ((chosen, c_txt), (rejected, r_txt)):
        if s.null_count():
            raise InputError(f"read_pairs: column {name!r} is null at {rows_text(s.is_null())}")
    if has_prompt:
        p_txt = _text_column(df, prompt, reply=False)
        if p_txt.null_count():
            raise InputError(
                f"read_pairs: column {prompt!r} is null at "
                f"{rows_text(p_txt.is_null())}; use '' for no prompt"
            )
    else:
        has_c = c_txt.str.contains(ASSISTANT, literal=True)
        has_r = r_txt.str.contains(ASSISTANT, literal=True)
        both = has_c & has_r
        mode = dialogue
        if mode == "auto":
            mode = "hh" if bool(both.all()) and df.height else "none"
            if not both.all() and (has_c | has_r).any():
                raise InputError(
                    f"read_pairs: some transcripts contain {ASSISTANT!r} and some do not; without "
                    f"the marker at {rows_text(~both)}. Pass dialogue='none' (empty prompts) or "
                    f"fix those rows"
                )
        if mode == "hh":
            if not both.all():
                raise InputError(
                    f"read_pairs: transcripts without {ASSISTANT!r} at "
                    f"{rows_text(~both)}; cannot split the dialogue"
                )
            p_txt, c_txt, r_txt = _split_dialogues(c_txt, r_txt, prompt, chosen, rejected)
        else:
            p_txt = pl.Series(prompt, [""] * df.height, dtype=pl.String)
    pid = df.get_column("prompt_id") if "prompt_id" in df.columns else content_ids(p_txt)
    cid = (
        df.get_column("chosen_id")
        if "chosen_id" in df.columns
        else _response_ids(pid, c_txt, response_ids)
    )
    rid = (
        df.get_column("rejected_id")
        if "rejected_id" in df.columns
        else _response_ids(pid, r_txt, response_ids)
    )
    used = {chosen, rejected, prompt, "prompt_id", "chosen_id", "rejected_id", margin}
    cols = [pid.alias("prompt_id"), cid.alias("chosen_id"), rid.alias("rejected_id")]
    for name, default, dt in (
        ("tie", False, pl.Boolean),
        ("weight", 1.0, pl.Float64),
        ("objective", objective, pl.String),
    ):
        used.add(name)
        cols.append(
            df.get_column(name)
            if name in df.columns
            else pl.repeat(default, df.height, dtype=dt, eager=True).alias(name)
        )
    cols += [p_txt.alias("prompt"), c_txt.alias("chosen"), r_txt.alias("rejected")]
    if margin in df.columns:
        m = df.get_column(margin)
        if not m.dtype.is_numeric():
            raise SchemaError(f"read_pairs: column {margin!r} must be numeric, got {m.dtype}")
        cols.append(m.cast(pl.Float64).alias("margin"))
    out = pl.DataFrame(cols).with_columns(df.select([c for c in df.columns if c not in used]))
    return validate(out, "comparisons")


# ----------------------------------------------------------------------------------------------
# ratings
# ----------------------------------------------------------------------------------------------
_META = (
    "prompt",
    "response",
    "prompt_id",
    "response_id",
    "annotator_id",
    "group",
    "context",
    "weight",
)
UF_ASPECTS = ("helpfulness", "honesty", "instruction_following", "truthfulness")
UF_SCORES = ("overall_score", "fine-grained_score")
_NA = "N/A"


def _is_ultrafeedback(df: pl.DataFrame) -> bool:
    return "completions" in df.columns and isinstance(df.schema["completions"], pl.List)


def _uf_where(ex: pl.DataFrame, mask: pl.Series) -> str:
    """``"prompt row 3, completion 1"`` for the first True position of ``mask``."""
    i = int(mask.arg_true()[0])
    return f"prompt row {ex.get_column('_row')[i]}, completion {ex.get_column('_idx')[i]}"


def _flatten_ultrafeedback(
    df: pl.DataFrame, prompt: str, response: str, objectives: Sequence[str] | None, missing: str
) -> tuple[pl.DataFrame, list[str], str]:
    """Raw UltraFeedback rows (one per prompt, a ``completions`` list of structs) -> one wide row
    per completion: ``prompt``, ``response``, the top-level passthrough columns, the scalar
    completion fields, and one Float64 column per objective (null where the rating is ``"N/A"``
    or absent). Returns ``(wide, objectives, note)``; ``note`` counts the missing ratings."""
    where = "read_ratings (ultrafeedback)"
    dt = df.schema.get("completions")
    if not isinstance(dt, pl.List):
        raise SchemaError(
            f"{where}: need a 'completions' column holding a list of structs; the "
            f"table has {df.columns}"
        )
    inner = dt.inner
    fields: dict[str, Any] = (
        {f.name: f.dtype for f in inner.fields} if isinstance(inner, pl.Struct) else {}
    )
    if not isinstance(inner, (pl.Struct, pl.Null)):
        raise SchemaError(f"{where}: 'completions' must be a list of structs, got {dt}")
    if response not in fields:
        raise SchemaError(
            f"{where}: the completions lack the field {response!r} (the completion "
            f"text); they have {list(fields)}. Name it with response="
        )
    if fields[response] not in (pl.String, pl.Categorical, pl.Null):
        raise SchemaError(
            f"{where}: completion field {response!r} must hold text, got {fields[response]}"
        )
    # the prompt text column: prompt= when given, else 'instruction', else 'prompt'
    if prompt != "prompt":
        pcol: str | None = prompt
        if prompt not in df.columns:
            raise SchemaError(
                f"{where}: prompt column {prompt!r} not found; the table has {df.columns}"
            )
    elif "instruction" in df.columns:
        pcol = "instruction"
    elif "prompt" in df.columns:
        pcol = "prompt"
    elif "prompt_id" in df.columns:
        pcol = None
    else:
        raise SchemaError(
            f"{where}: need the prompt text ('instruction' or 'prompt') or a "
            f"'prompt_id' column; the table has {df.columns}"
        )
    if pcol is not None and pcol != "prompt" and "prompt" in df.columns:
        raise SchemaError(
            f"{where}: the table has both {pcol!r} and 'prompt'; drop one or pick "
            f"the prompt text with prompt="
        )
    if pcol is not None:
        ptxt = df.get_column(pcol)
        if ptxt.dtype not in (pl.String, pl.Categorical):
            raise SchemaError(f"{where}: prompt column {pcol!r} must hold text, got {ptxt.dtype}")
        if ptxt.null_count():
            raise InputError(
                f"{where}: prompt text {pcol!r} is null at prompt {rows_text(ptxt.is_null())}"
            )
    # the objectives this data has: annotation aspects (Rating), then the two float scores
    ann = fields.get("annotations")
    aspects: dict[str, Any] = {}
    if ann is not None:
        if isinstance(ann, pl.Struct):
            aspects = {f.name: f.dtype for f in ann.fields}
        elif ann != pl.Null:
            raise SchemaError(
                f"{where}: completion field 'annotations' must be a struct of aspects, got {ann}"
            )
    order = [a for a in UF_ASPECTS if a in aspects] + [a for a in aspects if a not in UF_ASPECTS]
    for a in order:
        adt = aspects[a]
        if adt == pl.Null:
            continue
        if not (isinstance(adt, pl.Struct) and "Rating" in {f.name for f in adt.fields}):
            raise SchemaError(
                f"{where}: 'annotations.{a}' must be a struct with a 'Rating' field, got {adt}"
            )
    for s in UF_SCORES:
        if s in fields:
            order.append(s)
            if not (fields[s] == pl.Null or (fields[s].is_numeric() and fields[s] != pl.Boolean)):
                raise SchemaError(
                    f"{where}: completion field {s!r} must be numeric, got {fields[s]}"
                )
    if objectives is None:
        objs = order
    else:
        objs = list(objectives)
        absent = [o for o in objs if o not in order]
        if absent:
            raise SchemaError(f"{where}: objective(s) {absent} not found; this data has {order}")
    if not objs:
        raise SchemaError(
            f"{where}: the completions hold no ratings (no 'annotations' aspects, "
            f"{UF_SCORES[0]!r} or {UF_SCORES[1]!r}); they have {list(fields)}"
        )
    # one row per completion; _row = prompt row, _idx = position in its completions list
    top = [c for c in df.columns if c not in ("completions", pcol)]
    ex = (
        df.with_row_index("_row")
        .with_columns(pl.col("completions").list.len().fill_null(0).alias("_n"))
        .filter(pl.col("_n") > 0)
        .explode("completions")
        .with_columns(pl.int_range(pl.len()).over("_row").alias("_idx"))
    )
    c = ex.get_column("completions")
    if c.null_count():
        raise InputError(f"{where}: null completion at {_uf_where(ex, c.is_null())}")
    comp = pl.col("completions")
    skip = {response, "annotations", *UF_SCORES}
    extra = [f for f in fields if f not in skip]
    cols: list[pl.Expr] = [pl.col("_row"), pl.col("_idx")]
    if pcol is not None:
        cols.append(pl.col(pcol).cast(pl.String).alias("prompt"))
    cols.append(comp.struct.field(response).cast(pl.String).alias("response"))
    cols += [pl.col(t) for t in top]
    cols += [comp.struct.field(f).alias(f if f not in top else f"completion_{f}") for f in extra]
    for o in objs:
        if o in UF_SCORES:
            v = comp.struct.field(o).cast(pl.Float64)
            cols += [v.alias(o), pl.lit(False).alias(f"_na:{o}"), pl.lit(False).alias(f"_bad:{o}")]
            continue
        if aspects[o] == pl.Null:
            r = pl.lit(None, dtype=pl.String)
            rdt: Any = pl.String
        else:
            r = comp.struct.field("annotations").struct.field(o).struct.field("Rating")
            rdt = {f.name: f.dtype for f in aspects[o].fields}["Rating"]
        if rdt in (pl.String, pl.Categorical, pl.Null):
            t = r.cast(pl.String).str.strip_chars()
            na = (t.str.to_uppercase() == _NA).fill_null(False)
            v = pl.when(na).then(None).otherwise(t).cast(pl.Float64, strict=False)
            bad = t.is_not_null() & ~na & (v.is_null() | ~v.is_finite())
        elif rdt.is_numeric() and rdt != pl.Boolean:
            v = r.cast(pl.Float64)
            na = pl.lit(False)
            bad = pl.lit(False)
        else:
            raise SchemaError(
                f"{where}: 'annotations.{o}.Rating' must be text or a number, got {rdt}"
            )
        cols += [v.alias(o), na.alias(f"_na:{o}"), bad.alias(f"_bad:{o}")]
    wide = ex.select(cols)
    if "response" in wide.columns:
        rn = wide.get_column("response").is_null()
        if rn.any():
            raise InputError(
                f"{where}: completion field {response!r} is null at {_uf_where(wide, rn)}"
            )
    for o in objs:
        bad_o = wide.get_column(f"_bad:{o}")
        if bad_o.any():
            i = int(bad_o.arg_true()[0])
            raw = ex.select(
                comp.struct.field("annotations").struct.field(o).struct.field("Rating").gather(i)
            ).item()
            raise InputError(
                f"{where}: {o!r} Rating {raw!r} at {_uf_where(wide, bad_o)} is not "
                f"a number or {_NA!r} ({int(bad_o.sum())} such rating(s) in all)"
            )
    gone = {o: wide.get_column(o).is_null() | wide.get_column(o).is_nan() for o in objs}
    n_miss = sum(int(g.sum()) for g in gone.values())
    n_na_total = sum(int(wide.get_column(f"_na:{o}").sum()) for o in objs)
    note = (
        f" (UltraFeedback: {n_na_total} {_NA!r} rating(s) and {n_miss - n_na_total} absent or null)"
    )
    if n_miss and missing == "error":
        first = next(o for o in objs if gone[o].any())
        g = gone[first]
        i = int(g.arg_true()[0])
        what = f"is {_NA!r}" if wide.get_column(f"_na:{first}")[i] else "is absent or null"
        raise InputError(
            f"{where}: {n_miss} missing rating(s){note}; first at "
            f"{_uf_where(wide, g)}: {first!r} {what}. Pass missing='skip' to leave "
            f"them out (counted in a warning)"
        )
    wide = wide.drop(["_row", "_idx"] + [f"_{k}:{o}" for o in objs for k in ("na", "bad")])
    return wide, objs, note


@reader("read_ratings")
def read_ratings(
    source: Source,
    *,
    format: Literal["auto", "wide", "long", "ultrafeedback"] = "auto",
    objectives: Sequence[str] | None = None,
    prompt: str = "prompt",
    response: str = "response",
    annotator: str | None = None,
    objective: str = "objective",
    score: str = "score",
    missing: Literal["error", "skip"] = "error",
    response_ids: Literal["text", "prompt_text"] = "text",
) -> pl.DataFrame:
    """Read per-response ratings into the canonical long ratings table.

    ``format="wide"``: one row per (prompt, response[, annotator]), one numeric column per
    objective (HelpSteer: ``helpfulness, correctness, coherence, complexity, verbosity``;
    UltraFeedback flattened: ``helpfulness, honesty, ...``). ``objectives`` names those columns;
    by default every numeric column that is not an id/meta column. ``format="long"``: one row per
    rating with an ``objective`` and a ``score`` column. ``format="ultrafeedback"``: the raw
    UltraFeedback shape (openbmb/UltraFeedback): one row per prompt with the prompt text in
    ``instruction`` (or ``prompt``; ``prompt=`` picks another column) and ``completions``, a list
    of structs with the completion text ``response`` (``response=`` names another field),
    ``model``, ``annotations`` (``helpfulness``, ``honesty``, ``instruction_following``,
    ``truthfulness``, each a struct whose ``Rating`` is a string such as ``"4"`` or ``"N/A"``),
    ``overall_score`` and ``fine-grained_score``. Each completion becomes one response rated on
    those six objectives (the aspects present, in that order, then the two scores; ``objectives``
    picks some); a ``"N/A"`` or absent rating is a missing score (see ``missing``; the warning
    counts the ``"N/A"`` ones), a non-numeric ``Rating`` is an :class:`InputError` naming the
    prompt row and completion index. Top-level columns (``source``, ``models``...) and the other
    scalar completion fields (``model``, ``principle``, ``custom_system_prompt``, ``critique``...;
    ``completion_<name>`` if a top-level column has that name) pass through; the ``Rationale``
    texts are not kept. ``"auto"`` picks ultrafeedback when there is a ``completions`` list
    column, else long when both ``objective`` and ``score`` columns exist, else wide.

    Ids: ``prompt_id``/``response_id`` columns are used when present, else computed from the
    ``prompt``/``response`` texts with :func:`content_id` (``response_ids="prompt_text"`` hashes
    ``prompt_id + "\\x1f" + response`` instead). ``annotator`` renames that column to
    ``annotator_id``.

    Output columns: ``prompt_id, response_id, objective, score`` (Float64), then ``annotator_id``,
    ``group``, ``context``, ``prompt``, ``response`` when present, then passthrough columns; wide
    input gives rows in input order, objectives in ``objectives`` order. A null/NaN score is an
    :class:`InputError` naming the row and column; ``missing="skip"`` leaves such ratings out and
    emits a ``UserWarning`` with the count.
    """
    _v.option(format, "read_ratings: format", ("auto", "wide", "long", "ultrafeedback"))
    _v.option(missing, "read_ratings: missing", ("error", "skip"))
    _v.option(response_ids, "read_ratings: response_ids", ("text", "prompt_text"))
    objectives = _v.strings(objectives, "read_ratings: objectives", none=True)
    if objectives == []:
        raise InputError(
            "read_ratings: objectives is empty; name at least one or pass None "
            "(every numeric column)"
        )
    _v.text(annotator, "read_ratings: annotator", none=True)
    for name, v in (
        ("prompt", prompt),
        ("response", response),
        ("objective", objective),
        ("score", score),
    ):
        _v.text(v, f"read_ratings: {name}")
    df = load_table(source, "read_ratings")
    note = ""
    if format == "ultrafeedback" or (format == "auto" and _is_ultrafeedback(df)):
        df, objectives, note = _flatten_ultrafeedback(df, prompt, response, objectives, missing)
        prompt, response, format = "prompt", "response", "wide"
    if annotator is not None:
        if annotator not in df.columns:
            raise SchemaError(
                f"read_ratings: annotator column {annotator!r} not found; the table "
                f"has {df.columns}"
            )
        df = df.rename({annotator: "annotator_id"})
    if prompt != "prompt" and prompt in df.columns:
        df = df.rename({prompt: "prompt"})
    if response != "response" and response in df.columns:
        df = df.rename({response: "response"})
    if "prompt_id" not in df.columns:
        if "prompt" not in df.columns:
            raise SchemaError(
                f"read_ratings: need a 'prompt_id' column or a prompt text column "
                f"{prompt!r}; the table has {df.columns}"
            )
        ptxt = df.get_column("prompt").cast(pl.String)
        if ptxt.null_count():
            raise InputError(f"read_ratings: prompt text is null at {rows_text(ptxt.is_null())}")
        df = df.with_columns(content_ids(ptxt).alias("prompt_id"))
    if "response_id" not in df.columns:
        if "response" not in df.columns:
            raise SchemaError(
                f"read_ratings: need a 'response_id' column or a response text "
                f"column {response!r}; the table has {df.columns}"
            )
        rtxt = df.get_column("response").cast(pl.String)
        if rtxt.null_count():
            raise InputError(f"read_ratings: response text is null at {rows_text(rtxt.is_null())}")
        df = df.with_columns(
            _response_ids(df.get_column("prompt_id").cast(pl.String), rtxt, response_ids).alias(
                "response_id"
            )
        )
    fmt = format
    if fmt == "auto":
        fmt = "long" if objective in df.columns and score in df.columns else "wide"
    if fmt == "long":
        miss = [c for c in (score,) if c not in df.columns]
        if miss:
            raise SchemaError(
                f"read_ratings: long format needs column {score!r}; the table has {df.columns}"
            )
        ren = {k: v for k, v in ((objective, "objective"), (score, "score")) if k in df.columns}
        long = df.rename({k: v for k, v in ren.items() if k != v})
        if "objective" not in long.columns:
            long = long.with_columns(pl.lit("overall").alias("objective"))
        sc = long.get_column("score")
        if not (sc.dtype.is_numeric() and sc.dtype != pl.Boolean):
            raise SchemaError(f"read_ratings: column {score!r} must be numeric, got {sc.dtype}")
        long = long.with_columns(sc.cast(pl.Float64), pl.col("objective").cast(pl.String))
        if objectives is not None:  # keep only these objectives; each must be present
            if isinstance(objectives, str) or not all(isinstance(o, str) for o in objectives):
                raise InputError(
                    f"read_ratings: objectives must be a list of objective names, "
                    f"got {objectives!r}"
                )
            have = set(long.get_column("objective").unique().to_list())
            absent = [o for o in objectives if o not in have]
            if absent:
                raise SchemaError(
                    f"read_ratings: objective(s) {absent} not found in column "
                    f"{objective!r}; it holds {sorted(have)}"
                )
            long = long.filter(pl.col("objective").is_in(list(objectives)))
    else:
        if objectives is None:
            objectives = [
                c
                for c, t in df.schema.items()
                if c not in _META and t.is_numeric() and t != pl.Boolean
            ]
            if not objectives:
                raise SchemaError(
                    f"read_ratings: no numeric objective column found in "
                    f"{df.columns}; pass objectives=[...]"
                )
        objectives = list(objectives)
        absent = [c for c in objectives if c not in df.columns]
        if absent:
            raise SchemaError(
                f"read_ratings: objective column(s) {absent} not found; the table has {df.columns}"
            )
        for c in objectives:
            t = df.schema[c]
            if not (t.is_numeric() and t != pl.Boolean):
                raise SchemaError(f"read_ratings: objective column {c!r} must be numeric, got {t}")
        bad = pl.select(
            pl.any_horizontal(
                [
                    df.get_column(c).cast(pl.Float64).is_null()
                    | df.get_column(c).cast(pl.Float64).is_nan()
                    for c in objectives
                ]
            )
        ).to_series()
        if bad.any() and missing == "error":
            first = int(bad.arg_true()[0])
            cols = [
                c
                for c in objectives
                if df.get_column(c).cast(pl.Float64).fill_nan(None)[first] is None
            ]
            raise InputError(
                f"read_ratings: missing (null/NaN) score at {rows_text(bad)} "
                f"(row {first}: column(s) {cols}); pass missing='skip' to leave "
                f"those ratings out"
            )
        index = [c for c in df.columns if c not in objectives]
        long = (
            df.with_row_index("_row")
            .with_columns([pl.col(c).cast(pl.Float64) for c in objectives])
            .unpivot(
                on=objectives, index=["_row", *index], variable_name="objective", value_name="score"
            )
        )
        order = {o: i for i, o in enumerate(objectives)}
        long = (
            long.with_columns(
                pl.col("objective").replace_strict(order, return_dtype=pl.Int64).alias("_obj")
            )
            .sort("_row", "_obj")
            .drop("_row", "_obj")
        )
    if missing == "skip":
        s = long.get_column("score")
        gone = s.is_null() | s.is_nan()
        n = int(gone.sum())
        if n:
            warnings.warn(
                f"read_ratings: left out {n} missing (null/NaN) rating(s) of {long.height}{note}",
                UserWarning,
                stacklevel=2,
            )
            long = long.filter(~gone)
    head = ["prompt_id", "response_id", "objective", "score"]
    opt = [
        c for c in ("annotator_id", "group", "context", "prompt", "response") if c in long.columns
    ]
    rest = [c for c in long.columns if c not in head and c not in opt]
    return validate(long.select(head + opt + rest), "ratings")


# ----------------------------------------------------------------------------------------------
# rankings
# ----------------------------------------------------------------------------------------------
def _parse_ranking_text(text: str, sep: str, tie: str) -> list[list[str]]:
    tiers = [[c.strip() for c in t.split(tie)] for t in text.split(sep)]
    for k, t in enumerate(tiers):
        if not any(t):
            raise InputError(
                f"read_rankings: ranking {text!r} has an empty tier (position {k}); "
                f"remove the extra {sep!r}"
            )
        if not all(t):
            raise InputError(
                f"read_rankings: ranking {text!r} has an empty candidate in tier {k}; "
                f"remove the extra {tie!r}"
            )
    return tiers


@reader("read_rankings")
def read_rankings(
    source: Source,
    *,
    voter: str = "voter_id",
    ranking: str = "ranking",
    weight: str = "weight",
    candidate: str | None = None,
    rank: str | None = None,
    separator: str = ">",
    tie: str = "=",
) -> pl.DataFrame:
    """Read ballots into the canonical rankings table ``voter_id, ranking, weight``.

    ``ranking`` (a list of tiers, best first, each a list of candidate ids; candidates not listed
    rank below all listed ones) may be given as

    - ``list[list[id]]``: used as is;
    - ``list[id]``: a strict order, each candidate its own tier;
    - text such as ``"a > b = c > d"``: tiers split on ``separator``, tied candidates on ``tie``.

    Long format: pass ``candidate=`` and ``rank=`` column names (one row per voter and candidate,
    smaller rank is better, equal ranks tie); ballots come out in first-appearance order of the
    voters, and a ``weight`` column must then be constant per voter.

    Without a ``voter`` column the row number (Int64) is the voter id; ``weight`` defaults to 1.0.
    The result is validated (empty ballots, empty tiers and repeated candidates are
    :class:`InputError` naming the row).
    """
    for name, v in (("separator", separator), ("tie", tie)):
        if not isinstance(v, str) or not v.strip():
            raise InputError(f"read_rankings: {name} must be a non-empty string, got {v!r}")
    if separator == tie:
        raise InputError(f"read_rankings: separator and tie are both {tie!r}; they must differ")
    df = load_table(source, "read_rankings")
    if (candidate is None) != (rank is None):
        raise InputError("read_rankings: long format needs both candidate= and rank=")
    if candidate is not None and rank is not None:
        miss = [c for c in (voter, candidate, rank) if c not in df.columns]
        if miss:
            raise SchemaError(
                f"read_rankings: missing column(s) {miss}; the table has {df.columns}"
            )
        if not df.schema[rank].is_numeric():
            raise SchemaError(
                f"read_rankings: rank column {rank!r} must be numeric, got {df.schema[rank]}"
            )
        nul = df.select(pl.any_horizontal(pl.col(voter, candidate, rank).is_null())).to_series()
        if nul.any():
            raise InputError(f"read_rankings: null voter, candidate or rank at {rows_text(nul)}")
        if weight in df.columns:
            per = df.group_by(voter).agg(pl.col(weight).n_unique().alias("_n"))
            bad = per.filter(pl.col("_n") > 1)
            if bad.height:
                raise InputError(
                    f"read_rankings: column {weight!r} differs between rows of voter "
                    f"{bad.get_column(voter)[0]!r}; give one weight per voter"
                )
        tiers = (
            df.with_row_index("_row")
            .group_by(voter, rank, maintain_order=True)
            .agg(pl.col(candidate), pl.col("_row").min())
            .sort(voter, rank)
        )
        first = df.with_row_index("_row").group_by(voter).agg(pl.col("_row").min().alias("_f"))
        out = (
            tiers.group_by(voter)
            .agg(pl.col(candidate).alias("ranking"))
            .join(first, on=voter)
            .sort("_f")
            .drop("_f")
        )
        if weight in df.columns:
            w = df.group_by(voter).agg(pl.col(weight).first())
            out = out.join(w, on=voter, how="left")
        out = out.rename({voter: "voter_id"})
        if weight in out.columns and weight != "weight":
            out = out.rename({weight: "weight"})
        return validate(out, "rankings")
    if ranking not in df.columns:
        raise SchemaError(
            f"read_rankings: missing column {ranking!r}; the table has {df.columns}. "
            f"Name it with ranking=, or give candidate=/rank= for long format"
        )
    s = df.get_column(ranking)
    dt = s.dtype
    if isinstance(dt, pl.List) and isinstance(dt.inner, pl.List):
        r = s
    elif isinstance(dt, pl.List):
        r = pl.Series(
            ranking,
            [None if b is None else [[c] for c in b] for b in s.to_list()],
            dtype=pl.List(pl.List(dt.inner)),
        )
    elif dt == pl.String:
        r = pl.Series(
            ranking,
            [None if t is None else _parse_ranking_text(t, separator, tie) for t in s.to_list()],
            dtype=pl.List(pl.List(pl.String)),
        )
    else:
        raise SchemaError(
            f"read_rankings: column {ranking!r} must be list[list[id]], list[id] or "
            f"text like 'a > b = c', got {dt}"
        )
    vid = (
        df.get_column(voter)
        if voter in df.columns
        else pl.int_range(df.height, eager=True, dtype=pl.Int64)
    )
    cols = [vid.alias("voter_id"), r.alias("ranking")]
    if weight in df.columns:
        cols.append(df.get_column(weight).alias("weight"))
    rest = df.select([c for c in df.columns if c not in (voter, ranking, weight)])
    return validate(pl.DataFrame(cols).with_columns(rest), "rankings")


# ----------------------------------------------------------------------------------------------
# PrefLib
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PreflibData:
    """A PrefLib data file: ``rankings`` (canonical: ``voter_id, ranking, weight``; ``voter_id``
    is the 0-based data line, ``weight`` its count, candidates are the PrefLib integers),
    ``alternatives`` (``{id: name}``), ``data_type`` (``soc``/``soi``/``toc``/``toi``/``cat``)
    and the other ``# KEY: value`` header lines in ``metadata``.

    For categorical files (``cat``) also ``categories`` (``{number: name}``, best first, e.g.
    ``{1: "Yes", 2: "No"}``) and ``categorical`` (``voter_id, categories, weight``:
    ``categories`` is one list of alternatives per category, in category order, empty lists
    kept); ``rankings`` then holds the non-empty categories as tiers, best first (alternatives
    left out of every category count below all listed ones, as for any ranking; a line that
    categorises nothing has no ranking row), and :meth:`approval_profile` gives approval
    ballots.
    """

    rankings: pl.DataFrame
    alternatives: dict[int, str]
    data_type: str
    metadata: dict[str, str] = field(default_factory=dict)
    categories: dict[int, str] = field(default_factory=dict)
    categorical: pl.DataFrame | None = None

    def named(self) -> pl.DataFrame:
        """``rankings`` with candidate names instead of integer ids."""
        names = self.alternatives
        return self.rankings.with_columns(
            pl.Series(
                "ranking",
                [
                    [[names[c] for c in t] for t in b]
                    for b in self.rankings.get_column("ranking").to_list()
                ],
                dtype=pl.List(pl.List(pl.String)),
            )
        )

    def approval_profile(self, approved: int = 1, *, named: bool = False) -> Any:
        """Approval ballots of a ``cat`` file: each voter approves the alternatives in the first
        ``approved`` categories (default 1: the first category, "Yes" in the French approval
        data), weighted by the line's count. Returns a :class:`pluralign.choice.ApprovalProfile`
        over all ``NUMBER ALTERNATIVES`` alternatives (PrefLib integers, or their names with
        ``named=True``), so alternatives nobody approves stay candidates."""
        from ..choice import ApprovalProfile

        if self.categorical is None:
            raise InputError(
                f"approval_profile: this is a {self.data_type} file; approval "
                f"ballots come from categorical (.cat) files"
            )
        ncat = len(self.categories)
        if not 1 <= approved <= ncat:
            raise InputError(
                f"approval_profile: approved must be in 1..{ncat} (the number of "
                f"categories), got {approved}"
            )
        sets = [
            [c for cat in cats[:approved] for c in cat]
            for cats in self.categorical.get_column("categories").to_list()
        ]
        cands: list[Any] = sorted(self.alternatives)
        if named:
            sets = [[self.alternatives[c] for c in s] for s in sets]
            cands = [self.alternatives[c] for c in cands]
        return ApprovalProfile.from_sets(
            sets, candidates=cands, weights=self.categorical.get_column("weight").to_numpy()
        )


_TYPES = ("soc", "soi", "toc", "toi", "cat")
_ALT = re.compile(r"^ALTERNATIVE NAME (\d+)$")
_CAT = re.compile(r"^CATEGORY NAME (\d+)$")


def _parse_order(text: str, lineno: int, where: str, empty_ok: bool = False) -> list[list[int]]:
    """``a, b, {c, d}, e`` -> ``[[a], [b], [c, d], [e]]``; ``{}`` is an empty group when
    ``empty_ok`` (categorical files), an error otherwise."""
    tiers: list[list[int]] = []
    i, n = 0, len(text)
    expect_item = True
    while i < n:
        ch = text[i]
        if ch in " \t":
            i += 1
            continue
        if ch == ",":
            if expect_item:
                raise InputError(
                    f"{where}, line {lineno}: empty entry before ',' in {text.strip()!r}"
                )
            expect_item = True
            i += 1
            continue
        if not expect_item:
            raise InputError(f"{where}, line {lineno}: missing ',' before {text[i:].strip()!r}")
        if ch == "{":
            j = text.find("}", i)
            if j < 0:
                raise InputError(f"{where}, line {lineno}: '{{' without matching '}}'")
            inner = text[i + 1 : j].strip()
            if not inner and empty_ok:
                tiers.append([])
            else:
                body = [t.strip() for t in inner.split(",")]
                if not all(body):
                    raise InputError(f"{where}, line {lineno}: empty entry inside {{...}}")
                tiers.append([_int(t, lineno, where) for t in body])
            i = j + 1
        else:
            j = i
            while j < n and text[j] not in ",{":
                j += 1
            tiers.append([_int(text[i:j].strip(), lineno, where)])
            i = j
        expect_item = False
    if expect_item and tiers:
        raise InputError(f"{where}, line {lineno}: trailing ',' in {text.strip()!r}")
    return tiers


def _int(tok: str, lineno: int, where: str) -> int:
    try:
        return int(tok)
    except ValueError:
        raise InputError(f"{where}, line {lineno}: {tok!r} is not an alternative number") from None


def _parse_preflib_new(
    text: str, where: str, empty_ok: bool
) -> tuple[
    dict[str, str],
    dict[str, int],
    dict[int, str],
    dict[int, str],
    list[tuple[float, list[list[int]], int]],
]:
    meta: dict[str, str] = {}
    meta_line: dict[str, int] = {}
    alts: dict[int, str] = {}
    cats: dict[int, str] = {}
    orders: list[tuple[float, list[list[int]], int]] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            body = line[1:].strip()
            key, sep, val = body.partition(":")
            if not sep:
                continue
            key, val = key.strip(), val.strip()
            if m := _ALT.match(key):
                alts[int(m.group(1))] = val
            elif m := _CAT.match(key):
                cats[int(m.group(1))] = val
            else:
                meta[key] = val
                meta_line[key] = lineno
            continue
        cnt, sep, order = line.partition(":")
        if not sep:
            raise InputError(f"{where}, line {lineno}: expected 'count: order', got {line!r}")
        orders.append(
            (_count(cnt, lineno, where), _parse_order(order, lineno, where, empty_ok), lineno)
        )
    return meta, meta_line, alts, cats, orders


def _header_num(meta: dict[str, str], meta_line: dict[str, int], key: str, where: str) -> float:
    try:
        return float(meta[key])
    except ValueError:
        at = f", line {meta_line[key]}" if key in meta_line else ""
        raise InputError(f"{where}{at}: header '{key}: {meta[key]}' is not a number") from None


def _count(tok: str, lineno: int, where: str) -> float:
    try:
        count = float(tok.strip())
    except ValueError:
        raise InputError(f"{where}, line {lineno}: count {tok.strip()!r} is not a number") from None
    if not count > 0:
        raise InputError(f"{where}, line {lineno}: count must be > 0, got {count:g}")
    return count


def _parse_preflib_old(
    text: str, where: str
) -> tuple[
    dict[str, str], dict[str, int], dict[int, str], list[tuple[float, list[list[int]], int]]
]:
    """Pre-2022 PrefLib layout: m; m lines ``i,name``; ``voters,sum,unique``; ``count,order``."""
    lines = [(i, ln.strip()) for i, ln in enumerate(text.splitlines(), start=1) if ln.strip()]
    m = int(lines[0][1])
    if len(lines) < m + 2:
        raise InputError(
            f"{where}: old-style file announces {m} alternatives but has only "
            f"{len(lines) - 1} more lines"
        )
    alts: dict[int, str] = {}
    for lineno, ln in lines[1 : m + 1]:
        k, sep, name = ln.partition(",")
        if not sep:
            raise InputError(f"{where}, line {lineno}: expected 'number,name', got {ln!r}")
        alts[_int(k.strip(), lineno, where)] = name.strip()
    lineno, ln = lines[m + 1]
    parts = [p.strip() for p in ln.split(",")]
    if len(parts) != 3:
        raise InputError(
            f"{where}, line {lineno}: expected 'voters,sum of counts,unique orders', got {ln!r}"
        )
    meta = {
        "NUMBER ALTERNATIVES": str(m),
        "NUMBER VOTERS": parts[0],
        "NUMBER UNIQUE ORDERS": parts[2],
    }
    meta_line = {
        "NUMBER ALTERNATIVES": lines[0][0],
        "NUMBER VOTERS": lineno,
        "NUMBER UNIQUE ORDERS": lineno,
    }
    orders = []
    for lineno, ln in lines[m + 2 :]:
        cnt, sep, order = ln.partition(",")
        if not sep:
            raise InputError(f"{where}, line {lineno}: expected 'count,order', got {ln!r}")
        orders.append((_count(cnt, lineno, where), _parse_order(order, lineno, where), lineno))
    return meta, meta_line, alts, orders


def read_preflib(
    source: str | Path | None = None, *, text: str | None = None, data_type: str | None = None
) -> PreflibData:
    """Read a PrefLib data file: ordinal (``.soc``, ``.soi``, ``.toc``, ``.toi``) or
    categorical (``.cat``).

    Format (PrefLib format specification, PrefLib-Data ``FORMAT_SPECIFICATION.md``; Mattei &
    Walsh 2013): header lines ``# KEY: value`` (``# FILE NAME``, ``# TITLE``, ``# DATA TYPE``,
    ``# NUMBER ALTERNATIVES: m``, ``# ALTERNATIVE NAME i: name``, ``# NUMBER VOTERS``,
    ``# NUMBER UNIQUE ORDERS``, and for ``cat`` ``# NUMBER UNIQUE PREFERENCES``,
    ``# NUMBER CATEGORIES``, ``# CATEGORY NAME i: name``; all kept in ``metadata``), then one
    line per distinct preference ``count: a, b, {c, d}, e``.

    - Ordinal: best first, ``{...}`` is a tie. ``soc``: complete strict orders; ``soi``:
      incomplete strict; ``toc``: complete with ties; ``toi``: incomplete with ties.
    - ``cat``: one entry per category, best category first: a single alternative, ``{a, b}``
      or ``{}`` (empty category); not every alternative has to be categorised. The result has
      ``categories`` (names), ``categorical`` (one list per category per line),
      ``rankings`` (the non-empty categories as tiers) and
      :meth:`PreflibData.approval_profile` (approval ballots: the first category approved).

    The pre-2022 header-less layout (``m``, ``m`` lines ``i,name``, ``voters,sum,unique``, then
    ``count,order`` lines) is read too (ordinal types only). Pass a path, or the file contents
    as ``text=``; the type comes from ``# DATA TYPE``, else the extension, else ``data_type=``.

    Errors are :class:`pluralign.errors.InputError` naming the file (``text`` for ``text=``)
    and the 1-based line: malformed lines, unknown alternatives, an alternative listed twice,
    ties in soc/soi, missing alternatives in soc/toc, a cat line with the wrong number of
    categories, and the header counts (voters = sum of counts, unique orders/preferences =
    number of lines, categories) when given.
    """
    if (source is None) == (text is None):
        raise InputError("read_preflib: pass exactly one of a path or text=")
    if text is None:
        if not isinstance(source, (str, os.PathLike)):
            raise InputError(f"read_preflib: source must be a path, got {type(source).__name__}")
        path = Path(source)
        where = f"read_preflib: {path}"
        if not path.is_file():
            raise InputError(f"read_preflib: file {str(path)!r} does not exist")
        text = _read_bytes(path, "read_preflib", path.name.lower().endswith(".gz")).decode("utf-8")
        if data_type is None and path.suffix.lower().lstrip(".") in _TYPES:
            data_type = path.suffix.lower().lstrip(".")
    else:
        if not isinstance(text, str):
            raise InputError(f"read_preflib: text must be a str, got {type(text).__name__}")
        where = "read_preflib: text"
    text = text.removeprefix("\ufeff")
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    cats: dict[int, str] = {}
    if re.fullmatch(r"\d+", first):
        if (data_type or "").lower() == "cat":
            raise InputError(
                f"{where}: categorical (cat) files have no header-less layout; "
                f"expected '# KEY: value' header lines"
            )
        meta, meta_line, alts, orders = _parse_preflib_old(text, where)
    else:
        header_type = next(
            (
                ln.strip()[1:].partition(":")[2].strip().lower()
                for ln in text.splitlines()
                if ln.strip().startswith("#")
                and ln.strip()[1:].partition(":")[0].strip() == "DATA TYPE"
            ),
            None,
        )
        is_cat = (header_type or (data_type or "").lower()) == "cat"
        meta, meta_line, alts, cats, orders = _parse_preflib_new(text, where, is_cat)
    dtype = (meta.get("DATA TYPE") or data_type or "").lower()
    if dtype not in _TYPES:
        raise InputError(
            f"{where}: unknown data type {dtype!r}; expected one of {_TYPES} "
            f"(from '# DATA TYPE:' or the file extension, or pass data_type=)"
        )
    if data_type is not None and meta.get("DATA TYPE") and data_type.lower() != dtype:
        raise InputError(f"{where}: data_type={data_type!r} but the header says {dtype!r}")
    if "NUMBER ALTERNATIVES" in meta:
        num = _header_num(meta, meta_line, "NUMBER ALTERNATIVES", where)
        if not (1 <= num <= 1_000_000 and num == int(num)):  # NaN fails the range
            raise InputError(
                f"{where}: header 'NUMBER ALTERNATIVES: "
                f"{meta['NUMBER ALTERNATIVES']}' must be a whole number in "
                "1..1,000,000"
            )
        m_alt = int(num)
    elif alts:
        m_alt = max(alts)
    else:
        raise InputError(f"{where}: no '# NUMBER ALTERNATIVES:' or '# ALTERNATIVE NAME' lines")
    universe = set(range(1, m_alt + 1))
    for k in alts:
        if k not in universe:
            raise InputError(f"{where}: ALTERNATIVE NAME {k} is outside 1..{m_alt}")
    n_cat = 0
    if dtype == "cat":
        if "NUMBER CATEGORIES" in meta:
            n_cat = int(_header_num(meta, meta_line, "NUMBER CATEGORIES", where))
        elif cats:
            n_cat = max(cats)
        elif orders:
            n_cat = len(orders[0][1])
        for k in cats:
            if not 1 <= k <= n_cat:
                raise InputError(f"{where}: CATEGORY NAME {k} is outside 1..{n_cat}")
    for _count, tiers, lineno in orders:
        flat = [c for t in tiers for c in t]
        if dtype == "cat":
            if len(tiers) != n_cat:
                raise InputError(
                    f"{where}, line {lineno}: {len(tiers)} categories, expected "
                    f"{n_cat} (one entry per category, '{{}}' for an empty one)"
                )
        elif not flat:
            raise InputError(f"{where}, line {lineno}: empty order")
        unknown = sorted(set(flat) - universe)
        if unknown:
            raise InputError(f"{where}, line {lineno}: alternative(s) {unknown} outside 1..{m_alt}")
        if len(set(flat)) != len(flat):
            dup = next(c for c in flat if flat.count(c) > 1)
            raise InputError(f"{where}, line {lineno}: alternative {dup} listed twice")
        if dtype in ("soc", "soi") and any(len(t) > 1 for t in tiers):
            raise InputError(
                f"{where}, line {lineno}: ties are not allowed in {dtype} "
                f"(strict orders); is this a toc/toi file?"
            )
        if dtype in ("soc", "toc") and len(flat) != m_alt:
            raise InputError(
                f"{where}, line {lineno}: {dtype} orders must rank all {m_alt} "
                f"alternatives, this one ranks {len(flat)}"
            )
    total = sum(c for c, _, _ in orders)
    if "NUMBER VOTERS" in meta and _header_num(meta, meta_line, "NUMBER VOTERS", where) != total:
        raise InputError(
            f"{where}, line {meta_line['NUMBER VOTERS']}: header says "
            f"{meta['NUMBER VOTERS']} voters but the counts sum to {total:g}"
        )
    for key in ("NUMBER UNIQUE ORDERS", "NUMBER UNIQUE PREFERENCES"):
        if key in meta and _header_num(meta, meta_line, key, where) != len(orders):
            raise InputError(
                f"{where}, line {meta_line[key]}: header says {meta[key]} "
                f"{key[7:].lower()} but there are {len(orders)} data lines"
            )
    if not orders:
        raise InputError(f"{where}: no data lines ('count: order') found")
    ids = pl.Series(range(len(orders)), dtype=pl.Int64)
    weights = pl.Series([c for c, _, _ in orders], dtype=pl.Float64)
    rankings = pl.DataFrame(
        {
            "voter_id": ids,
            "ranking": pl.Series(
                [[t for t in tiers if t] for _, tiers, _ in orders],
                dtype=pl.List(pl.List(pl.Int64)),
            ),
            "weight": weights,
        }
    )
    if dtype == "cat":  # a line that categorises nothing ranks nothing: not a ballot
        rankings = rankings.filter(pl.col("ranking").list.len() > 0)
    names = {i: alts.get(i, str(i)) for i in sorted(universe)}
    categorical = None
    cat_names: dict[int, str] = {}
    if dtype == "cat":
        categorical = pl.DataFrame(
            {
                "voter_id": ids,
                "categories": pl.Series(
                    [t for _, t, _ in orders], dtype=pl.List(pl.List(pl.Int64))
                ),
                "weight": weights,
            }
        )
        cat_names = {i: cats.get(i, str(i)) for i in range(1, n_cat + 1)}
    return PreflibData(validate(rankings, "rankings"), names, dtype, meta, cat_names, categorical)


# ----------------------------------------------------------------------------------------------
# Polis
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PolisConversation:
    """A Polis conversation export.

    - ``votes``: canonical votes ``statement_id, participant_id, vote`` (Int8: 1 agree,
      -1 disagree, 0 pass), ``timestamp`` (Datetime ms UTC): each participant's LAST vote on each
      statement, in time order;
    - ``superseded``: how many earlier votes were replaced by a later one (raw rows - kept rows);
    - ``statements``: ``statement_id, text, moderated`` (Int8: 1 accepted, 0 unmoderated,
      -1 rejected), ``author_id, timestamp`` and the export's ``agrees, disagrees`` counts;
    - ``participant_groups``: ``participant_id, group_id`` (the opinion group Polis assigned, from
      ``participants-votes.csv``; null when that file is absent or lacks the participant);
    - ``name`` (folder name) and ``metadata`` (``summary.csv`` key/value pairs);
    - ``in_conv``: the participants Polis clustered (those with a group id).
    """

    name: str
    votes: pl.DataFrame
    statements: pl.DataFrame
    participant_groups: pl.DataFrame
    superseded: int
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def in_conv(self) -> list[Any]:
        """The participants Polis clustered when the export was made (a group id in
        ``participants-votes.csv``): Polis's persisted in-conv set, which can hold participants
        admitted under earlier rules. Pass it to ``govern.opinion_groups(in_conv=...)`` to
        cluster the same people as Polis."""
        return self.participant_groups.drop_nulls("group_id")["participant_id"].to_list()


def _polis_csv(path: Path, need: Sequence[str], **kw: Any) -> pl.DataFrame:
    import io

    from ._io import _csv_error

    data = _read_bytes(path, "read_polis", False)
    try:
        df = pl.read_csv(io.BytesIO(data), **kw)
    except (pl.exceptions.PolarsError, ValueError, OverflowError) as e:
        raise _csv_error(data, path, "read_polis", ",", e) from None
    miss = [c for c in need if c not in df.columns]
    if miss:
        raise SchemaError(f"read_polis: {path.name} lacks column(s) {miss}; it has {df.columns}")
    return df


def read_polis(folder: str | Path, *, name: str | None = None) -> PolisConversation:
    """Read a Polis open-data export folder (``votes.csv``, ``comments.csv``, optionally
    ``participants-votes.csv`` and ``summary.csv``) into a :class:`PolisConversation`.

    Votes: rows are ordered by ``timestamp`` (file order breaks ties) and, per
    (statement, participant), only the last vote is kept; the number replaced is
    ``superseded``. Votes outside {-1, 0, 1} are an :class:`InputError` naming the file row.
    """
    d = _v.path(folder, "folder")
    _v.text(name, "name", none=True)
    if not d.is_dir():
        raise InputError(f"read_polis: {str(d)!r} is not a folder")
    for f in ("votes.csv", "comments.csv"):
        if not (d / f).is_file():
            raise InputError(f"read_polis: {str(d)!r} has no {f}; expected a Polis export folder")
    raw = _polis_csv(
        d / "votes.csv",
        ["timestamp", "comment-id", "voter-id", "vote"],
        schema_overrides={
            "timestamp": pl.Int64,
            "comment-id": pl.Int64,
            "voter-id": pl.Int64,
            "vote": pl.Int64,
        },
    )
    nul = raw.select(
        pl.any_horizontal(pl.col("timestamp", "comment-id", "voter-id", "vote").is_null())
    ).to_series()
    if nul.any():
        raise InputError(f"read_polis: votes.csv has empty cells at data {rows_text(nul)}")
    badv = ~raw.get_column("vote").is_in([-1, 0, 1])
    if badv.any():
        raise InputError(
            f"read_polis: votes.csv column 'vote' must be -1, 0 or 1; invalid at "
            f"data {rows_text(badv)}"
        )
    kept = (
        raw.with_row_index("_row")
        .sort("timestamp", "_row")
        .unique(subset=["comment-id", "voter-id"], keep="last", maintain_order=True)
    )
    votes = kept.select(
        pl.col("comment-id").alias("statement_id"),
        pl.col("voter-id").alias("participant_id"),
        pl.col("vote").cast(pl.Int8),
        pl.from_epoch("timestamp", time_unit="ms")
        .cast(pl.Datetime("ms"))
        .dt.replace_time_zone("UTC")
        .alias("timestamp"),
    )
    votes = validate(votes, "votes")
    com = _polis_csv(
        d / "comments.csv",
        ["comment-id", "comment-body", "moderated"],
        schema_overrides={"comment-id": pl.Int64, "moderated": pl.Int64, "comment-body": pl.String},
    )
    badm = com.get_column("moderated").is_null() | ~com.get_column("moderated").is_in([-1, 0, 1])
    if badm.any():
        raise InputError(
            f"read_polis: comments.csv column 'moderated' must be -1, 0 or 1; "
            f"invalid at data {rows_text(badm)}"
        )
    scols = [
        pl.col("comment-id").alias("statement_id"),
        pl.col("comment-body").fill_null("").alias("text"),
        pl.col("moderated").cast(pl.Int8),
    ]
    if "author-id" in com.columns:
        scols.append(pl.col("author-id").cast(pl.Int64).alias("author_id"))
    if "timestamp" in com.columns:
        scols.append(
            pl.from_epoch(pl.col("timestamp").cast(pl.Int64), time_unit="ms")
            .cast(pl.Datetime("ms"))
            .dt.replace_time_zone("UTC")
            .alias("timestamp")
        )
    for c in ("agrees", "disagrees"):
        if c in com.columns:
            scols.append(pl.col(c).cast(pl.Int64))
    statements = com.select(scols).sort("statement_id")
    dup = statements.get_column("statement_id").is_duplicated()
    if dup.any():
        raise InputError(
            f"read_polis: comments.csv repeats a comment-id (statement_id "
            f"{statements.filter(dup).get_column('statement_id')[0]})"
        )
    voters = votes.select("participant_id").unique()
    pv_path = d / "participants-votes.csv"
    if pv_path.is_file():
        pv = _polis_csv(pv_path, ["participant", "group-id"], infer_schema_length=0)
        cols = []
        for src, dst in (("participant", "participant_id"), ("group-id", "group_id")):
            raw_s = pv.get_column(src).str.strip_chars()
            val = raw_s.cast(pl.Int64, strict=False)
            bad = raw_s.is_not_null() & (raw_s != "") & val.is_null()
            if bad.any():
                raise InputError(
                    f"read_polis: participants-votes.csv column {src!r} is not an "
                    f"integer at data {rows_text(bad)}"
                )
            cols.append(val.alias(dst))
        if cols[0].null_count():
            raise InputError(
                f"read_polis: participants-votes.csv column 'participant' is empty "
                f"at data {rows_text(cols[0].is_null())}"
            )
        groups = pl.DataFrame(cols)
        pg = voters.join(groups, on="participant_id", how="full", coalesce=True).sort(
            "participant_id"
        )
    else:
        pg = voters.with_columns(pl.lit(None, dtype=pl.Int64).alias("group_id")).sort(
            "participant_id"
        )
    meta: dict[str, str] = {}
    sp = d / "summary.csv"
    if sp.is_file():
        with sp.open(newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                if len(row) >= 2:
                    meta[row[0]] = ",".join(row[1:])
    return PolisConversation(name or d.name, votes, statements, pg, raw.height - votes.height, meta)
