"""Throttling of secret guessing (passwords at Login / ChangeOwnPassword, client secrets at
IssueServiceToken) that a stranger cannot turn against the account's owner.

Two rules, both counted on failed attempts only (a success clears its own address's failures):

- **per (account, client address), exponential backoff.** ``free_failures`` (5) failures from
  one address cost nothing; from then on each failure makes that address wait
  ``base_delay * 2^(n - free_failures)`` after it (5 s, 10 s, 20 s ... at most ``max_delay``,
  15 min). Failures older than ``address_memory`` (1 h) are forgotten. One address can so try
  about 16 secrets in its first hour and 4 an hour afterwards. The owner's own address is
  another key: a stranger's failures never make the owner wait.
- **per account across every address, a ceiling.** When ``account_limit`` (100) failures fall
  within ``account_window`` (1 h), every address waits until the oldest of them leaves the
  window. A single address cannot reach it (≈16 an hour): only a guesser with many addresses
  can, and then the account is shielded from the distributed guessing at the price of its owner
  waiting too — the alert ``IdentityAccountGuessedFromManyAddresses`` pages someone.

While an address or the account waits, attempts are refused with RESOURCE_EXHAUSTED and the
seconds to wait, the secret is not checked and the attempt is not counted. Unknown accounts are
counted the same way, so the answer never tells whether an account exists.

Addresses: IPv4 as is; IPv6 by its /64 prefix (one subscriber usually holds a whole /64, so
counting single IPv6 addresses would give a guesser 2^64 fresh keys).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

PASSWORD = "password"  # Login, ChangeOwnPassword: the account key is the e-mail key
CLIENT_SECRET = "client_secret"  # IssueServiceToken: the account key is the client id
CREDENTIALS = (PASSWORD, CLIENT_SECRET)

ADDRESS = "address"  # scope of a refusal: this (account, address) pair backs off
ACCOUNT = "account"  # scope of a refusal: the account's ceiling across addresses
UNKNOWN_ADDRESS = "unknown"


def address_key(address: str) -> str:
    """The key failures are counted under: an IPv4 address, an IPv6 /64, or the raw text."""
    text = (address or "").strip()
    if not text:
        return UNKNOWN_ADDRESS
    try:
        parsed = ipaddress.ip_address(text)
    except ValueError:
        return text[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


@dataclass(frozen=True)
class Failure:
    at: dt.datetime
    address: str  # an address_key


@dataclass(frozen=True)
class Refusal:
    scope: str  # ADDRESS or ACCOUNT
    until: dt.datetime

    def retry_after_seconds(self, now: dt.datetime) -> int:
        return max(1, int((self.until - now).total_seconds() + 0.999))


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int = 5
    base_delay: dt.timedelta = dt.timedelta(seconds=5)
    max_delay: dt.timedelta = dt.timedelta(minutes=15)
    address_memory: dt.timedelta = dt.timedelta(hours=1)
    account_limit: int = 100
    account_window: dt.timedelta = dt.timedelta(hours=1)

    def __post_init__(self) -> None:
        if self.free_failures < 1 or self.account_limit < 1:
            raise ValueError("free_failures and account_limit must be at least 1")

    @property
    def lookback(self) -> dt.timedelta:
        """How far back failures can still matter."""
        return max(self.address_memory, self.account_window)

    def address_wait_until(self, times: list[dt.datetime], now: dt.datetime) -> dt.datetime | None:
        """End of the backoff of one (account, address) given its failure times, or None."""
        recent = sorted(t for t in times if now - t < self.address_memory)
        excess = len(recent) - self.free_failures
        if excess < 0:
            return None
        delay = self.max_delay
        if excess < 32:  # 2^32 base delays exceed any sensible maximum
            delay = min(self.base_delay * (2**excess), self.max_delay)
        until = recent[-1] + delay
        return until if until > now else None

    def account_wait_until(self, times: list[dt.datetime], now: dt.datetime) -> dt.datetime | None:
        """End of the account's refusal (its ceiling across addresses is reached), or None."""
        recent = sorted(t for t in times if now - t < self.account_window)
        if len(recent) < self.account_limit:
            return None
        # Refused until enough failures leave the window to fall below the ceiling.
        return recent[len(recent) - self.account_limit] + self.account_window

    def refusal(self, failures: list[Failure], address: str, now: dt.datetime) -> Refusal | None:
        """Why an attempt from ``address`` (an address_key) must wait now, or None."""
        account_until = self.account_wait_until([f.at for f in failures], now)
        if account_until is not None:
            return Refusal(ACCOUNT, account_until)
        address_until = self.address_wait_until(
            [f.at for f in failures if f.address == address], now
        )
        return Refusal(ADDRESS, address_until) if address_until is not None else None
