"""The conversion saga of one lead, as a state machine.

    REQUESTED --dispatch--> CONVERTING --deals confirms--> CONVERTED
                                |  \\--deals refuses for good--> FAILED (lead back to QUALIFIED)
                 deals fails / no answer before the deadline
                                v
                          FAILED_RETRYING --dispatch when due (or on demand)--> CONVERTING

Deals creates account, contact and opportunity in one transaction and is idempotent by
``conversion_id``, so re-sending a request after a timeout can never create them twice; the
saga is therefore never half-done, only done, pending (visible with its attempts and last
error) or refused.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, replace

from crm_chassis.errors import FailedPrecondition
from crm_leads.domain.values import Money


class ConversionState(enum.Enum):
    REQUESTED = "requested"
    CONVERTING = "converting"
    CONVERTED = "converted"
    FAILED_RETRYING = "failed_retrying"
    FAILED = "failed"


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait for deals, and how to space attempts (exponential, capped)."""

    reply_timeout: dt.timedelta = dt.timedelta(minutes=2)
    first_backoff: dt.timedelta = dt.timedelta(seconds=30)
    max_backoff: dt.timedelta = dt.timedelta(minutes=30)

    def backoff(self, attempts: int) -> dt.timedelta:
        return min(self.first_backoff * int(2 ** max(0, attempts - 1)), self.max_backoff)


DEFAULT_RETRY_POLICY = RetryPolicy()


@dataclass(frozen=True)
class ConversionRequest:
    """What the person converting asked for."""

    link_account_id: str = ""
    opportunity_name: str = ""
    expected_amount: Money | None = None
    expected_close: dt.datetime | None = None


@dataclass(frozen=True)
class Conversion:
    conversion_id: str
    request: ConversionRequest
    requested_at: dt.datetime
    state: ConversionState = ConversionState.REQUESTED
    attempts: int = 0
    last_error: str = ""
    next_attempt_at: dt.datetime | None = None
    account_id: str = ""
    contact_id: str = ""
    opportunity_id: str = ""
    completed_at: dt.datetime | None = None

    @property
    def pending(self) -> bool:
        return self.state in (
            ConversionState.REQUESTED,
            ConversionState.CONVERTING,
            ConversionState.FAILED_RETRYING,
        )

    def is_due(self, now: dt.datetime) -> bool:
        """True when the background retrier should (re)send it now."""
        if self.state is ConversionState.REQUESTED:
            return True
        if self.state in (ConversionState.CONVERTING, ConversionState.FAILED_RETRYING):
            return self.next_attempt_at is not None and self.next_attempt_at <= now
        return False

    def dispatch(self, now: dt.datetime, policy: RetryPolicy = DEFAULT_RETRY_POLICY) -> Conversion:
        if not self.pending:
            raise FailedPrecondition(
                f"conversion {self.conversion_id} is {self.state.value}; there is nothing to send"
            )
        return replace(
            self,
            state=ConversionState.CONVERTING,
            attempts=self.attempts + 1,
            next_attempt_at=now + policy.reply_timeout,
        )

    def timed_out(self, now: dt.datetime, policy: RetryPolicy = DEFAULT_RETRY_POLICY) -> Conversion:
        return self.failed(
            f"deals did not answer attempt {self.attempts} within "
            f"{int(policy.reply_timeout.total_seconds())} s",
            now,
            policy=policy,
        )

    def failed(
        self,
        error: str,
        now: dt.datetime,
        *,
        permanent: bool = False,
        policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    ) -> Conversion:
        if not self.pending:
            raise FailedPrecondition(f"conversion {self.conversion_id} is {self.state.value}")
        if permanent:
            return replace(
                self,
                state=ConversionState.FAILED,
                last_error=error,
                next_attempt_at=None,
                completed_at=now,
            )
        return replace(
            self,
            state=ConversionState.FAILED_RETRYING,
            last_error=error,
            next_attempt_at=now + policy.backoff(self.attempts),
        )

    def succeeded(
        self, *, account_id: str, contact_id: str, opportunity_id: str, now: dt.datetime
    ) -> Conversion:
        if not self.pending:
            raise FailedPrecondition(f"conversion {self.conversion_id} is {self.state.value}")
        missing = [
            name
            for name, value in (
                ("account_id", account_id),
                ("contact_id", contact_id),
                ("opportunity_id", opportunity_id),
            )
            if not value
        ]
        if missing:
            raise FailedPrecondition(
                f"deals confirmed conversion {self.conversion_id} without {', '.join(missing)}"
            )
        return replace(
            self,
            state=ConversionState.CONVERTED,
            account_id=account_id,
            contact_id=contact_id,
            opportunity_id=opportunity_id,
            last_error="",
            next_attempt_at=None,
            completed_at=now,
        )
