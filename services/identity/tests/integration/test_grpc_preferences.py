"""UpdateOwnPreferences and WhoAmI's preferences through a real channel and the chassis server:
stored for the caller only, validated (INVALID_ARGUMENT naming the field), no event."""

import grpc
import pytest
from google.protobuf import field_mask_pb2
from sqlalchemy import select

from crm.identity.v1 import auth_pb2, users_pb2
from crm_identity.adapters import orm

pytestmark = pytest.mark.integration
SC = grpc.StatusCode


def update(client, token, language="", time_zone="", paths=()):
    return client.call(
        client.users.UpdateOwnPreferences,
        users_pb2.UpdateOwnPreferencesRequest(
            preferences=users_pb2.Preferences(language=language, time_zone=time_zone),
            update_mask=field_mask_pb2.FieldMask(paths=list(paths)),
        ),
        token,
    )


def who(client, token):
    return client.call(client.auth.WhoAmI, auth_pb2.WhoAmIRequest(), token)


def test_a_person_saves_their_preferences_and_gets_them_back_at_every_sign_in(
    client, new_user, engine
):
    user, password = new_user()
    first = client.login(user.email, password).access_token
    assert who(client, first).preferences == users_pb2.Preferences()
    saved = update(client, first, "fa", "Asia/Tehran")
    assert (saved.language, saved.time_zone) == ("fa", "Asia/Tehran")
    later = client.login(user.email, password).access_token  # another browser, another session
    me = who(client, later)
    assert (me.preferences.language, me.preferences.time_zone) == ("fa", "Asia/Tehran")
    only_zone = update(client, later, time_zone="Europe/Berlin", paths=["time_zone"])
    assert (only_zone.language, only_zone.time_zone) == ("fa", "Europe/Berlin")
    with engine.connect() as conn:  # the user's own business: no event, no new version
        events = conn.execute(
            select(orm.outbox.c.event_type).where(orm.outbox.c.aggregate_id == user.id)
        ).all()
        version = conn.execute(select(orm.users.c.version).where(orm.users.c.id == user.id))
        assert [e.event_type for e in events] == ["user_created"]
        assert version.scalar_one() == 1


@pytest.mark.parametrize(
    "language, time_zone, paths, field",
    [
        ("de", "", (), "language"),
        ("fa", "Mars/Olympus", (), "time_zone"),
        ("fa", "/etc/passwd", (), "time_zone"),
        ("fa", "", ("calendar",), "update_mask"),
    ],
)
def test_an_unknown_language_or_zone_is_invalid_argument(
    client, new_user, expect_error, trailing, language, time_zone, paths, field
):
    user, password = new_user()
    token = client.login(user.email, password).access_token
    update(client, token, "he", "Asia/Jerusalem")
    err = expect_error(update, client, token, language, time_zone, paths)
    assert err.code() == SC.INVALID_ARGUMENT and trailing(err)["x-error-field"] == field
    assert err.details().startswith(field)
    me = who(client, token)
    assert (me.preferences.language, me.preferences.time_zone) == ("he", "Asia/Jerusalem")


def test_only_the_person_themself(client, new_user, admin_token, expect_error):
    ann, ann_password = new_user()
    bob, bob_password = new_user()
    update(client, client.login(ann.email, ann_password).access_token, "fa", "Asia/Tehran")
    # an administrator's call changes the administrator's own preferences, never Ann's
    update(client, admin_token, "he")
    bob_token = client.login(bob.email, bob_password).access_token
    assert who(client, bob_token).preferences == users_pb2.Preferences()
    ann_again = who(client, client.login(ann.email, ann_password).access_token)
    assert (ann_again.preferences.language, ann_again.preferences.time_zone) == (
        "fa",
        "Asia/Tehran",
    )
    update(client, admin_token, "", paths=["language"])
    assert expect_error(update, client, None, "fa").code() == SC.UNAUTHENTICATED
