"""A service process freezes its start-up heap and raises the collector's young threshold."""

import gc

import pytest

from crm_chassis.gc_tuning import DEFAULT_GEN0_THRESHOLD, tune_for_service


@pytest.fixture(autouse=True)
def _restore_the_collector():
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_the_default_raises_the_young_threshold_and_freezes_what_lives():
    _, gen1, gen2 = gc.get_threshold()
    kept = [object() for _ in range(10)] + [[] for _ in range(10)]
    assert tune_for_service({}) == (DEFAULT_GEN0_THRESHOLD, gen1, gen2)
    assert gc.get_freeze_count() >= len(kept) // 2


def test_a_chosen_threshold_and_zero_for_cpythons_defaults():
    assert tune_for_service({"CRM_GC_GEN0_THRESHOLD": "12000"})[0] == 12000
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    assert tune_for_service({"CRM_GC_GEN0_THRESHOLD": "0"}) == (700, 10, 10)
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("raw", ["many", "-1", "1.5"])
def test_a_threshold_that_is_no_count_is_refused_with_the_variable_named(raw):
    with pytest.raises(ValueError, match="CRM_GC_GEN0_THRESHOLD"):
        tune_for_service({"CRM_GC_GEN0_THRESHOLD": raw})
