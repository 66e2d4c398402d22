"""Automation rules per pipeline and the decisions they take.

A rule fires on one trigger: ``stage_entered`` (a given stage), ``won``, ``lost`` or ``stalled``
(an open deal without any activity for ``stalled_after_days`` days, or longer in its stage than
the stage's expected days). Its actions: notify people (owner / team / manager), send a templated
e-mail to them, call a webhook. :func:`decide` turns a trigger into commands; the use case emits
them through the outbox in the same transaction as the change, so nothing is sent before the
change is committed and a rolled-back change sends nothing. Each command carries an idempotency
key (the causing change + the rule + the action) so its consumer acts exactly once.

Team scope: a rule names the teams whose deals it is for (``team_ids``; whoever creates or
changes it must manage each of them, checked by the use cases) and fires only for deals of those
teams. A rule without teams (kept from before rules had a scope) never fires and cannot be
enabled again; ``disabled_reason`` says why it was disabled.

Templates use ``{{ variable }}`` placeholders from :data:`TEMPLATE_VARIABLES` only; an unknown
placeholder is refused when the rule is saved, never at send time.
Webhooks are signed with HMAC-SHA256 over ``<timestamp>.<body>`` (see :func:`sign_webhook`) and
retried with the backoff of :func:`webhook_retry_delay`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from crm_chassis.context import Actor
from crm_chassis.errors import FailedPrecondition, InvalidArgument, ValidationErrors
from crm_deals.domain.history import Recorded
from crm_deals.domain.pipelines import Pipeline
from crm_deals.domain.text import clean_text, require_id

STAGE_ENTERED, WON, LOST, STALLED = "stage_entered", "won", "lost", "stalled"
TRIGGERS = (STAGE_ENTERED, WON, LOST, STALLED)
NOTIFY, EMAIL, WEBHOOK = "notify", "email", "webhook"
ACTION_KINDS = (NOTIFY, EMAIL, WEBHOOK)
OWNER, TEAM, MANAGER = "owner", "team", "manager"
RECIPIENTS = (OWNER, TEAM, MANAGER)

TEMPLATE_VARIABLES = {
    "deal.id": "id of the deal",
    "deal.name": "name of the deal",
    "deal.stage": "name of the deal's stage",
    "deal.status": "open, won or lost",
    "deal.amount": "estimated revenue with currency",
    "deal.probability": "probability in %",
    "deal.owner_id": "user id of the owner",
    "deal.close_date": "estimated close date",
    "account.id": "id of the account",
    "account.name": "name of the account",
    "pipeline.name": "name of the pipeline",
    "trigger": "what fired the rule",
}
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
WEBHOOK_RETRY_DELAYS = (10, 30, 120, 600, 1800, 3600)  # seconds; then the call is failed
MAX_TEAMS = 50
UNSCOPED_REASON = (
    "automation rules are scoped to teams and this rule names none, so it was "
    "disabled and cannot be enabled again; a manager of the teams it is for "
    "creates it anew naming them (team_ids)"
)


def clean_team_ids(team_ids: Iterable[str]) -> tuple[str, ...]:
    """The rule's teams: one or more ids, each once, in order."""
    cleaned = tuple(sorted({require_id(t, f"team_ids[{i}]") for i, t in enumerate(team_ids or ())}))
    if not cleaned:
        raise InvalidArgument(
            "team_ids is required: name the team(s) whose deals the rule is "
            "for (you need the manager role over each)",
            field="team_ids",
        )
    if len(cleaned) > MAX_TEAMS:
        raise InvalidArgument(f"a rule names at most {MAX_TEAMS} teams", field="team_ids")
    return cleaned


def validate_template(text: str, field_name: str, max_length: int) -> str:
    text = clean_text(text, field_name, max_length=max_length, required=True)
    unknown = sorted({name for name in _PLACEHOLDER.findall(text)} - TEMPLATE_VARIABLES.keys())
    if unknown:
        raise InvalidArgument(
            f"{field_name} uses unknown placeholder(s) "
            f"{', '.join('{{' + n + '}}' for n in unknown)}; known: "
            f"{', '.join(sorted(TEMPLATE_VARIABLES))}",
            field=field_name,
        )
    return text


def render(template: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), template)


