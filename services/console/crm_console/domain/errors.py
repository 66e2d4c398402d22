"""What can go wrong when the console asks a service, in words a page can show.

A sentence the console writes itself is a ``Text``: a gettext message id (``T_``; with its plural
and count, ``Tn_``) and its parameters, kept as data so that the domain stays plain Python.
The entrypoint renders it in the person's language (``i18n.say``); ``message`` is the English
sentence. A sentence a service wrote (a refusal's details) is a plain ``str`` and is shown as
the service wrote it. ``T_`` and ``Tn_`` are the catalogue's extraction keywords
(``pybabel extract -F babel.cfg -k T_ -k Tn_:1,2``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

Params = Mapping[str, "str | int"]


@dataclass(frozen=True)
class Text:
    """A console sentence: ``%(name)s`` placeholders filled from ``params``; with a ``plural``,
    the form for ``count`` (also the ``num`` parameter)."""

    msgid: str
    params: Params = field(default_factory=lambda: MappingProxyType({}))
    plural: str = ""
    count: int = 0

    def render(
        self,
        gettext: Callable[[str], str],
        ngettext: Callable[[str, str, int], str],
        value: Callable[[str | int], str] = str,
    ) -> str:
        """The sentence through the language's ``gettext``/``ngettext``; ``value`` writes each
        parameter (numbers in the language's digits)."""
        params = {key: value(v) for key, v in self.params.items()}
        if self.plural:
            params["num"] = value(self.count)
            return ngettext(self.msgid, self.plural, self.count) % params
        template = gettext(self.msgid)
        return template % params if params else template

    @property
    def english(self) -> str:
        return self.render(lambda m: m, lambda s, p, n: s if n == 1 else p)


def T_(msgid: str, /, **params: str | int) -> Text:
    """A console sentence to translate (``%(name)s`` placeholders)."""
    return Text(msgid, MappingProxyType(dict(params)))


def Tn_(singular: str, plural: str, count: int, /, **params: str | int) -> Text:
    """A console sentence with a count: its singular and plural (``%(num)s`` is the count)."""
    return Text(singular, MappingProxyType(dict(params)), plural, count)


class ConsoleError(Exception):
    """A refusal a person can act on: a console ``Text`` or the service's own sentence."""

    def __init__(self, message: str | Text, *, field: str = "") -> None:
        self.text = message if isinstance(message, Text) else None
        self.message = message.english if isinstance(message, Text) else message
        super().__init__(self.message)
        self.field = field


class WrongCredentials(ConsoleError):
    pass


class AccountLocked(ConsoleError):
    def __init__(self, message: str | Text, retry_after_seconds: int) -> None:
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
