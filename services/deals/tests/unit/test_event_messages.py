"""Event message helpers give what protobuf's own conversions give."""

from __future__ import annotations

import datetime as dt

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from crm_deals.service_layer.event_messages import ts


@pytest.mark.parametrize(
    "when",
    [
        dt.datetime(2019, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 7, 22, 50, 1, 123456, tzinfo=dt.UTC),
        dt.datetime(
            2021, 3, 28, 2, 30, 0, 5, tzinfo=dt.timezone(dt.timedelta(hours=3, minutes=30))
        ),
        dt.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
        dt.datetime(1, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2020, 2, 29, 12, 0, 0, 250000),  # naive: UTC, as FromDatetime takes it
    ],
)
def test_ts_is_the_timestamp_from_datetime_gives(when):
    expected = Timestamp()
    expected.FromDatetime(when)
    assert ts(when) == expected


def test_ts_of_nothing_is_nothing():
    assert ts(None) is None
