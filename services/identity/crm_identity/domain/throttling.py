"""Login throttling against password guessing, per normalised e-mail.

Rule: when 5 failed logins for one e-mail fall within 15 minutes, the e-mail is locked for 15
minutes from the 5th of them. While locked, logins are refused with RESOURCE_EXHAUSTED and the
seconds to wait, the password is not checked and the attempt is not counted (so an attacker
cannot extend the lock forever, and the owner can log in 15 minutes later). A successful login
clears the failures. Unknown e-mails are counted the same way, so the answer never tells
whether an account exists. The lock is per e-mail, not per client address: it limits guessing
one account's password to 5 tries per 15 minutes whatever the attacker's number of addresses.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5
    window: dt.timedelta = dt.timedelta(minutes=15)
    lockout: dt.timedelta = dt.timedelta(minutes=15)

    @property
    def lookback(self) -> dt.timedelta:
        """How far back failures can still matter (a lock started window+lockout ago ends now)."""
        return self.window + self.lockout

    def locked_until(self, failures: list[dt.datetime], now: dt.datetime) -> dt.datetime | None:
        """End of the current lock given the failure times, or None when not locked."""
        window: list[dt.datetime] = []
        lock_end: dt.datetime | None = None
        for at in sorted(failures):
            if lock_end is not None and at < lock_end:
                continue  # attempts during a lock are not counted (and normally not recorded)
            window = [t for t in window if at - t < self.window] + [at]
            if len(window) >= self.max_failures:
                lock_end, window = at + self.lockout, []
        return lock_end if lock_end is not None and lock_end > now else None

    def retry_after_seconds(self, locked_until: dt.datetime, now: dt.datetime) -> int:
        return max(1, int((locked_until - now).total_seconds() + 0.999))
