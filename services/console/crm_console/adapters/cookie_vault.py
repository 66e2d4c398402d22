"""The session inside an encrypted, authenticated cookie (Fernet: AES-128-CBC + HMAC-SHA256).

The browser holds the session but cannot read or change it: the tokens in it never reach the
page's JavaScript (the cookie is also HttpOnly), and a changed cookie is refused as a whole.
Every console replica opens the cookies of the others when they share ``session_key``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from crm_console.domain.session import Person, Session, Tokens


class CookieVault:
    def __init__(self, key: str, max_age_seconds: int) -> None:
        self._fernet = Fernet(key.encode() if key else Fernet.generate_key())
        self.max_age_seconds = max_age_seconds

    def seal(self, session: Session) -> str:
        return self._fernet.encrypt(json.dumps(_to_json(session)).encode()).decode()

    def open(self, sealed: str) -> Session | None:
        """The session, or None for a cookie that is missing, changed, expired or not ours."""
        if not sealed:
            return None
        try:
            data = self._fernet.decrypt(sealed.encode(), ttl=self.max_age_seconds)
            return _from_json(json.loads(data))
        except (InvalidToken, ValueError, KeyError, TypeError):
            return None


def _to_json(session: Session) -> dict[str, Any]:
    t, p = session.tokens, session.person
    return {
        "p": [p.user_id, p.email, p.display_name, list(p.roles)],
        "a": t.access_token,
        "ae": t.access_expires_at.isoformat(),
        "r": t.refresh_token,
        "re": t.refresh_expires_at.isoformat(),
        "c": session.csrf_token,
    }


def _from_json(data: dict[str, Any]) -> Session:
    user_id, email, display_name, roles = data["p"]
    return Session(
        person=Person(user_id=user_id, email=email, display_name=display_name, roles=tuple(roles)),
        tokens=Tokens(
            access_token=data["a"],
            access_expires_at=dt.datetime.fromisoformat(data["ae"]),
            refresh_token=data["r"],
            refresh_expires_at=dt.datetime.fromisoformat(data["re"]),
        ),
        csrf_token=data["c"],
    )
