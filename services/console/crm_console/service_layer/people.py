"""People by name: territory's ListPeopleNames, asked once per page for every person the page
shows, with the signed-in person's token. territory answers only for the people that person
may see (themselves and the members of the teams in their scopes); anyone else, and everyone
when territory refuses or does not answer, is shown by their user id."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from crm_console.domain.errors import Refused, Unavailable

# territory's limit of one ListPeopleNames call; a page shows far fewer people.
MOST_NAMES = 500

NamesReader = Callable[[str, tuple[str, ...]], Mapping[str, str]]


def names_or_ids(read: NamesReader, token: str, user_ids: Iterable[str]) -> dict[str, str]:
    """Names by user id of the people territory names; an empty map (ids shown) on a refusal
    or a territory that does not answer: the page matters more than its labels."""
    wanted = tuple(dict.fromkeys(u for u in user_ids if u))[:MOST_NAMES]
    if not wanted:
        return {}
    try:
        return dict(read(token, wanted))
    except (Refused, Unavailable):
        return {}
