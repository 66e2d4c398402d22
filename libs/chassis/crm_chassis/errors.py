"""Error types a use case raises; the gRPC edge maps each to one status code.

They are plain Python (no gRPC import) so domain and application layers can raise them.
The message must be one a person can act on: it is returned to the caller as is.
"""

from __future__ import annotations

from typing import Any


class CrmError(Exception):
    """Base of every expected, user-facing error. ``code`` names the gRPC status."""

    code = "INTERNAL"

    def __init__(
        self, message: str, *, field: str | None = None, details: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class InvalidArgument(CrmError):
    code = "INVALID_ARGUMENT"


class NotFound(CrmError):
    code = "NOT_FOUND"


class AlreadyExists(CrmError):
    code = "ALREADY_EXISTS"


class PermissionDenied(CrmError):
    code = "PERMISSION_DENIED"


class Unauthenticated(CrmError):
    code = "UNAUTHENTICATED"


class FailedPrecondition(CrmError):
    code = "FAILED_PRECONDITION"


class ResourceExhausted(CrmError):
    """Too many attempts; ``retry_after_seconds`` tells the caller when to try again."""

    code = "RESOURCE_EXHAUSTED"

    def __init__(self, message: str, *, retry_after_seconds: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after_seconds = retry_after_seconds
        self.details.setdefault("retry_after_seconds", str(retry_after_seconds))


class Unavailable(CrmError):
    """A dependency (database, broker, another service) cannot be reached right now."""

    code = "UNAVAILABLE"


class Aborted(CrmError):
    """A concurrent change won (a deadlock or serialization failure was rolled back): the whole
    request may simply be retried."""

    code = "ABORTED"


class ValidationErrors(InvalidArgument):
    """Several invalid fields at once, so a form can show every problem in one round trip."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = list(problems)
        message = "; ".join(f"{field}: {reason}" for field, reason in self.problems)
        super().__init__(
            message,
            field=self.problems[0][0] if self.problems else None,
            details={field: reason for field, reason in self.problems},
        )
