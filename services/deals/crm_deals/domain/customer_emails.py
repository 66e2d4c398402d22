"""Customer e-mails on a stage change: templates per pipeline stage and language, rendered for
a deal's contact.

A template belongs to one pipeline, one of its stages and one language ("" = the pipeline's
default, used for contacts whose language has no template of its own). When a deal is moved
into the stage (a committed move by a person), each of the deal's contacts that has consented
to e-mails and has an address is sent the template of their language, once per move. The body
is HTML: every placeholder's value is HTML-escaped (a contact named ``<script>`` arrives as
text); the subject is plain text on one line.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass

from crm_chassis.context import Actor
from crm_chassis.errors import InvalidArgument
from crm_deals.domain.history import Recorded
from crm_deals.domain.text import clean_text

VARIABLES = {
    "contact.first_name": "the contact's given name",
    "contact.last_name": "the contact's family name",
    "contact.full_name": "the contact's full name",
    "deal.name": "name of the deal",
    "deal.stage": "name of the stage the deal entered",
    "account.name": "name of the account",
}
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")
MAX_SUBJECT, MAX_BODY = 300, 50000


def clean_language(raw: str | None) -> str:
    """A language tag such as "de" or "pt-br" (lower-cased), or "" (none given)."""
    text = (raw or "").strip().lower().replace("_", "-")
    if text and not _LANGUAGE.match(text):
        raise InvalidArgument(
            f"language {raw!r} is not a language tag such as de, en or pt-br", field="language"
        )
    return text


def _template(text: str, field: str, max_length: int) -> str:
    text = clean_text(text, field, max_length=max_length, required=True)
    unknown = sorted(set(_PLACEHOLDER.findall(text)) - VARIABLES.keys())
    if unknown:
        raise InvalidArgument(
            f"{field} uses unknown placeholder(s) "
            f"{', '.join('{{' + n + '}}' for n in unknown)}; known: "
            f"{', '.join(sorted(VARIABLES))}",
            field=field,
        )
    return text


@dataclass
class CustomerEmailTemplate(Recorded):
    RECORD_TYPE = "customer_email_template"

    id: str
    pipeline_id: str
    stage_key: str
    language: str
    subject: str
    body: str
    created_at: dt.datetime
    updated_at: dt.datetime
    enabled: bool = True
    version: int = 0

    @classmethod
    def write(
        cls,
        existing: CustomerEmailTemplate | None,
        *,
        id: str,
        pipeline_id: str,
        stage_key: str,
        language: str,
        subject: str,
        body: str,
        enabled: bool,
        actor: Actor,
        at: dt.datetime,
    ) -> CustomerEmailTemplate:
        """A new template (one per pipeline, stage and language: ``existing`` is the one there
        is), or ``existing`` with the new texts (a new version)."""
        language = clean_language(language)
        subject = _template(subject, "subject", MAX_SUBJECT)
        body = _template(body, "body", MAX_BODY)
        if existing is None:
            template = cls(
                id=id,
                pipeline_id=pipeline_id,
                stage_key=stage_key,
                language=language,
                subject=subject,
                body=body,
                enabled=enabled,
                created_at=at,
                updated_at=at,
            )
            template._record(actor, at, "created")
            return template
        changes = {
            name: (getattr(existing, name), value)
            for name, value in (("subject", subject), ("body", body), ("enabled", enabled))
            if getattr(existing, name) != value
        }
        if changes:
            existing.subject, existing.body, existing.enabled = subject, body, enabled
            existing._record(actor, at, "updated", changes)
        return existing


def choose(templates: list[CustomerEmailTemplate], language: str) -> CustomerEmailTemplate | None:
    """The enabled template of ``language``, else the enabled default (language "")."""
    enabled = {t.language: t for t in templates if t.enabled}
    return enabled.get(language) or enabled.get("")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html_body: str


def render(template: CustomerEmailTemplate, values: dict[str, str]) -> RenderedEmail:
    """The subject with plain values on one line; the HTML body with every value escaped."""
    subject = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), template.subject)
    subject = " ".join(subject.split())  # no header folding or injection through a value
    body = _PLACEHOLDER.sub(
        lambda m: html.escape(values.get(m.group(1), ""), quote=True), template.body
    )
    return RenderedEmail(subject=subject, html_body=body)