@dataclass(frozen=True)
class Action:
    kind: str
    recipients: tuple[str, ...] = ()
    subject: str = ""  # e-mail subject / notification title template
    body: str = ""  # e-mail body / notification text template
    url: str = ""  # webhook target


def make_action(
    kind: str,
    *,
    recipients: Iterable[str] = (),
    subject: str = "",
    body: str = "",
    url: str = "",
    index: int = 0,
) -> Action:
    where = f"actions[{index}]"
    if kind not in ACTION_KINDS:
        raise InvalidArgument(
            f"{where}.kind must be one of {', '.join(ACTION_KINDS)}; got {kind!r}",
            field=f"{where}.kind",
        )
    if kind == WEBHOOK:
        url = (url or "").strip()
        if not re.match(r"^https?://[^\s/]+(/\S*)?$", url) or len(url) > 2000:
            raise InvalidArgument(f"{where}.url must be an http(s) URL", field=f"{where}.url")
        return Action(kind=WEBHOOK, url=url)
    unknown = sorted(set(recipients) - set(RECIPIENTS))
    if not recipients or unknown:
        raise InvalidArgument(
            f"{where}.recipients must be one or more of {', '.join(RECIPIENTS)}",
            field=f"{where}.recipients",
        )
    return Action(
        kind=kind,
        recipients=tuple(sorted(set(recipients))),
        subject=validate_template(subject, f"{where}.subject", 200),
        body=validate_template(body, f"{where}.body", 10000),
    )


@dataclass
class AutomationRule(Recorded):
    RECORD_TYPE = "automation_rule"

    id: str
    pipeline_id: str
    name: str
    trigger: str
    actions: tuple[Action, ...]
    created_at: dt.datetime
    updated_at: dt.datetime
    stage_key: str = ""
    stalled_after_days: int = 0
    webhook_secret: str = field(default="", repr=False)
    enabled: bool = True
    version: int = 0
    team_ids: tuple[str, ...] = ()
    include_personal_data: bool = False
    author_user_id: str = ""
    disabled_reason: str = ""

    @classmethod
    def create(
        cls,
        *,
        id: str,
        pipeline: Pipeline,
        name: str,
        trigger: str,
        actions: list[Action],
        actor: Actor,
        at: dt.datetime,
        team_ids: tuple[str, ...],
        stage_key: str = "",
        stalled_after_days: int = 0,
        webhook_secret: str = "",
        include_personal_data: bool = False,
    ) -> AutomationRule:
        rule = cls(
            id=id,
            pipeline_id=pipeline.id,
            name=clean_text(name, "name", max_length=120, required=True),
            trigger=trigger,
            actions=tuple(actions),
            created_at=at,
            updated_at=at,
            stage_key=stage_key,
            stalled_after_days=stalled_after_days,
            webhook_secret=webhook_secret,
            team_ids=clean_team_ids(team_ids),
            include_personal_data=bool(include_personal_data),
            author_user_id=actor.id,
        )
        rule._validate(pipeline)
        rule._record(actor, at, "created")
        return rule

    def _validate(self, pipeline: Pipeline) -> None:
        problems = []
        if self.trigger not in TRIGGERS:
            problems.append(("trigger", f"must be one of {', '.join(TRIGGERS)}"))
        if self.trigger == STAGE_ENTERED and not pipeline.has_stage(self.stage_key):
            problems.append(
                (
                    "stage_key",
                    f"a stage_entered rule needs a stage of pipeline "
                    f"{pipeline.name!r}: "
                    f"{', '.join(s.key for s in pipeline.stages)}",
                )
            )
        if self.trigger != STAGE_ENTERED and self.stage_key:
            problems.append(("stage_key", "only stage_entered rules name a stage"))
        if not isinstance(self.stalled_after_days, int) or not 0 <= self.stalled_after_days <= 365:
            problems.append(("stalled_after_days", "must be 0..365"))
        if self.trigger != STALLED and self.stalled_after_days:
            problems.append(("stalled_after_days", "only stalled rules have it"))
        if not self.actions:
            problems.append(("actions", "a rule needs at least one action"))
        if any(a.kind == WEBHOOK for a in self.actions) and len(self.webhook_secret) < 16:
            problems.append(
                (
                    "webhook_secret",
                    "a webhook action needs a signing secret of at least 16 characters",
                )
            )
        if problems:
            raise ValidationErrors(problems)

    @property
    def scoped(self) -> bool:
        return bool(self.team_ids)

    def set_enabled(self, actor: Actor, at: dt.datetime, enabled: bool) -> bool:
        if enabled and not self.scoped:
            raise FailedPrecondition(
                f"rule {self.id} names no team: {UNSCOPED_REASON}", field="enabled"
            )
        if self.enabled == enabled:
            return False
        self.enabled = enabled
        if enabled:
            self.disabled_reason = ""
        self._record(
            actor, at, "enabled" if enabled else "disabled", {"enabled": (not enabled, enabled)}
        )
        return True

    def matches(self, trigger: str, stage_key: str = "", *, team_id: str) -> bool:
        """Whether the rule fires for this trigger on a deal of ``team_id``."""
        return (
            self.enabled
            and team_id in self.team_ids
            and self.trigger == trigger
            and (trigger != STAGE_ENTERED or self.stage_key == stage_key)
        )


