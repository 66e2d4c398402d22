import datetime as dt

import pytest

from crm_chassis.errors import InvalidArgument
from crm_identity.domain.service_accounts import ServiceAccount, validate_name
from crm_identity.domain.signing_keys import MAX_ACCESS_TOKEN_TTL, SigningKey

T = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
PERIOD = dt.timedelta(days=30)


def test_rotation_is_due_at_the_rotation_period():
    key = SigningKey(kid="k", private_key_pem="p", public_key_pem="q", created_at=T)
    assert not key.rotation_due(PERIOD, T + dt.timedelta(days=29, hours=23))
    assert key.rotation_due(PERIOD, T + PERIOD)


def test_retired_key_stays_verifiable_for_the_max_token_ttl():
    key = SigningKey(kid="k", private_key_pem="p", public_key_pem="q", created_at=T)
    retired = T + PERIOD
    key.retire(retired)
    assert not key.active and not key.rotation_due(PERIOD, retired + PERIOD)
    assert key.verify_until(PERIOD, retired) == retired + MAX_ACCESS_TOKEN_TTL
    assert key.verifiable(PERIOD, retired + dt.timedelta(minutes=14))
    assert not key.verifiable(PERIOD, retired + dt.timedelta(minutes=15))


def test_active_key_is_verifiable_even_when_rotation_is_late():
    key = SigningKey(kid="k", private_key_pem="p", public_key_pem="q", created_at=T)
    late = T + PERIOD * 2
    assert key.verifiable(PERIOD, late)
    assert key.verify_until(PERIOD, late) == late + MAX_ACCESS_TOKEN_TTL


@pytest.mark.parametrize("name", ["", "Territory", "-x", "x-", "a_b", "x" * 101])
def test_bad_service_account_names(name):
    with pytest.raises(InvalidArgument) as err:
        validate_name(name)
    assert err.value.field == "name"


def test_service_account_client_id_names_the_service():
    account = ServiceAccount.create(name="territory", secret_hash="h", now=T)
    assert account.client_id.startswith("svc-territory-") and len(account.client_id) == 22
    assert account.display_name == "service territory"
