"""The Pricing port over catalog's PricingService.PriceQuote (gRPC, service token).

Mapping (docs/services/deals.md): ``extended_amount`` -> line total, ``totals.net_amount`` ->
total, per-line errors -> ValidationErrors naming ``lines[i]``; catalog unreachable or an answer
that is not exact money -> Unavailable (catalog's fault, not the caller's). Deals never
recomputes or rounds catalog's figures; the use case checks they add up.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import grpc

from crm.catalog.v1 import pricing_pb2, pricing_pb2_grpc
from crm_chassis.errors import CrmError, InvalidArgument, Unavailable, ValidationErrors
from crm_chassis.wire.money import from_proto
from crm_deals.domain.money import Money
from crm_deals.domain.pricing import LineRequest, PricedLine, PricedQuote
from crm_deals.service_layer.ports import Pricing, PricingContext

# Answers of catalog that are about the request (the user can act on them).
_CALLER_FAULTS = {
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION,
}


def _money(message, what: str) -> Money:
    try:
        return Money(*from_proto(message, what, allow_negative=True))
    except CrmError:
        raise Unavailable(
            f"catalog answered {what} {message.amount!r} {message.currency!r}, "
            "which is not an exact amount of that currency"
        ) from None


class CatalogPricing(Pricing):
    def __init__(self, channel: grpc.Channel, timeout_seconds: float):
        self._stub = pricing_pb2_grpc.PricingServiceStub(channel)
        self._timeout = timeout_seconds

    def price(self, lines: list[LineRequest], context: PricingContext) -> PricedQuote:
        request = pricing_pb2.PriceQuoteRequest(
            # format(..., "f"): str(Decimal("1E+1")) is "1E+1", which catalog refuses.
            lines=[
                pricing_pb2.QuoteLineInput(
                    product_id=line.product_id,
                    unit=line.unit,
                    quantity=format(line.quantity, "f"),
                    existing_line=line.existing,
                )
                for line in lines
            ],
            context=pricing_pb2.PricingContext(
                price_list_id=context.price_list_id,
                sales_line_id=context.sales_line_id,
                account_id=context.account_id,
                pricing_date=context.pricing_date.isoformat(),
                currency=context.currency,
            ),
        )
        try:
            answer = self._stub.PriceQuote(request, timeout=self._timeout)
        except grpc.RpcError as exc:
            if exc.code() in _CALLER_FAULTS:
                raise InvalidArgument(
                    f"catalog cannot price these lines: {exc.details()}", field="lines"
                ) from None
            raise Unavailable(
                f"catalog's pricing is unavailable ({exc.code().name}: "
                f"{exc.details()}); try again shortly"
            ) from None
        return self._priced(answer)

    @staticmethod
    def _priced(answer: pricing_pb2.PriceQuoteResponse) -> PricedQuote:
        problems = [
            (
                f"lines[{line.index}]" + (f".{line.error.field}" if line.error.field else ""),
                line.error.message or pricing_pb2.LineErrorCode.Name(line.error.code),
            )
            for line in answer.lines
            if line.HasField("error") and line.error.code
        ]
        if problems:
            raise ValidationErrors(problems)
        if not answer.complete:
            raise Unavailable("catalog's pricing answer is incomplete; try again shortly")
        priced = []
        for line in answer.lines:
            try:
                quantity = Decimal(line.quantity)
            except InvalidOperation:
                raise Unavailable(f"catalog answered quantity {line.quantity!r}") from None
            priced.append(
                PricedLine(
                    product_id=line.product_id,
                    description=line.product_name,
                    quantity=quantity,
                    unit_price=_money(line.unit_price, "unit price"),
                    discount=_money(line.discount, "discount"),
                    line_total=_money(line.extended_amount, "line total"),
                    unit=line.unit,
                )
            )
        price_lists = {line.price_list_id for line in answer.lines if line.price_list_id}
        return PricedQuote(
            currency=answer.currency,
            lines=tuple(priced),
            total=_money(answer.totals.net_amount, "total"),
            price_list_id=price_lists.pop() if len(price_lists) == 1 else "",
        )
