"""identity's records as rows to print."""

from __future__ import annotations

from crm.identity.v1 import auth_pb2, users_pb2
from crmctl.output import message_to_dict
from crmctl.wire import enum_word


def user_row(user: users_pb2.User) -> dict:
    row = message_to_dict(user)
    row["status"] = enum_word(users_pb2.User.Status, user.status)
    return row


def signing_key_row(state: auth_pb2.SigningKeyState) -> dict:
    key = state.key
    if state.HasField("withdrawn_at"):
        name = "withdrawn"
    elif key.active:
        name = "active"
    else:
        name = "retired" + ("" if state.published else " (expired)")
    as_dict = message_to_dict(state)
    return {
        "kid": key.kid,
        "state": name,
        "created_at": as_dict["key"].get("created_at", ""),
        "retired_at": as_dict.get("retired_at", ""),
        "withdrawn_at": as_dict.get("withdrawn_at", ""),
        "verify_until": as_dict["key"].get("verify_until", "") if state.published else "",
        "published": state.published,
    }
