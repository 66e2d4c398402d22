"""Bulk import: column mapping and turning one file row into lead field values.

A row is accepted whole or rejected whole, with every problem reported as (row, field,
reason). Each accepted row's lead is created under the idempotency key
``import:<import id>:<row number>``, so re-running an import after a crash accepts no row twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from crm_chassis.errors import ValidationErrors
from crm_leads.domain.capture import GROUPS, is_known_path
from crm_leads.domain.normalise import fold
from crm_leads.domain.values import Channel

MAX_IMPORT_ID = 200

# Column names understood without a mapping (compared case- and punctuation-insensitively).
ALIASES = {
    "first name": "person.first_name",
    "firstname": "person.first_name",
    "given name": "person.first_name",
    "last name": "person.last_name",
    "lastname": "person.last_name",
    "surname": "person.last_name",
    "family name": "person.last_name",
    "title": "person.title",
    "job title": "person.title",
    "email": "person.email",
    "e mail": "person.email",
    "email address": "person.email",
    "phone": "person.phone",
    "telephone": "person.phone",
    "phone number": "person.phone",
    "company": "company.name",
    "company name": "company.name",
    "organisation": "company.name",
    "organization": "company.name",
    "industry": "company.industry",
    "company size": "company.size",
    "employees": "company.size",
    "annual revenue": "company.annual_revenue",
    "revenue": "company.annual_revenue",
    "website": "company.website",
    "web site": "company.website",
    "country": "location.country",
    "region": "location.region",
    "state": "location.region",
    "city": "location.city",
    "postal code": "location.postal_code",
    "zip": "location.postal_code",
    "postcode": "location.postal_code",
    "channel": "source.channel",
    "source": "source.channel",
    "campaign": "source.campaign_id",
    "campaign id": "source.campaign_id",
    "sales line": "sales_line_id",
    "product interest": "product_interest",
    "products": "product_interest",
    "email marketing consent": "consent.email_marketing",
    "phone consent": "consent.phone_contact",
    "data processing consent": "consent.data_processing",
}


def _column_word(name: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", fold(name)))


@dataclass(frozen=True)
class ImportPlan:
    import_id: str
    column_mapping: Mapping[str, str]  # column -> lead field path
    default_channel: Channel | None = None
    default_campaign_id: str = ""
    default_sales_line_id: str = ""
    unmapped_columns: tuple[str, ...] = field(default=())

    def idempotency_key(self, row_number: int) -> str:
        return f"import:{self.import_id}:{row_number}"

    def explain(self, path: str, reason: str) -> str:
        """A row problem's reason, with what the import itself can do about it: a row without a
        channel gets it from a channel column or the import's default channel."""
        if (
            path == "source.channel"
            and self.default_channel is None
            and reason.startswith("is required")
        ):
            return (
                f"{reason}: add a channel column to the file, or give the import a default "
                "channel for every row (ImportHeader.default_channel, `crmctl leads import "
                "--channel <channel>`)"
            )
        return reason

    def row_values(self, values: Mapping[str, str]) -> dict[str, str]:
        """Lead field values of one row: mapped columns, then the header's defaults."""
        result = {
            path: values[column]
            for column, path in self.column_mapping.items()
            if column in values and str(values[column]).strip()
        }
        if "source.channel" not in result and self.default_channel is not None:
            result["source.channel"] = self.default_channel.value
        if "source.campaign_id" not in result and self.default_campaign_id:
            result["source.campaign_id"] = self.default_campaign_id
        if "sales_line_id" not in result and self.default_sales_line_id:
            result["sales_line_id"] = self.default_sales_line_id
        return result


def plan(
    import_id: str,
    column_mapping: Mapping[str, str],
    *,
    columns: Sequence[str] = (),
    default_channel: Channel | None = None,
    default_campaign_id: str = "",
    default_sales_line_id: str = "",
) -> ImportPlan:
    """Check the header of an import. Without a mapping, columns named like a field path or a
    known alias (e.g. "E-Mail", "Last name") map by themselves."""
    problems: list[tuple[str, str]] = []
    import_id = (import_id or "").strip()
    if not 1 <= len(import_id) <= MAX_IMPORT_ID:
        problems.append(
            (
                "import_id",
                f"is required, 1..{MAX_IMPORT_ID} characters (e.g. a hash "
                "of the file), so a re-run accepts no row twice",
            )
        )
    mapping = dict(column_mapping)
    if not mapping:
        for column in columns:
            path = (
                column.strip()
                if is_known_path(column.strip())
                else ALIASES.get(_column_word(column))
            )
            if path and path not in mapping.values():
                mapping[column] = path
    targets: dict[str, str] = {}
    for column, path in mapping.items():
        if path in GROUPS or path == "custom_attributes" or not is_known_path(path):
            problems.append(
                (
                    f"column_mapping.{column}",
                    f"'{path}' is not a lead field; map to a field such as "
                    "person.email or custom_attributes.<key>",
                )
            )
        elif path in targets:
            problems.append(
                (
                    f"column_mapping.{column}",
                    f"maps to {path} like column '{targets[path]}'; map one column per field",
                )
            )
        else:
            targets[path] = column
    if not mapping and not problems:
        problems.append(
            (
                "column_mapping",
                'no column maps to a lead field; give a mapping such as {"E-Mail": "person.email"}',
            )
        )
    if problems:
        raise ValidationErrors(problems)
    unmapped = tuple(column for column in columns if column not in mapping)
    return ImportPlan(
        import_id,
        mapping,
        default_channel,
        default_campaign_id.strip(),
        default_sales_line_id.strip(),
        unmapped,
    )


@dataclass(frozen=True)
class RowProblem:
    row_number: int
    field: str
    reason: str


@dataclass(frozen=True)
class AcceptedRow:
    row_number: int
    lead_id: str
    already_imported: bool = False
