"""Context profiles: which values and rules apply in one context of use.

A :class:`Context` (a validated pydantic v2 model, loaded from TOML) names, for one deployment
context such as medical advice, education or creative writing:

- the **objectives** reward vectors are scored on (name, direction ``max``/``min``, description);
- the **constraint tiers**, in priority order (lexicographic / hierarchical constraints, e.g.
  "harmlessness >= 0.9 before anything else"): each tier is a hard ``threshold`` (a candidate
  below it is inadmissible), a lexicographic ``tolerance`` (keep only candidates within the
  tolerance of the best survivor, as in :func:`pluralign.pareto.lexicographic`), or both;
- the trade-off **weights** over the objectives (explicit, summing to 1, and/or a reference to
  the governance decision that set them), with a ``radius`` that defines the set of *admissible*
  weight vectors ``{(1 - r) w + r v : v in the simplex}``;
- the **stakeholder groups** and the :mod:`pluralign.choice` rule that aggregates them;
- the **arbiter thresholds** (conflict, disagreement, polarization, uncertainty, ...) used by
  :mod:`pluralign.edge`.

The idea follows contextual alignment (the context of use decides which values and rules
apply) and hierarchical constraint ordering (Gábor et al., "Preference-based multi-objective
RL"; lexicographic optimization, Rentmeesters et al. 1996). Every validation failure raises
:class:`~pluralign.errors.InputError` or :class:`~pluralign.errors.SchemaError` naming the
field, never a raw pydantic ``ValidationError``.
"""

from __future__ import annotations

import math
import re
import tomllib
import typing
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .. import _validate as _v
from ..errors import InputError, SchemaError

__all__ = [
    "AGGREGATION_RULES",
    "ArbiterThresholds",
    "Context",
    "Groups",
    "Objective",
    "Tier",
    "Weights",
]

#: Names of :mod:`pluralign.choice` rules a context may use to aggregate stakeholder groups.
AGGREGATION_RULES: frozenset[str] = frozenset(
    {
        # ranked rules
        "plurality",
        "borda",
        "anti_plurality",
        "copeland",
        "llull",
        "minimax",
        "schulze",
        "ranked_pairs",
        "kemeny",
        "instant_runoff",
        "coombs",
        "baldwin",
        "nanson",
        "bucklin",
        "split_cycle",
        "stable_voting",
        "maximal_lottery",
        # cardinal rules
        "score_voting",
        "utilitarian",
        "nash",
        "egalitarian",
        "leximin",
        "star",
        "majority_judgment",
        # approval
        "approval",
    }
)

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_WEIGHT_SUM_TOL = 1e-9


def _types_in(ann: Any) -> set[Any]:
    args = typing.get_args(ann)
    if not args:
        return {ann}
    out: set[Any] = set()
    for a in args:
        out |= _types_in(a)
    return out


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_coercion_to_numbers(cls, v: Any, info: Any) -> Any:
        """pydantic's lax mode would turn TOML ``threshold = true`` into 1.0 and ``"0.5"``
        into 0.5; a number field takes numbers only."""
        field = cls.model_fields.get(info.field_name)
        if field is None or not isinstance(v, (bool, str)):
            return v
        kinds = _types_in(field.annotation)
        if Any in kinds or not kinds & {float, int}:
            return v
        if isinstance(v, bool) and bool not in kinds:
            raise ValueError(f"must be a number, not the boolean {v!r}")
        if (
            isinstance(v, str)
            and str not in kinds
            and not any(typing.get_origin(k) is Literal for k in kinds)
        ):
            raise ValueError(f"must be a number, not the text {v!r}")
        return v


def _check_name(v: str, what: str) -> str:
    if not _NAME.match(v):
        raise ValueError(
            f"{what} {v!r} must start with a letter or '_' and contain only letters, digits, "
            "'_', '-' or '.'"
        )
    return v


class Objective(_Model):
    """One objective reward vectors are scored on."""

    name: str
    direction: Literal["max", "min"] = "max"
    description: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _check_name(v, "objective name")

    @property
    def maximize(self) -> bool:
        """True when larger values are better."""
        return self.direction == "max"


