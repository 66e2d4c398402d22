"""What can go wrong when the console asks a service, in words a page can show."""

from __future__ import annotations


class ConsoleError(Exception):
    """A refusal a person can act on; ``message`` is the service's own sentence."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class WrongCredentials(ConsoleError):
    pass


class AccountLocked(ConsoleError):
    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class SignedOut(ConsoleError):
    """The session cannot be used any more (refresh refused, token revoked): sign in again."""


class NotFound(ConsoleError):
    """Does not exist, or is not visible to the signed-in person: the same page either way."""


class Refused(ConsoleError):
    """The service refused the change (invalid argument, precondition, permission, conflict)."""


class Unavailable(ConsoleError):
    """A service did not answer in time."""
