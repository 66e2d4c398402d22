"""What the Organisation page modules share: a change posted from a form either redirects to
the page with a notice, or renders the page again with the service's own message — at the field
it names when the form has that field, else at the top — and the person's entries kept."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from crm_console.domain.errors import ConsoleError, NotFound
from crm_console.entrypoints import i18n
from crm_console.entrypoints.web_kit import Form, redirect


def N_(message: str) -> str:
    return message


SUBNAV = (
    (N_("Units and teams"), "/organisation"),
    (N_("Sales lines"), "/organisation/lines"),
    (N_("Territories"), "/organisation/territories"),
    (N_("Pipelines"), "/organisation/pipelines"),
    (N_("Catalog"), "/organisation/catalog"),
)

# page(request, refusal) -> the page again with the refusal shown
Page = Callable[[Request, "Refusal | None"], Response]


class Refusal:
    """A refused change: the form it came from, the field named, the message, the entries."""

    def __init__(self, form_id: str, error: ConsoleError, values: Mapping[str, Any]) -> None:
        self.form = form_id
        self.error = error
        self.values = {k: str(v) for k, v in values.items() if k != "csrf_token"}
        # A field the form does not have (e.g. "targets[0].team_id"): the message goes on top.
        self.field = error.field if error.field in self.values else ""

    @property
    def message(self) -> str:
        """In the page's language: read while the page is rendered (``i18n.use``)."""
        return i18n.say(self.error)

    def at(self, form_id: str, field: str) -> str:
        """The message when it belongs at this field of this form, else ""."""
        return self.message if self.form == form_id and self.field == field else ""

    def value(self, form_id: str, name: str) -> str:
        return self.values.get(name, "") if self.form == form_id else ""


def change(
    request: Request,
    form: Form,
    action: Callable[[], object],
    *,
    page: Page,
    done: str,
    notice: str,
) -> Response:
    """Runs ``action``; NotFound is the not-found page (an id the person may not see)."""
    try:
        action()
    except NotFound:
        raise
    except ConsoleError as error:
        response = page(request, Refusal(str(form.get("form", "")), error, form))
        response.status_code = 409
        return response
    return redirect(f"{done}?{urlencode({'notice': notice})}")


def words(form: Form, *names: str) -> dict[str, str]:
    return {name: str(form.get(name, "")) for name in names}


# The services' enumerations the Organisation pages show, marked for ``pybabel extract`` (the
# templates translate them at run time).
WORDS = (
    N_("Organisation"),
    # team roles, routing strategies, workflow kinds (territory)
    N_("expert"),
    N_("supervisor"),
    N_("manager"),
    N_("round_robin"),
    N_("load_balanced"),
    N_("contract"),
    N_("quote"),
    # why a lead waits or a member was skipped (territory's routing)
    N_("no_rule_matched"),
    N_("no_eligible_member"),
    N_("on_leave"),
    N_("at_capacity"),
    N_("deactivated"),
    N_("not_taking_leads"),
    N_("excluded"),
    N_("no_access"),
    # automation triggers and forecast categories (deals)
    N_("stage_entered"),
    N_("won"),
    N_("lost"),
    N_("stalled"),
    N_("pipeline"),
    N_("best_case"),
    N_("commit"),
    # automation actions and recipients (deals)
    N_("notify"),
    N_("email"),
    N_("webhook"),
    N_("owner"),
    N_("team"),
    # price list scopes (catalog)
    N_("default"),
    N_("sales_lines"),
    N_("accounts"),
)
