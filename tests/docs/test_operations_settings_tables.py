"""docs/operations.md lists every setting of every service as the code declares it (the tables are
generated with `python -m crm_chassis.settings [<service>]`; regenerate them when this fails)."""

from pathlib import Path

import pytest

from crm_chassis import manifest, settings

DOC = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()


def test_the_common_table_is_current():
    assert settings.describe(settings.ServiceSettings, "<service>") in DOC


@pytest.mark.parametrize("service", [m.name for m in manifest.discover()])
def test_each_services_own_table_is_current(service):
    table = settings.describe_own(settings.settings_class_of(service), service)
    assert f"### {service} (its own fields)\n\n{table}\n" in DOC, (
        f"regenerate the {service} table: python -m crm_chassis.settings {service}"
    )
