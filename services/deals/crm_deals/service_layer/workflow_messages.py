"""The records and events of the line workflows (contracts, pro-forma invoices) and of invoice
payments, as protobuf messages (contracts.proto, events.proto); same rules as event_messages.py.
"""

from __future__ import annotations

import datetime as dt

from crm.deals.v1 import contracts_pb2, events_pb2
from crm_deals.domain import billing, contracts, proformas
from crm_deals.service_layer.event_messages import (
    _number,
    day,
    invoice,
    invoice_payment,
    money,
    priced_line,
    set_fields,
    ts,
)


def contract(c: contracts.Contract) -> contracts_pb2.Contract:
    message = set_fields(
        contracts_pb2.Contract(),
        id=c.id,
        opportunity_id=c.opportunity_id,
        account_id=c.account_id,
        team_id=c.team_id,
        terms=c.terms,
        value=money(c.value),
        start_date=day(c.start_date),
        end_date=day(c.end_date),
        renewal_date=day(c.renewal_date),
        notice_days=c.notice_days,
        status=_number(contracts_pb2.ContractStatus, c.status),
        signed_on=day(c.signed_on),
        signed_by=c.signed_by,
        cancel_reason=c.cancel_reason,
        renewal_due_on=day(c.renewal_due_on),
        renewal_opportunity_id=c.renewal_opportunity_id,
        created_at=ts(c.created_at),
        updated_at=ts(c.updated_at),
        version=c.version,
    )
    message.parties.extend(c.parties)
    return message


def proforma(p: proformas.ProForma, today: dt.date) -> contracts_pb2.ProForma:
    """``today`` decides whether an issued offer reads as expired."""
    message = set_fields(
        contracts_pb2.ProForma(),
        id=p.id,
        number=p.number,
        quote_id=p.quote_id,
        opportunity_id=p.opportunity_id,
        account_id=p.account_id,
        team_id=p.team_id,
        status=_number(contracts_pb2.ProFormaStatus, p.status_on(today)),
        total=money(p.total),
        valid_until=day(p.valid_until),
        accepted_at=ts(p.accepted_at),
        order_id=p.order_id,
        withdraw_reason=p.withdraw_reason,
        created_at=ts(p.created_at),
        updated_at=ts(p.updated_at),
        version=p.version,
    )
    message.lines.extend(priced_line(line) for line in p.lines)
    return message


def contract_created(c: contracts.Contract) -> events_pb2.ContractCreated:
    return events_pb2.ContractCreated(contract=contract(c))


def contract_signed(c: contracts.Contract) -> events_pb2.ContractSigned:
    return events_pb2.ContractSigned(contract=contract(c))


def contract_cancelled(c: contracts.Contract) -> events_pb2.ContractCancelled:
    return events_pb2.ContractCancelled(contract=contract(c))


def contract_renewal_opened(c: contracts.Contract) -> events_pb2.ContractRenewalOpened:
    return events_pb2.ContractRenewalOpened(
        contract=contract(c), renewal_opportunity_id=c.renewal_opportunity_id
    )


def proforma_issued(p: proformas.ProForma, today: dt.date) -> events_pb2.ProformaIssued:
    return events_pb2.ProformaIssued(proforma=proforma(p, today))


def proforma_accepted(p: proformas.ProForma, today: dt.date) -> events_pb2.ProformaAccepted:
    return events_pb2.ProformaAccepted(proforma=proforma(p, today))


def proforma_withdrawn(p: proformas.ProForma, today: dt.date) -> events_pb2.ProformaWithdrawn:
    return events_pb2.ProformaWithdrawn(proforma=proforma(p, today))


def invoice_payment_recorded(
    i: billing.Invoice, p: billing.Payment
) -> events_pb2.InvoicePaymentRecorded:
    return events_pb2.InvoicePaymentRecorded(invoice=invoice(i), payment=invoice_payment(p))
