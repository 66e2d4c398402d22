"""The lead aggregate: its data, lifecycle, assignment, score and conversion.

Every change goes through :meth:`Lead._record`, which bumps the version, appends one entry to
the append-only history (who, when, what changed) and records the domain event with a snapshot.
Lifecycle:
    NEW -> WORKING -> QUALIFIED | DISQUALIFIED(reason);  NEW -> QUALIFIED | DISQUALIFIED
    QUALIFIED -> DISQUALIFIED;  DISQUALIFIED -> WORKING (reactivation)
    NEW | WORKING | QUALIFIED -> CONVERTING (qualifying first) -> CONVERTED, or back to QUALIFIED
    when deals refuses for good. CONVERTING, CONVERTED and MERGED leads are read-only.
"""

from __future__ import annotations

import copy
import datetime as dt
import enum
from dataclasses import dataclass, field, replace
from typing import Any

from crm_chassis.context import Actor
from crm_chassis.errors import FailedPrecondition, InvalidArgument
from crm_leads.domain import capture, events
from crm_leads.domain.assignment import Assignment
from crm_leads.domain.conversion import Conversion, ConversionState
from crm_leads.domain.history import FieldChange, HistoryEntry, diff
from crm_leads.domain.scoring.engine import Score
from crm_leads.domain.values import LeadData, enum_names

MAX_NOTE = 2000


class LeadStatus(enum.Enum):
    NEW = "new"
    WORKING = "working"
    QUALIFIED = "qualified"
    DISQUALIFIED = "disqualified"
    CONVERTING = "converting"
    CONVERTED = "converted"
    MERGED = "merged"


READ_ONLY = frozenset({LeadStatus.CONVERTING, LeadStatus.CONVERTED, LeadStatus.MERGED})
OPEN = frozenset({LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.QUALIFIED})


class DisqualificationReason(enum.Enum):
    NO_BUDGET = "no_budget"
    NO_NEED = "no_need"
    NO_AUTHORITY = "no_authority"
    TIMING = "timing"
    DUPLICATE = "duplicate"
    SPAM = "spam"
    CHOSE_COMPETITOR = "chose_competitor"
    OTHER = "other"


def check_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise InvalidArgument(
            f"note has {len(note)} characters; at most {MAX_NOTE} are allowed", field="note"
        )
    return note