@dataclass(frozen=True)
class AutomationCommand:
    """One thing to do after commit: a notification, an e-mail or a webhook call."""

    kind: str
    rule_id: str
    deal_id: str
    idempotency_key: str
    recipients: tuple[
        str, ...
    ] = ()  # roles (owner/team/manager), resolved to users by the use case
    subject: str = ""
    body: str = ""
    url: str = ""


def decide(
    rules: list[AutomationRule],
    *,
    trigger: str,
    cause_id: str,
    values: dict[str, str],
    deal_id: str,
    team_id: str,
    stage_key: str = "",
) -> list[AutomationCommand]:
    """The commands the enabled rules of ``team_id`` matching ``trigger`` ask for. ``cause_id``
    identifies the change (deal id + version, or a stalled episode) and makes every command's
    key unique."""
    commands = []
    for rule in sorted(rules, key=lambda r: r.id):
        if not rule.matches(trigger, stage_key, team_id=team_id):
            continue
        for index, action in enumerate(rule.actions):
            commands.append(
                AutomationCommand(
                    kind=action.kind,
                    rule_id=rule.id,
                    deal_id=deal_id,
                    idempotency_key=f"{cause_id}:{rule.id}:{index}",
                    recipients=action.recipients,
                    subject=render(action.subject, values),
                    body=render(action.body, values),
                    url=action.url,
                )
            )
    return commands


def stalled_since(
    *,
    now: dt.datetime,
    stage_entered_at: dt.datetime,
    last_activity_at: dt.datetime | None,
    expected_days: int,
    stalled_after_days: int,
) -> str:
    """Why an open deal is stalled ("" if it is not): no activity for ``stalled_after_days``
    (counted from the stage entry when there was never any activity), or in its stage for longer
    than ``expected_days``."""
    if stalled_after_days:
        quiet_since = max(filter(None, (last_activity_at, stage_entered_at)))
        if now - quiet_since >= dt.timedelta(days=stalled_after_days):
            return f"no activity for {(now - quiet_since).days} days"
    if expected_days and now - stage_entered_at > dt.timedelta(days=expected_days):
        return f"{(now - stage_entered_at).days} days in stage, {expected_days} expected"
    return ""


def sign_webhook(secret: str, timestamp: int, body: bytes) -> str:
    """Value of the ``X-CRM-Signature`` header: ``t=<unix seconds>,v1=<hex HMAC-SHA256>`` of
    ``<timestamp>.<body>``; the receiver recomputes it and rejects stale timestamps."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def webhook_retry_delay(attempt: int) -> int | None:
    """Seconds to wait before retry number ``attempt`` (1-based); None = give up (failed)."""
    if attempt < 1 or attempt > len(WEBHOOK_RETRY_DELAYS):
        return None
    return WEBHOOK_RETRY_DELAYS[attempt - 1]


def validate_secret(secret: str) -> str:
    secret = (secret or "").strip()
    if secret and (len(secret) < 16 or len(secret) > 200):
        raise InvalidArgument("webhook_secret must be 16..200 characters", field="webhook_secret")
    return secret


def check_rule_id(rule_id: str) -> str:
    return require_id(rule_id, "rule_id")
