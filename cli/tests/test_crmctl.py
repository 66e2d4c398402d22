import json
import os
import stat
from datetime import UTC, datetime, timedelta

from crmctl.config import CredentialStore

# The one account of the fake identity (cli/tests/conftest.py).
EMAIL, PASSWORD = "admin@crm.local", "correct horse battery"


def stored(crmctl):
    return CredentialStore(crmctl.config_dir).load()


def test_login_stores_owner_only_credentials(crmctl, identity):
    result = crmctl("login", "--email", EMAIL, "--password-stdin", input=PASSWORD + "\n")

    assert result.exit_code == 0, result.output
    assert f"logged in as {EMAIL}" in result.stdout
    path = crmctl.config_dir / "credentials.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data["access_token"] in identity.valid_access
    assert data["refresh_token"] in identity.valid_refresh


def test_login_prompts_for_email_and_hidden_password(crmctl):
    result = crmctl("login", input=f"{EMAIL}\n{PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output


def test_wrong_password_is_one_error_line_and_exit_1(crmctl):
    result = crmctl("login", "-e", EMAIL, "--password-stdin", input="nope\n")

    assert result.exit_code == 1
    assert result.stderr == "error: UNAUTHENTICATED: wrong e-mail or password\n"
    assert not (crmctl.config_dir / "credentials.json").exists()


def test_lockout_says_when_to_retry(crmctl, identity):
    identity.login_locked_for = 840
    result = crmctl("login", "-e", EMAIL, "--password-stdin", input=PASSWORD + "\n")

    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: RESOURCE_EXHAUSTED: too many failed logins (retry after 840 s)"
    )


def test_whoami_table_and_json(logged_in):
    table = logged_in("whoami")
    as_json = logged_in("--output", "json", "whoami")

    assert table.exit_code == 0, table.output
    assert EMAIL in table.stdout and "admin" in table.stdout
    assert json.loads(as_json.stdout)["subject_id"] == "u-admin"


def test_not_logged_in_says_what_to_do(crmctl):
    result = crmctl("whoami")

    assert result.exit_code == 1
    assert result.stderr.strip() == "error: not logged in: run `crmctl login` first"


def test_users_list_table(logged_in, identity):
    result = logged_in("users", "list")

    assert result.exit_code == 0, result.output
    for user in identity.users:
        assert user.email in result.stdout and user.id in result.stdout
    assert "active" in result.stdout


def test_users_list_json_follows_pages(logged_in, identity):
    result = logged_in("users", "list", "--limit", "0", "-o", "json")

    rows = json.loads(result.stdout)
    assert [r["email"] for r in rows] == [u.email for u in identity.users]
    assert rows[0]["status"] == "active" and rows[0]["version"] == 1


def test_per_command_output_overrides_global(logged_in):
    result = logged_in("--output", "table", "users", "list", "--output", "json")

    assert isinstance(json.loads(result.stdout), list)


def test_user_addressed_by_email(logged_in, identity):
    target = identity.users[1]
    result = logged_in(
        "users", "departments", "set", target.email.upper(), "marketing", "-o", "json"
    )

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["departments"] == ["marketing"]
    assert list(identity.users[1].departments) == ["marketing"]


def test_unknown_email_and_unknown_id(logged_in):
    by_email = logged_in("users", "show", "ghost@crm.local")
    by_id = logged_in("users", "show", "0" * 32)

    assert by_email.exit_code == 1 and by_id.exit_code == 1
    assert by_email.stderr.strip() == "error: no user with e-mail ghost@crm.local"
    assert by_id.stderr.strip() == f"error: NOT_FOUND: no user {'0' * 32}"


def test_server_error_message_is_shown_verbatim(logged_in, identity):
    result = logged_in(
        "users",
        "create",
        "-e",
        identity.users[0].email,
        "-n",
        "Twin",
        "--password-stdin",
        input="secret secret\n",
    )

    assert result.exit_code == 1
    assert (
        result.stderr.strip() == f"error: ALREADY_EXISTS: e-mail {identity.users[0].email} is taken"
    )
    assert "Traceback" not in result.output


def test_expired_access_token_is_refreshed_and_saved(logged_in, identity):
    before = stored(logged_in)
    store = CredentialStore(logged_in.config_dir)
    before.access_token_expires_at = datetime.now(UTC) - timedelta(seconds=1)
    store.save(before)

    result = logged_in("whoami")

    assert result.exit_code == 0, result.output
    after = stored(logged_in)
    assert identity.refresh_calls == 1
    assert after.refresh_token != before.refresh_token
    assert after.access_token in identity.valid_access
    assert logged_in("whoami").exit_code == 0 and identity.refresh_calls == 1


def test_revoked_refresh_token_asks_to_log_in_again(logged_in, identity):
    credentials = stored(logged_in)
    credentials.access_token_expires_at = datetime.now(UTC)
    CredentialStore(logged_in.config_dir).save(credentials)
    identity.valid_refresh.clear()

    result = logged_in("users", "list")

    assert result.exit_code == 1
    assert "session has ended or was revoked: run `crmctl login` first" in result.stderr


def test_logout_revokes_and_forgets(logged_in, identity):
    refresh = stored(logged_in).refresh_token
    result = logged_in("logout")

    assert result.exit_code == 0
    assert identity.logouts == [refresh]
    assert not (logged_in.config_dir / "credentials.json").exists()


def test_unreachable_identity_names_the_address(tmp_path):
    from click.testing import CliRunner

    from crmctl.main import cli

    result = CliRunner().invoke(
        cli,
        ["--identity", "127.0.0.1:1", "login", "-e", EMAIL, "--password-stdin"],
        input="x\n",
        env={"CRMCTL_CONFIG_DIR": str(tmp_path)},
    )

    assert result.exit_code == 1
    assert result.stderr.startswith("error: UNAVAILABLE: cannot reach 127.0.0.1:1")


def test_config_toml_address_is_used(tmp_path, identity):
    from click.testing import CliRunner

    from crmctl.main import cli

    (tmp_path / "config.toml").write_text(f'[services]\nidentity = "{identity.address}"\n')
    result = CliRunner().invoke(
        cli,
        ["login", "-e", EMAIL, "--password-stdin"],
        input=PASSWORD + "\n",
        env={"CRMCTL_CONFIG_DIR": str(tmp_path), "CRM_IDENTITY_ADDRESS": None},
    )

    assert result.exit_code == 0, result.output
