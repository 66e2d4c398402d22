"""Pipelines: one per sales line, with ordered stages.

A stage has a stable key (lower-case slug, e.g. ``qualify``), a name, a default probability
(0..100 per cent, whole numbers), a forecast category (``pipeline``, ``best_case``, ``commit``)
and optionally the days a deal is expected to stay in it (used by the "stalled" automation).

Changing a pipeline is versioned: :meth:`Pipeline.revise` replaces the ordered stage list and
bumps ``version``. A stage keeps its identity through its key. A revision that removes a stage on
which open deals sit must say where those deals go (``moves``: removed key -> kept key); the use
case then moves them, so an open deal is always on a stage of its pipeline's current version.
Closed deals keep the stage where they closed (with its name as it was), even if it is removed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from crm_chassis.context import Actor
from crm_chassis.errors import FailedPrecondition, InvalidArgument, ValidationErrors
from crm_deals.domain.history import Changes, Recorded
from crm_deals.domain.text import clean_text, require_id

PIPELINE = "pipeline"
BEST_CASE = "best_case"
COMMIT = "commit"
FORECAST_CATEGORIES = (PIPELINE, BEST_CASE, COMMIT)
# Categories of closed deals in forecasts (not assignable to a stage).
CLOSED = "closed"
OMITTED = "omitted"

MAX_STAGES = 30
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Stage:
    key: str
    name: str
    default_probability: int
    forecast_category: str
    expected_days: int = 0  # 0 = no expectation


def make_stage(
    key: str,
    name: str,
    default_probability: int,
    forecast_category: str,
    expected_days: int = 0,
    *,
    index: int = 0,
) -> Stage:
    where = f"stages[{index}]"
    problems = []
    if not _KEY.match(key or ""):
        problems.append(
            (
                f"{where}.key",
                "must be a lower-case slug of 1..40 letters, digits "
                f"or '_' starting with a letter, e.g. 'qualify'; "
                f"got {key!r}",
            )
        )
    try:
        name = clean_text(name, f"{where}.name", max_length=80, required=True)
    except InvalidArgument as exc:
        problems.append((f"{where}.name", exc.message))
    if not isinstance(default_probability, int) or not 0 <= default_probability <= 100:
        problems.append(
            (
                f"{where}.default_probability",
                f"must be a whole per cent 0..100; got {default_probability!r}",
            )
        )
    if forecast_category not in FORECAST_CATEGORIES:
        problems.append(
            (
                f"{where}.forecast_category",
                f"must be one of {', '.join(FORECAST_CATEGORIES)}; got {forecast_category!r}",
            )
        )
    if not isinstance(expected_days, int) or not 0 <= expected_days <= 3650:
        problems.append((f"{where}.expected_days", "must be 0 (none) .. 3650 days"))
    if problems:
        raise ValidationErrors(problems)
    return Stage(key, name, default_probability, forecast_category, expected_days)


def validate_stages(stages: list[Stage]) -> tuple[Stage, ...]:
    if not stages:
        raise InvalidArgument("a pipeline needs at least one stage", field="stages")
    if len(stages) > MAX_STAGES:
        raise InvalidArgument(f"a pipeline has at most {MAX_STAGES} stages", field="stages")
    problems = []
    for attr in ("key", "name"):
        seen = set()
        for i, stage in enumerate(stages):
            value = getattr(stage, attr).lower()
            if value in seen:
                problems.append(
                    (f"stages[{i}].{attr}", f"duplicate stage {attr} {getattr(stage, attr)!r}")
                )
            seen.add(value)
    if problems:
        raise ValidationErrors(problems)
    return tuple(stages)


@dataclass(frozen=True)
class PipelineVersion:
    """A pipeline as it was at one version (kept for every version, read-only)."""

    pipeline_id: str
    sales_line_id: str
    version: int
    name: str
    stages: tuple[Stage, ...]
    created_at: dt.datetime


@dataclass
class Pipeline(Recorded):
    RECORD_TYPE = "pipeline"

    id: str
    sales_line_id: str
    name: str
    stages: tuple[Stage, ...]
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = 0
    # The line's default pipeline (its first); False for one a territory (or the line) names.
    # Pipelines stored before lines could have several were each their line's only one: True.
    line_default: bool = True

    @classmethod
    def create(
        cls,
        *,
        id: str,
        sales_line_id: str,
        name: str,
        stages: list[Stage],
        actor: Actor,
        at: dt.datetime,
        line_default: bool = True,
    ) -> Pipeline:
        pipeline = cls(
            id=id,
            sales_line_id=require_id(sales_line_id, "sales_line_id"),
            name=clean_text(name, "name", max_length=120, required=True),
            stages=validate_stages(stages),
            created_at=at,
            updated_at=at,
            line_default=line_default,
        )
        pipeline._record(actor, at, "created")
        return pipeline

    def snapshot(self) -> PipelineVersion:
        return PipelineVersion(
            self.id, self.sales_line_id, self.version, self.name, self.stages, self.updated_at
        )

    def stage(self, key: str) -> Stage:
        for stage in self.stages:
            if stage.key == key:
                return stage
        raise InvalidArgument(
            f"pipeline {self.name!r} has no stage {key!r}; its stages: "
            f"{', '.join(s.key for s in self.stages)}",
            field="stage_key",
        )

    def has_stage(self, key: str) -> bool:
        return any(stage.key == key for stage in self.stages)

    def position(self, key: str) -> int:
        return [stage.key for stage in self.stages].index(key)

    @property
    def first_stage(self) -> Stage:
        return self.stages[0]

    def revise(
        self,
        actor: Actor,
        at: dt.datetime,
        *,
        stages: list[Stage],
        moves: dict[str, str],
        keys_with_open_deals: set[str],
        name: str | None = None,
        expected_version: int = 0,
    ) -> dict[str, str]:
        """Replace the stage list; returns the moves that apply (removed key -> new key).

        Refused unless every removed stage holding open deals has a move to a kept stage.
        """
        if expected_version and expected_version != self.version:
            raise FailedPrecondition(
                f"pipeline {self.name!r} is at version {self.version}, not "
                f"{expected_version}: reload it and retry",
                field="expected_version",
            )
        new_stages = validate_stages(stages)
        new_keys = {stage.key for stage in new_stages}
        removed = {stage.key for stage in self.stages} - new_keys
        problems = []
        for source, target in sorted(moves.items()):
            if source not in removed:
                problems.append(
                    (
                        f"moves[{source}]",
                        f"stage {source!r} is not removed by this "
                        "revision; only removed stages are moved",
                    )
                )
            elif target not in new_keys:
                problems.append(
                    (f"moves[{source}]", f"target stage {target!r} is not in the revised pipeline")
                )
        for key in sorted((removed & keys_with_open_deals) - moves.keys()):
            problems.append(
                (
                    f"moves[{key}]",
                    f"stage {key!r} still holds open deals: say to which remaining stage they move",
                )
            )
        if problems:
            raise ValidationErrors(problems)
        new_name = clean_text(name, "name", max_length=120, required=True) if name else self.name
        changes: Changes = {}
        if new_name != self.name:
            changes["name"] = (self.name, new_name)
        before = " > ".join(
            f"{s.key}({s.default_probability}%,{s.forecast_category})" for s in self.stages
        )
        after = " > ".join(
            f"{s.key}({s.default_probability}%,{s.forecast_category})" for s in new_stages
        )
        if before != after or new_stages != self.stages:
            changes["stages"] = (before, after)
        if not changes:
            raise FailedPrecondition("the revision changes nothing", field="stages")
        self.name, self.stages = new_name, new_stages
        applied = {key: target for key, target in moves.items() if key in keys_with_open_deals}
        self._record(
            actor,
            at,
            "revised",
            changes,
            note=", ".join(f"{k} -> {v}" for k, v in sorted(applied.items())),
        )
        return applied