@dataclass(eq=False)
class Lead:
    id: str
    data: LeadData
    created_at: dt.datetime
    updated_at: dt.datetime
    status: LeadStatus = LeadStatus.NEW
    disqualification_reason: DisqualificationReason | None = None
    status_note: str = ""
    assignment: Assignment = field(default_factory=Assignment)
    score: Score | None = None
    conversion: Conversion | None = None
    merged_into: str = ""
    merged_lead_ids: tuple[str, ...] = ()
    version: int = 0
    # Changes of this unit of work, collected by the service layer after each use case.
    new_history: list[HistoryEntry] = field(default_factory=list, repr=False)
    new_events: list[events.LeadEvent] = field(default_factory=list, repr=False)

    # -- creation ---------------------------------------------------------------------------
    @classmethod
    def capture(cls, lead_id: str, data: LeadData, actor: Actor, now: dt.datetime) -> Lead:
        lead = cls(id=lead_id, data=data, created_at=now, updated_at=now)
        lead._record(actor, now, "created", diff({}, data.flat()), "", events.LeadCreated)
        return lead

    # -- bookkeeping ------------------------------------------------------------------------
    def snapshot(self) -> Lead:
        clone = copy.copy(self)
        clone.new_history, clone.new_events = [], []
        return clone

    def _record(
        self,
        actor: Actor,
        now: dt.datetime,
        action: str,
        changes: tuple[FieldChange, ...],
        entry_note: str,
        event_cls: type[events.LeadEvent] | None,
        /,
        **event_fields: Any,
    ) -> None:
        self.version += 1
        self.updated_at = now
        self.new_history.append(
            HistoryEntry(self.id, self.version, now, actor, action, changes, entry_note)
        )
        if event_cls is not None:
            self.new_events.append(event_cls(lead=self.snapshot(), **event_fields))

    def ensure_editable(self) -> None:
        if self.status is LeadStatus.CONVERTED:
            conversion = self.conversion
            assert conversion is not None  # a converted lead keeps its conversion
            raise FailedPrecondition(
                f"lead {self.id} is converted and read-only; change opportunity "
                f"{conversion.opportunity_id} or contact {conversion.contact_id} in "
                "deals instead"
            )
        if self.status is LeadStatus.CONVERTING:
            raise FailedPrecondition(
                f"lead {self.id} is being converted and read-only until "
                "deals confirms; see its conversion state"
            )
        if self.status is LeadStatus.MERGED:
            raise FailedPrecondition(
                f"lead {self.id} was merged into lead {self.merged_into}; work on that lead instead"
            )

    # -- data -------------------------------------------------------------------------------
    def update(self, data: LeadData, actor: Actor, now: dt.datetime) -> tuple[FieldChange, ...]:
        self.ensure_editable()
        changes = diff(self.data.flat(), data.flat())
        if changes:
            self.data = data
            self._record(actor, now, "updated", changes, "", events.LeadUpdated, changes=changes)
        return changes

    # -- lifecycle --------------------------------------------------------------------------
    def _set_status(
        self,
        status: LeadStatus,
        actor: Actor,
        now: dt.datetime,
        note: str,
        reason: DisqualificationReason | None = None,
    ) -> None:
        previous = self.status
        changes = [FieldChange("status", previous.value, status.value)]
        old_reason = self.disqualification_reason.value if self.disqualification_reason else ""
        if (reason.value if reason else "") != old_reason:
            changes.append(
                FieldChange("disqualification_reason", old_reason, reason.value if reason else "")
            )
        self.status, self.disqualification_reason, self.status_note = status, reason, note
        self._record(
            actor,
            now,
            "status_changed",
            tuple(changes),
            note,
            events.LeadStatusChanged,
            previous_status=previous,
            note=note,
        )

    def _require(self, allowed: set[LeadStatus], verb: str) -> None:
        self.ensure_editable()
        if self.status not in allowed:
            names = " or ".join(sorted(s.value for s in allowed))
            raise FailedPrecondition(
                f"cannot {verb} lead {self.id}: it is {self.status.value}, "
                f"and only a {names} lead can be"
            )

    def start_working(self, actor: Actor, now: dt.datetime, note: str = "") -> None:
        self._require({LeadStatus.NEW}, "start working on")
        self._set_status(LeadStatus.WORKING, actor, now, check_note(note))

    def qualify(self, actor: Actor, now: dt.datetime, note: str = "") -> None:
        self._require({LeadStatus.NEW, LeadStatus.WORKING}, "qualify")
        self._set_status(LeadStatus.QUALIFIED, actor, now, check_note(note))
        self.new_events.append(events.LeadQualified(lead=self.snapshot()))

    def disqualify(
        self, reason: DisqualificationReason | str, note: str, actor: Actor, now: dt.datetime
    ) -> None:
        if not isinstance(reason, DisqualificationReason):
            try:
                reason = DisqualificationReason(str(reason or "").strip().lower())
            except ValueError:
                raise InvalidArgument(
                    f"'{reason}' is not a disqualification reason; use one of "
                    f"{enum_names(DisqualificationReason)}",
                    field="reason",
                ) from None
        note = check_note(note)
        if reason is DisqualificationReason.OTHER and not note:
            raise InvalidArgument("reason 'other' needs a note saying why", field="note")
        self._require(set(OPEN), "disqualify")
        self._set_status(LeadStatus.DISQUALIFIED, actor, now, note, reason)
        self.new_events.append(events.LeadDisqualified(lead=self.snapshot()))

    def reactivate(self, actor: Actor, now: dt.datetime, note: str = "") -> None:
        self._require({LeadStatus.DISQUALIFIED}, "reactivate")
        self._set_status(LeadStatus.WORKING, actor, now, check_note(note))

    # -- assignment -------------------------------------------------------------------------
    def assign(self, assignment: Assignment, actor: Actor, now: dt.datetime) -> bool:
        """Set team and owner; False (and nothing recorded) when they are already so."""
        self.ensure_editable()
        before = self.assignment

        def shown(a: Assignment) -> dict[str, str]:
            return {
                "assignment.team_id": a.team_id,
                "assignment.owner_user_id": a.owner_user_id,
                "assignment.method": a.method.value,
                "assignment.queue_team_id": a.queue_team_id,
            }

        changes = diff(shown(before), shown(assignment))
        if not changes:
            return False
        self.assignment = assignment
        self._record(
            actor,
            now,
            "assigned",
            changes,
            assignment.explanation,
            events.LeadAssigned,
            previous_team_id=before.team_id,
            previous_owner_user_id=before.owner_user_id,
        )
        return True

    def set_sales_line(self, sales_line_id: str, actor: Actor, now: dt.datetime) -> None:
        if sales_line_id and sales_line_id != self.data.sales_line_id:
            self.update(replace(self.data, sales_line_id=sales_line_id), actor, now)

    # -- score (derived: versioned and published, not part of the history) -------------------
    def rescore(self, score: Score, now: dt.datetime) -> bool:
        """Store a new score; True when value or grade changed (an event is recorded then)."""
        previous = self.score
        self.score = score
        if previous is not None and (previous.value, previous.grade) == (score.value, score.grade):
            return False
        self.version += 1
        self.updated_at = now
        self.new_events.append(
            events.LeadScored(
                lead=self.snapshot(),
                previous_score=previous.value if previous else 0,
                previous_grade=previous.grade if previous else None,
            )
        )
        return True

    # -- conversion -------------------------------------------------------------------------
    def request_conversion(self, conversion: Conversion, actor: Actor, now: dt.datetime) -> None:
        self._require(set(OPEN), "convert")
        if not (self.assignment.team_id and self.assignment.owner_user_id):
            raise FailedPrecondition(
                f"lead {self.id} has no team and owner yet; assign it before "
                "converting, so deals knows whose opportunity it is"
            )
        if not self.data.sales_line_id:
            raise FailedPrecondition(
                f"lead {self.id} has no sales line; set sales_line_id before "
                "converting, so deals knows which pipeline to use"
            )
        if self.status is not LeadStatus.QUALIFIED:
            self.qualify(actor, now, "qualified for conversion")
        self.conversion = conversion
        self._set_status(
            LeadStatus.CONVERTING, actor, now, f"conversion {conversion.conversion_id} requested"
        )

    def conversion_progressed(self, conversion: Conversion, actor: Actor, now: dt.datetime) -> None:
        """Apply the saga's next state to the lead (status, history and events)."""
        if self.conversion is None or conversion.conversion_id != self.conversion.conversion_id:
            raise FailedPrecondition(f"lead {self.id} has no conversion {conversion.conversion_id}")
        before, self.conversion = self.conversion, conversion
        change = (FieldChange("conversion.state", before.state.value, conversion.state.value),)
        if conversion.state is ConversionState.CONVERTING:
            self._record(
                actor,
                now,
                "conversion_sent",
                change,
                f"attempt {conversion.attempts}",
                events.LeadConversionRequested,
            )
        elif conversion.state is ConversionState.FAILED_RETRYING:
            self._record(
                actor,
                now,
                "conversion_failed",
                change,
                conversion.last_error,
                events.LeadConversionFailed,
            )
        elif conversion.state is ConversionState.FAILED:
            self._record(
                actor,
                now,
                "conversion_failed",
                change,
                conversion.last_error,
                events.LeadConversionFailed,
            )
            # Back to work: the person decides what to do (link another account, retry later).
            self._set_status(
                LeadStatus.QUALIFIED,
                actor,
                now,
                "conversion refused by deals: " + conversion.last_error,
            )
        elif conversion.state is ConversionState.CONVERTED:
            links = change + (
                FieldChange("conversion.account_id", "", conversion.account_id),
                FieldChange("conversion.contact_id", "", conversion.contact_id),
                FieldChange("conversion.opportunity_id", "", conversion.opportunity_id),
            )
            self._record(actor, now, "conversion_completed", links, "", None)
            self._set_status(LeadStatus.CONVERTED, actor, now, "converted by deals")
            self.new_events.append(events.LeadConverted(lead=self.snapshot()))

    # -- merging ----------------------------------------------------------------------------
    def absorb(
        self, incoming: LeadData, actor: Actor, now: dt.datetime, note: str
    ) -> tuple[FieldChange, ...]:
        """Fill this lead's empty fields from ``incoming``; differing values stay as they were
        and are named in the history note, so nothing captured is lost."""
        self.ensure_editable()
        mine, theirs = self.data.flat(), incoming.flat()
        filled = {path: value for path, value in theirs.items() if value and not mine.get(path)}
        if any(path.startswith("consent.") and path != "consent.captured_at" for path in filled):
            # Consent newly given is the latest word of the person: its time comes along.
            filled["consent.captured_at"] = theirs["consent.captured_at"]
        kept = sorted(
            f"{path}={value}"
            for path, value in theirs.items()
            if value and mine.get(path) and mine[path] != value
        )
        merged = (
            capture.build(filled, base=self.data, now=now, require_channel=False)
            if filled
            else self.data
        )
        changes = diff(mine, merged.flat())
        text = note + (f"; differing values not taken: {', '.join(kept)}" if kept else "")
        self.data = merged
        self._record(
            actor, now, "merged", changes, text.strip("; "), events.LeadUpdated, changes=changes
        )
        return changes

    def merge_in(self, duplicate: Lead, actor: Actor, now: dt.datetime) -> None:
        if duplicate.id == self.id:
            raise InvalidArgument("a lead cannot be merged into itself", field="duplicate_lead_id")
        duplicate.ensure_editable()
        self.absorb(duplicate.data, actor, now, f"merged lead {duplicate.id} into this one")
        self.merged_lead_ids = tuple(
            dict.fromkeys(self.merged_lead_ids + (duplicate.id,) + duplicate.merged_lead_ids)
        )
        previous_status = duplicate.status
        duplicate.status, duplicate.merged_into = LeadStatus.MERGED, self.id
        duplicate._record(
            actor,
            now,
            "merged_into",
            (
                FieldChange("status", previous_status.value, LeadStatus.MERGED.value),
                FieldChange("merged_into", "", self.id),
            ),
            "",
            None,
        )
        self.new_events.append(events.LeadMerged(lead=self.snapshot(), merged=duplicate.snapshot()))
