"""ExchangeRateService servicer: request in, use case, message out (currencies and dated
exchange rates). Errors are CrmErrors raised by the use cases."""

from __future__ import annotations

from crm.catalog.v1 import exchange_rates_pb2, exchange_rates_pb2_grpc
from crm_catalog.adapters import grpc_mapping
from crm_catalog.service_layer import exchange_rates
from crm_catalog.service_layer.dependencies import Dependencies
from crm_catalog.service_layer.event_messages import exchange_rate_message
from crm_chassis.exchange import Conversion
from crm_chassis.wire import money


def _input(message: exchange_rates_pb2.ExchangeRate) -> exchange_rates.RateInput:
    return exchange_rates.RateInput(
        base=message.base,
        quote=message.quote,
        effective_on=message.effective_on,
        rate=message.rate,
        source=message.source,
    )


def conversion_message(conversion: Conversion) -> exchange_rates_pb2.ConvertAmountResponse:
    return exchange_rates_pb2.ConvertAmountResponse(
        converted=money.to_proto(conversion.converted, conversion.to),
        rate=f"{conversion.rate.normalize():f}",
        rate_date=conversion.rate_date.isoformat() if conversion.rate_date else "",
        inverse=conversion.inverse,
        source=conversion.source,
        explanation=conversion.explain(),
    )


class ExchangeRateServicer(exchange_rates_pb2_grpc.ExchangeRateServiceServicer):
    def __init__(self, deps: Dependencies):
        self.deps = deps

    def ListCurrencies(self, request, context):
        rows = exchange_rates.list_currencies(self.deps, grpc_mapping.caller())
        return exchange_rates_pb2.ListCurrenciesResponse(
            currencies=[
                exchange_rates_pb2.Currency(code=code, minor_units=digits, withdrawn=withdrawn)
                for code, digits, withdrawn in rows
            ]
        )

    def SetExchangeRate(self, request, context):
        rate, changed = exchange_rates.set_exchange_rate(
            self.deps, grpc_mapping.caller(), rate=_input(request.rate)
        )
        return exchange_rates_pb2.SetExchangeRateResponse(
            rate=exchange_rate_message(rate), changed=changed
        )

    def ImportExchangeRates(self, request, context):
        changed, unchanged = exchange_rates.import_exchange_rates(
            self.deps, grpc_mapping.caller(), rates=[_input(rate) for rate in request.rates]
        )
        return exchange_rates_pb2.ImportExchangeRatesResponse(changed=changed, unchanged=unchanged)

    def ListExchangeRates(self, request, context):
        page = exchange_rates.list_exchange_rates(
            self.deps,
            grpc_mapping.caller(),
            base=request.base,
            quote=request.quote,
            from_date=request.from_date,
            to_date=request.to_date,
            page_size=request.page.page_size,
            cursor=request.page.cursor,
        )
        response = exchange_rates_pb2.ListExchangeRatesResponse(
            rates=[exchange_rate_message(rate) for rate in page.items]
        )
        response.page.next_cursor = page.next_cursor
        return response

    def ConvertAmount(self, request, context):
        conversion = exchange_rates.convert_amount(
            self.deps,
            grpc_mapping.caller(),
            amount=request.amount.amount,
            currency=request.amount.currency,
            to_currency=request.to_currency,
            on=request.on,
        )
        return conversion_message(conversion)
