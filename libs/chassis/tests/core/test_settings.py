import pytest

from crm_chassis.settings import (
    ServiceSettings,
    SettingsError,
    StartupRefused,
    check_startup,
    describe,
)


def test_service_specific_variable_wins_over_shared_one():
    env = {
        "CRM_AMQP_URL": "amqp://shared",
        "CRM_IDENTITY_AMQP_URL": "amqp://own",
        "CRM_GRPC_PORT": "6000",
    }
    settings = ServiceSettings.load("identity", env=env)
    assert settings.amqp_url == "amqp://own"
    assert settings.grpc_port == 6000
    assert settings.grpc_bind == "127.0.0.1:6000"
    assert settings.events_exchange == "identity.events"


def test_default_database_is_a_sqlite_file_per_service_in_the_data_dir(tmp_path):
    settings = ServiceSettings.load(
        "deals", env={"CRM_ENV": "local", "CRM_DATA_DIR": str(tmp_path)}
    )
    assert settings.database_url == f"sqlite:///{tmp_path}/deals.db"


def test_badly_typed_value_names_the_variable():
    with pytest.raises(SettingsError, match="CRM_IDENTITY_GRPC_PORT"):
        ServiceSettings.load("identity", env={"CRM_IDENTITY_GRPC_PORT": "fifty"})


def test_bool_parsing_refuses_garbage():
    from dataclasses import dataclass

    from crm_chassis.settings import setting

    @dataclass(frozen=True)
    class WithFlag(ServiceSettings):
        feature: bool = setting(False, "a flag")

    assert WithFlag.load("x", env={"CRM_FEATURE": "yes"}).feature is True
    with pytest.raises(SettingsError):
        WithFlag.load("x", env={"CRM_FEATURE": "maybe"})


def test_redacted_hides_secrets_and_database_credentials():
    settings = ServiceSettings.load(
        "identity",
        env={
            "CRM_AMQP_URL": "amqp://u:p@host/",
            "CRM_IDENTITY_DATABASE_URL": "postgresql://u:pw@db/x",
            "CRM_SERVICE_CLIENT_SECRET": "s3cret",
        },
    )
    shown = settings.redacted()
    assert shown["amqp_url"] == "***" and shown["service_client_secret"] == "***"
    assert "pw" not in shown["database_url"] and shown["database_url"].endswith("@db/x")


def test_describe_documents_every_setting():
    table = describe(ServiceSettings, "identity")
    assert "CRM_IDENTITY_DATABASE_URL" in table and "CRM_AMQP_URL" in table


def test_local_and_test_runs_fall_back_to_sqlite_and_may_start(tmp_path):
    for environment in ("local", "test"):
        settings = ServiceSettings.load(
            "deals", env={"CRM_ENV": environment, "CRM_DATA_DIR": str(tmp_path)}
        )
        assert settings.environment == environment
        assert settings.database_url == f"sqlite:///{tmp_path}/deals.db"
        assert settings.startup_problems("api") == []


def test_production_is_the_default_and_has_no_sqlite_fallback(tmp_path):
    settings = ServiceSettings.load("deals", env={"CRM_DATA_DIR": str(tmp_path)})
    assert settings.environment == "production"
    assert settings.database_url == ""
    with pytest.raises(StartupRefused) as refused:
        check_startup(settings, "worker")
    assert "CRM_DEALS_DATABASE_URL" in str(refused.value)
    assert refused.value.code != 0


def test_production_with_a_database_url_may_start():
    settings = ServiceSettings.load(
        "deals", env={"CRM_ENV": "production", "CRM_DEALS_DATABASE_URL": "postgresql://db/deals"}
    )
    check_startup(settings, "relay")


def test_environment_is_read_from_crm_env_only_and_checked():
    assert ServiceSettings.load("x", env={"CRM_X_ENVIRONMENT": "local"}).environment == "production"
    with pytest.raises(SettingsError, match="CRM_ENV must be one of local, test, production"):
        ServiceSettings.load("x", env={"CRM_ENV": "staging"})


def test_an_empty_database_url_is_refused_by_the_engine_factory():
    from crm_chassis.db import make_engine

    with pytest.raises(ValueError, match="CRM_<SERVICE>_DATABASE_URL"):
        make_engine("")


def test_grpc_limits_must_be_positive_and_name_their_variable():
    with pytest.raises(SettingsError, match="CRM_LEADS_GRPC_MAX_LIST_ITEMS must be at least 1"):
        ServiceSettings.load("leads", env={"CRM_GRPC_MAX_LIST_ITEMS": "0"})
    with pytest.raises(SettingsError, match="CRM_LEADS_GRPC_STREAM_IDLE_SECONDS must be positive"):
        ServiceSettings.load("leads", env={"CRM_LEADS_GRPC_STREAM_IDLE_SECONDS": "0"})


def test_the_database_pool_of_a_process_comes_from_its_settings():
    from crm_chassis.db import make_service_engine

    settings = ServiceSettings.load(
        "deals",
        env={
            "CRM_DEALS_DATABASE_URL": "postgresql+psycopg2://postgres@127.0.0.1:1/none",
            "CRM_DATABASE_POOL_SIZE": "3",
            "CRM_DEALS_DATABASE_MAX_OVERFLOW": "4",
        },
    )
    engine = make_service_engine(settings)  # no connection is opened until the first use
    assert engine.pool.size() == 3
    assert engine.pool._max_overflow == 4  # type: ignore[attr-defined]
    defaults = make_service_engine(
        ServiceSettings.load("deals", env={"CRM_DATABASE_URL": settings.database_url})
    )
    assert (defaults.pool.size(), defaults.pool._max_overflow) == (10, 10)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CRM_DATABASE_POOL_SIZE", "0", "CRM_LEADS_DATABASE_POOL_SIZE must be at least 1"),
        ("CRM_LEADS_DATABASE_MAX_OVERFLOW", "-1", "MAX_OVERFLOW must not be negative"),
    ],
)
def test_a_database_pool_that_cannot_work_is_refused_naming_its_variable(variable, value, message):
    with pytest.raises(SettingsError, match=message):
        ServiceSettings.load("leads", env={variable: value})
