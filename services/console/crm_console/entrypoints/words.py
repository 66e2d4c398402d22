"""Words the pages show for the services' enumerations and the navigation, marked so that
``pybabel extract`` puts them in the catalogue (the templates translate them at run time)."""

from __future__ import annotations


def N_(message: str) -> str:
    return message


WORDS = (
    # navigation (each page module's NAV)
    N_("My day"),
    N_("Leads"),
    # lead statuses
    N_("new"),
    N_("working"),
    N_("qualified"),
    N_("disqualified"),
    N_("converting"),
    N_("converted"),
    N_("merged"),
    # channels
    N_("web_form"),
    N_("social_media"),
    N_("paid_ads"),
    N_("purchased_list"),
    N_("referral"),
    N_("event"),
    N_("other"),
    # company sizes
    N_("micro"),
    N_("small"),
    N_("medium"),
    N_("large"),
    N_("enterprise"),
    # disqualification reasons
    N_("no_budget"),
    N_("no_need"),
    N_("no_authority"),
    N_("timing"),
    N_("duplicate"),
    N_("spam"),
    N_("chose_competitor"),
    # activity kinds
    N_("email_opened"),
    N_("link_clicked"),
    N_("page_visited"),
    N_("form_submitted"),
    N_("demo_requested"),
    N_("event_attended"),
    N_("content_downloaded"),
    # conversion states
    N_("requested"),
    N_("failed_retrying"),
    N_("failed"),
)
