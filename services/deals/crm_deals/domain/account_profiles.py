"""What an account carries besides its name: typed postal addresses, social profiles, and its
place in a hierarchy of accounts (a group and its subsidiaries, a head office and its sites).

- Addresses are typed ``billing`` or ``shipping``, at most one of each; the country is an
  ISO 3166-1 alpha-2 code.
- Social profiles: one https URL per network.
- Hierarchy: an account may have one parent account. A parent that is the account itself or one
  of its descendants would make a cycle and is refused (FAILED_PRECONDITION naming the chain),
  so every hierarchy is a tree and a roll-up over it ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crm_chassis.errors import FailedPrecondition, InvalidArgument
from crm_deals.domain.text import clean_text

ADDRESS_KINDS = ("billing", "shipping")
NETWORKS = ("linkedin", "twitter", "facebook", "instagram", "xing", "youtube", "github", "other")
MAX_DEPTH = 50  # deeper than any real group; bounds the walk up a chain
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class PostalAddress:
    kind: str
    street: str
    city: str
    postal_code: str = ""
    region: str = ""
    country: str = ""


@dataclass(frozen=True)
class SocialProfile:
    network: str
    url: str


def check_addresses(addresses: list[PostalAddress]) -> tuple[PostalAddress, ...]:
    """Cleaned addresses, one per kind, in the order billing, shipping."""
    by_kind: dict[str, PostalAddress] = {}
    for i, a in enumerate(addresses):
        where = f"addresses[{i}]"
        if a.kind not in ADDRESS_KINDS:
            raise InvalidArgument(
                f"{where}.kind must be one of {', '.join(ADDRESS_KINDS)}; got {a.kind!r}",
                field=f"{where}.kind",
            )
        if a.kind in by_kind:
            raise InvalidArgument(
                f"two {a.kind} addresses: an account has at most one of each kind",
                field=f"{where}.kind",
            )
        country = (a.country or "").strip().upper()
        if not _COUNTRY.match(country):
            raise InvalidArgument(
                f"{where}.country must be a two-letter ISO country code such as DE; "
                f"got {a.country!r}",
                field=f"{where}.country",
            )
        by_kind[a.kind] = PostalAddress(
            kind=a.kind,
            street=clean_text(a.street, f"{where}.street", max_length=300, required=True),
            city=clean_text(a.city, f"{where}.city", max_length=100, required=True),
            postal_code=clean_text(a.postal_code, f"{where}.postal_code", max_length=20),
            region=clean_text(a.region, f"{where}.region", max_length=100),
            country=country,
        )
    return tuple(by_kind[k] for k in ADDRESS_KINDS if k in by_kind)


def check_social_profiles(profiles: list[SocialProfile]) -> tuple[SocialProfile, ...]:
    seen: dict[str, SocialProfile] = {}
    for i, p in enumerate(profiles):
        where = f"social_profiles[{i}]"
        network = (p.network or "").strip().lower()
        if network not in NETWORKS:
            raise InvalidArgument(
                f"{where}.network must be one of {', '.join(NETWORKS)}; got {p.network!r}",
                field=f"{where}.network",
            )
        if network in seen:
            raise InvalidArgument(
                f"two {network} profiles: an account has one per network",
                field=f"{where}.network",
            )
        url = clean_text(p.url, f"{where}.url", max_length=500, required=True)
        if not url.startswith("https://") or " " in url:
            raise InvalidArgument(
                f"{where}.url must be an https:// address; got {url!r}", field=f"{where}.url"
            )
        seen[network] = SocialProfile(network, url)
    return tuple(seen.values())


def check_parent(account_id: str, account_name: str, chain: list[tuple[str, str]]) -> None:
    """Refuse a parent that would make a cycle. ``chain`` is the proposed parent followed by its
    ancestors, as (id, name), nearest first."""
    names = []
    for ancestor_id, name in chain:
        names.append(repr(name))
        if ancestor_id == account_id:
            path = " -> ".join(names)
            raise FailedPrecondition(
                f"account {account_name!r} cannot be placed under {names[0]}: {path} already "
                "sits below it, and a hierarchy may not loop; move that account first",
                field="parent_account_id",
            )
    if len(chain) > MAX_DEPTH:
        raise FailedPrecondition(
            f"an account hierarchy is at most {MAX_DEPTH} levels deep", field="parent_account_id"
        )
