"""Option texts as leads' request parts: ``KEY=VALUE`` options and the lead fields
``leads update --set`` names."""

from __future__ import annotations

from crm.leads.v1 import lead_pb2
from crmctl.session import CliError
from crmctl.wire import enum_value, optional_money


def pairs(items, option: str) -> dict[str, str]:
    """KEY=VALUE options as a dict."""
    result = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CliError(f"{option} takes KEY=VALUE, got '{item}'")
        result[key.strip()] = value.strip()
    return result


# LeadInput paths `leads update --set` takes, with how the text becomes the proto value.
_TEXT_PATHS = {
    "person": ("first_name", "last_name", "title", "email", "phone"),
    "company": ("name", "industry", "website"),
    "location": ("country", "region", "city", "postal_code"),
    "source": ("campaign_id",),
}


def set_path(lead: lead_pb2.LeadInput, path: str, text: str) -> None:
    """Put the text of ``--set PATH=VALUE`` into the LeadInput field PATH names."""
    group, _, name = path.partition(".")
    if name in _TEXT_PATHS.get(group, ()):
        setattr(getattr(lead, group), name, text)
    elif path == "sales_line_id":
        lead.sales_line_id = text
    elif path == "product_interest":
        lead.product_interest[:] = [item.strip() for item in text.split(",") if item.strip()]
    elif path.startswith("custom_attributes."):
        lead.custom_attributes[path.removeprefix("custom_attributes.")] = text
    elif path == "company.size":
        lead.company.size = enum_value(lead_pb2.CompanySize, text)
    elif path == "company.annual_revenue":
        if text:
            lead.company.annual_revenue.CopyFrom(optional_money(text))
    elif path == "source.channel":
        lead.source.channel = enum_value(lead_pb2.Channel, text)
    elif group == "consent" and name in ("email_marketing", "phone_contact", "data_processing"):
        if text.lower() not in ("true", "false", "yes", "no", ""):
            raise CliError(f"takes true or false, got '{text}'")
        setattr(lead.consent, name, text.lower() in ("true", "yes"))
    else:
        raise CliError(
            f"'{path}' is not a lead field (e.g. person.email, company.size, "
            "location.country, source.channel, custom_attributes.<key>)"
        )
