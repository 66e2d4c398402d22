"""crmctl service-accounts and keys against the fake identity."""

import json


def test_service_accounts_are_created_listed_and_their_roles_replaced(logged_in, identity):
    created = logged_in("service-accounts", "create", "territory", "--role", "read_users")
    assert created.exit_code == 0, created.output
    assert "svc-territory-0000" in created.stdout and "s3cr3t-shown-once" in created.stdout

    listed = logged_in("service-accounts", "list", "-o", "json")
    assert [(a["client_id"], a["roles"]) for a in json.loads(listed.stdout)] == [
        ("svc-territory-0000", ["read_users"])
    ]
    table = logged_in("service-accounts", "list")
    assert "svc-territory-0000" in table.stdout and "read_users" in table.stdout

    changed = logged_in(
        "service-accounts",
        "set-roles",
        "svc-territory-0000",
        "-r",
        "read_users",
        "-r",
        "check_access",
        "-o",
        "json",
    )
    assert json.loads(changed.stdout)["roles"] == ["check_access", "read_users"]
    assert list(identity.service_accounts[0].roles) == ["check_access", "read_users"]


def test_set_roles_of_an_unknown_account_shows_identitys_message(logged_in):
    result = logged_in("service-accounts", "set-roles", "svc-nobody-1")
    assert result.exit_code == 1
    assert "no service account with client id 'svc-nobody-1'" in result.stderr


def test_keys_list_and_withdraw(logged_in, identity):
    listed = logged_in("keys", "list", "-o", "json")
    assert [(k["kid"], k["state"]) for k in json.loads(listed.stdout)] == [("kid-1", "active")]

    refused = logged_in("keys", "withdraw", "kid-1", input="n\n")
    assert refused.exit_code == 1 and identity.signing_keys[0].published

    withdrawn = logged_in("keys", "withdraw", "kid-1", "--yes")
    assert withdrawn.exit_code == 0, withdrawn.output
    assert withdrawn.stdout.strip() == "key kid-1 withdrawn; kid-fresh signs now"
    states = {
        k["kid"]: k["state"] for k in json.loads(logged_in("keys", "list", "-o", "json").stdout)
    }
    assert states == {"kid-1": "withdrawn", "kid-fresh": "active"}