class Tier(_Model):
    """One constraint tier: a hard ``threshold`` on ``objective`` (values worse than it are
    inadmissible: below it for ``max`` objectives, above it for ``min`` ones), a lexicographic
    ``tolerance`` (keep candidates within ``tolerance`` of the best survivor; relative to
    ``|best|`` when ``relative``), or both (threshold first)."""

    objective: str
    threshold: float | None = None
    tolerance: float | None = None
    relative: bool = False
    description: str = ""

    @model_validator(mode="after")
    def _one_of(self) -> Tier:
        if self.threshold is None and self.tolerance is None:
            raise ValueError(
                f"tier on {self.objective!r} needs a threshold (hard constraint) or a tolerance "
                "(lexicographic), or both"
            )
        if self.threshold is not None and not math.isfinite(self.threshold):
            raise ValueError(f"tier on {self.objective!r}: threshold must be finite")
        if self.tolerance is not None and not (
            math.isfinite(self.tolerance) and self.tolerance >= 0
        ):
            raise ValueError(
                f"tier on {self.objective!r}: tolerance must be a finite number >= 0, "
                f"got {self.tolerance}"
            )
        return self


class Weights(_Model):
    """Trade-off weights over the objectives: explicit ``values`` (summing to 1 within 1e-9;
    objectives not listed get 0), a ``decision`` reference (e.g. a ledger entry id of the
    governance decision that set them), or both (values plus their provenance).

    ``radius`` in [0, 1] defines the admissible weight set ``{(1 - r) w + r v : v in the
    simplex}``; its extreme points are ``(1 - r) w + r e_j``."""

    values: dict[str, float] | None = None
    decision: str | None = None
    radius: float = Field(default=0.25, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _check(self) -> Weights:
        if self.values is None and self.decision is None:
            raise ValueError("weights need explicit values, a decision reference, or both")
        if self.values is not None:
            if not self.values:
                raise ValueError("weights.values is empty; give at least one objective weight")
            for k, v in self.values.items():
                if not (math.isfinite(v) and v >= 0):
                    raise ValueError(f"weight of {k!r} must be a finite number >= 0, got {v}")
            s = math.fsum(self.values.values())
            if abs(s - 1.0) > _WEIGHT_SUM_TOL:
                raise ValueError(
                    f"weights.values sum to {s!r}, not 1 (tolerance 1e-9); divide each weight "
                    "by their sum"
                )
        return self


class Groups(_Model):
    """Stakeholder groups and the :mod:`pluralign.choice` rule that aggregates them."""

    names: list[str]
    rule: str = "plurality"
    description: str = ""

    @field_validator("names")
    @classmethod
    def _names(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("groups.names is empty; list at least one stakeholder group")
        seen: set[str] = set()
        for g in v:
            if not g:
                raise ValueError("a group name is empty")
            if g in seen:
                raise ValueError(f"group {g!r} is listed twice")
            seen.add(g)
        return v

    @field_validator("rule")
    @classmethod
    def _rule(cls, v: str) -> str:
        if v not in AGGREGATION_RULES:
            raise ValueError(
                f"unknown aggregation rule {v!r}; use one of {sorted(AGGREGATION_RULES)} "
                "(functions of pluralign.choice)"
            )
        return v


class ArbiterThresholds(_Model):
    """Thresholds the edge signals are compared with (a signal beyond its threshold makes the
    item an edge case; ``None`` switches a check off).

    - ``conflict``: share of Pareto-incomparable candidate pairs (0..1) at or above which the
      objectives are in value conflict.
    - ``disagreement``: between-group Jensen-Shannon divergence (base 2, 0..1) at or above
      which groups disagree.
    - ``polarization``: polarization index (0..1) at or above which opinion is polarized.
    - ``uncertainty``: reward standard deviation at or above which the reward is too uncertain.
    - ``interval_width``: Bradley-Terry confidence interval width at or above which the
      preference is too uncertain.
    - ``min_agreement``: annotator agreement (e.g. Krippendorff's alpha) below which labels are
      too noisy.
    - ``on_uncertain``: action for uncertain cases, ``clarify`` or ``abstain``.
    - ``on_disagreement``: ``clarify`` (ask) or ``overton`` (return one candidate per group).
    """

    conflict: float | None = Field(default=0.5, ge=0.0, le=1.0)
    disagreement: float | None = Field(default=0.3, ge=0.0, le=1.0)
    polarization: float | None = Field(default=None, ge=0.0, le=1.0)
    uncertainty: float | None = Field(default=0.25, ge=0.0)
    interval_width: float | None = Field(default=None, ge=0.0)
    min_agreement: float | None = Field(default=None, ge=-1.0, le=1.0)
    on_uncertain: Literal["clarify", "abstain"] = "clarify"
    on_disagreement: Literal["clarify", "overton"] = "clarify"


class Context(_Model):
    """A context of use: objectives, constraint tiers, weights, groups and arbiter thresholds.

    Load with :meth:`from_toml` (a path or TOML text) or :meth:`builtin`; write with
    :meth:`to_toml` (round-trips). Validation errors are :class:`InputError` /
    :class:`SchemaError` naming the field.
    """

    name: str
    description: str = ""
    objectives: list[Objective]
    tiers: list[Tier] = Field(default_factory=list)
    weights: Weights | None = None
    groups: Groups | None = None
    arbiter: ArbiterThresholds = Field(default_factory=ArbiterThresholds)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _check_name(v, "context name")

    @model_validator(mode="after")
    def _consistent(self) -> Context:
        if not self.objectives:
            raise ValueError("objectives is empty; a context needs at least one objective")
        names = [o.name for o in self.objectives]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"objective(s) {dup} are defined twice")
        known = set(names)
        first: dict[str, int] = {}
        for i, t in enumerate(self.tiers):
            if t.objective not in known:
                raise ValueError(
                    f"tiers[{i}] names unknown objective {t.objective!r}; objectives are {names}"
                )
            if t.objective in first:
                raise ValueError(
                    f"tiers[{first[t.objective]}] and tiers[{i}] both constrain {t.objective!r}: "
                    "a priority cycle (an objective cannot come both before and after another); "
                    "merge them into one tier with a threshold and a tolerance"
                )
            first[t.objective] = i
        if self.weights is not None and self.weights.values is not None:
            unknown = [k for k in self.weights.values if k not in known]
            if unknown:
                raise ValueError(
                    f"weights.values names unknown objective(s) {unknown}; objectives are {names}"
                )
        return self

    # -- convenience --------------------------------------------------------------------
    @property
    def objective_names(self) -> list[str]:
        """Objective names in declaration order (the column order everything else uses)."""
        return [o.name for o in self.objectives]

    @property
    def maximize(self) -> list[bool]:
        """One flag per objective (declaration order): True for ``max``."""
        return [o.maximize for o in self.objectives]

    def objective(self, name: str) -> Objective:
        """The objective called ``name`` (InputError if there is none)."""
        _v.text(name, "name")
        for o in self.objectives:
            if o.name == name:
                return o
        raise InputError(
            f"context {self.name!r} has no objective {name!r}; objectives are {self.objective_names}"
        )

    def weight_vector(self) -> np.ndarray:
        """Weights as an array in objective order (unlisted objectives get 0). Without weights
        the uniform vector; weights given only as a decision reference raise InputError (resolve
        them with :meth:`with_weights`)."""
        m = len(self.objectives)
        if self.weights is None:
            return np.full(m, 1.0 / m)
        if self.weights.values is None:
            raise InputError(
                f"context {self.name!r}: weights refer to decision {self.weights.decision!r} but "
                "carry no values; resolve them with context.with_weights(values, decision=...)"
            )
        return np.array([float(self.weights.values.get(n, 0.0)) for n in self.objective_names])

    def admissible_weights(self) -> np.ndarray:
        """Extreme points of the admissible weight set, shape (m + 1, m): the weights
        themselves first, then ``(1 - r) w + r e_j`` for each objective j (``r`` =
        ``weights.radius``, 0.25 by default, 0 without weights -> only ``w``)."""
        w = self.weight_vector()
        r = self.weights.radius if self.weights is not None else 0.0
        m = w.shape[0]
        return np.vstack([w[None, :], (1.0 - r) * w[None, :] + r * np.eye(m)])

    def with_weights(self, values: Mapping[str, float], *, decision: str | None = None) -> Context:
        """A copy with new explicit weights (e.g. set by a governance decision, whose id goes
        in ``decision``); validated like a loaded context."""
        _v.instance(values, Mapping, "values")
        _v.text(decision, "decision", none=True)
        radius = self.weights.radius if self.weights is not None else 0.25
        data = self.model_dump()
        data["weights"] = {"values": dict(values), "decision": decision, "radius": radius}
        return Context.from_dict(data)

    # -- loading / writing --------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Context:
        """Validate a mapping (the parsed TOML). Errors name the field."""
        if not isinstance(data, Mapping):
            raise InputError(f"a context must be a mapping, got {type(data).__name__}")
        try:
            return cls.model_validate(dict(data))
        except ValidationError as e:
            raise _wrap(e, data.get("name")) from None

    @classmethod
    def from_toml(cls, source: str | Path) -> Context:
        """Load a context from a TOML file path or from TOML text."""
        text: str
        where = "TOML text"
        if isinstance(source, Path):
            if not source.is_file():
                raise InputError(f"context file {str(source)!r} does not exist")
            text, where = _read_text(source), str(source)
        elif isinstance(source, str):
            looks_like_path = "\n" not in source and "=" not in source and "[" not in source
            if looks_like_path:
                p = Path(source)
                if not p.is_file():
                    raise InputError(
                        f"context file {source!r} does not exist (pass a path to a .toml file or "
                        "TOML text)"
                    )
                text, where = _read_text(p), source
            else:
                text = source
        else:
            raise InputError(f"from_toml takes a path or TOML text, got {type(source).__name__}")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise InputError(f"context {where}: invalid TOML: {e}") from None
        return cls.from_dict(data)

    @classmethod
    def builtin(cls, name: str) -> Context:
        """One of the example contexts shipped in ``pluralign/contexts`` (see
        :meth:`builtin_names`)."""
        names = cls.builtin_names()
        if not isinstance(name, str) or name not in names:
            raise InputError(f"no built-in context {name!r}; built-ins are {names}")
        text = resources.files("pluralign").joinpath("contexts", f"{name}.toml").read_text("utf-8")
        return cls.from_toml(text)

    @staticmethod
    def builtin_names() -> list[str]:
        """Names of the built-in contexts."""
        d = resources.files("pluralign").joinpath("contexts")
        return sorted(p.name[:-5] for p in d.iterdir() if p.name.endswith(".toml"))

    def to_toml(self) -> str:
        """TOML text that :meth:`from_toml` reads back into an equal context."""
        out: list[str] = [f"name = {_toml_value(self.name)}"]
        if self.description:
            out.append(f"description = {_toml_value(self.description)}")
        for o in self.objectives:
            out += [
                "",
                "[[objectives]]",
                f"name = {_toml_value(o.name)}",
                f"direction = {_toml_value(o.direction)}",
            ]
            if o.description:
                out.append(f"description = {_toml_value(o.description)}")
        for t in self.tiers:
            out += ["", "[[tiers]]"]
            out += [f"{k} = {_toml_value(v)}" for k, v in t.model_dump().items() if v is not None]
        if self.weights is not None:
            out += ["", "[weights]"]
            w = self.weights
            if w.decision is not None:
                out.append(f"decision = {_toml_value(w.decision)}")
            out.append(f"radius = {_toml_value(w.radius)}")
            if w.values is not None:
                out.append(f"values = {_toml_value(w.values)}")
        if self.groups is not None:
            out += ["", "[groups]"]
            out += [f"{k} = {_toml_value(v)}" for k, v in self.groups.model_dump().items()]
        out += ["", "[arbiter]"]
        out += [
            f"{k} = {_toml_value(v)}" for k, v in self.arbiter.model_dump().items() if v is not None
        ]
        return "\n".join(out) + "\n"


def _read_text(p: Path) -> str:
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise InputError(
            f"context file {str(p)!r}: byte {e.start} is not UTF-8 text; is it a TOML file?"
        ) from None
    except OSError as e:
        raise InputError(f"context file {str(p)!r} cannot be read: {e}") from None


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        esc = v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        return f'"{esc}"'
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, Sequence):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise InputError(f"cannot write {v!r} to TOML")  # pragma: no cover - models hold only the above


def _toml_key(k: str) -> str:
    return k if re.match(r"^[A-Za-z0-9_\-]+$", k) else _toml_value(k)


def _wrap(e: ValidationError, name: Any) -> InputError | SchemaError:
    """Turn a pydantic ValidationError into a pluralign error naming each field."""
    parts: list[str] = []
    schema = True
    for err in e.errors(include_url=False):
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
        kind = err["type"]
        if kind == "missing":
            msg = "required field is missing"
        elif kind == "extra_forbidden":
            msg = "unknown field (check the spelling; see pluralign.govern.Context for the fields)"
        else:
            schema = False
            msg = str(err["msg"]).removeprefix("Value error, ")
        parts.append(f"{loc or '<context>'}: {msg}")
    label = f"context {name!r}" if isinstance(name, str) else "context"
    cls = SchemaError if schema else InputError
    return cls(f"{label}: " + "; ".join(parts))
