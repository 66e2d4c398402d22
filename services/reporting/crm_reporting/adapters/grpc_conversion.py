"""gRPC translation of the reporting currency (service_layer/conversion.py): a request's
``currency`` in, the ``CurrencyConversion`` (the rates used) out."""

from __future__ import annotations

from typing import Any

from crm.reporting.v1 import reports_pb2 as pb
from crm_reporting.service_layer.conversion import ReportCurrency


def report_currency(request: Any) -> ReportCurrency | None:
    """None when the request names no reporting currency (one total per currency)."""
    return ReportCurrency.of(request.currency)


def conversion(currency: ReportCurrency | None) -> pb.CurrencyConversion | None:
    if currency is None:
        return None
    return pb.CurrencyConversion(
        currency=currency.code,
        rates=[
            pb.AppliedRate(
                currency=r.currency,
                to=r.to,
                rate=f"{r.rate.normalize():f}",
                rate_date=r.rate_date.isoformat(),
                inverse=r.inverse,
                source=r.source,
                amounts=r.amounts,
                explanation=r.explain(),
            )
            for r in currency.rates
        ],
    )


def converted(response: Any, currency: ReportCurrency | None) -> Any:
    """``response`` with its ``conversion`` set (for a report in a reporting currency)."""
    message = conversion(currency)
    if message is not None:
        response.conversion.CopyFrom(message)
    return response
