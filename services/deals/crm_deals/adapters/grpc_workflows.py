"""ContractService, ProFormaService and InvoicingService servicers: proto in, use case, proto
out (the line workflows and invoicing beside orders)."""

from __future__ import annotations

from crm.deals.v1 import contracts_pb2, contracts_pb2_grpc, payments_pb2, payments_pb2_grpc
from crm_deals.adapters import grpc_mapping
from crm_deals.service_layer import contracts, payments, proformas, workflow_messages


class ContractServicer(grpc_mapping.UseCases, contracts_pb2_grpc.ContractServiceServicer):
    def CreateContract(self, request, context):
        return workflow_messages.contract(
            self.run(
                contracts.create_contract,
                deal_id=request.opportunity_id,
                parties=list(request.parties),
                terms=request.terms,
                value=grpc_mapping.required_money(request, "value"),
                start_date=grpc_mapping.date(request.start_date, "start_date"),
                end_date=grpc_mapping.date(request.end_date, "end_date"),
                renewal_date=grpc_mapping.date(request.renewal_date, "renewal_date"),
                notice_days=request.notice_days,
            )
        )

    def GetContract(self, request, context):
        return workflow_messages.contract(self.run(contracts.get_contract, request.id))

    def ListContracts(self, request, context):
        found = self.run(contracts.list_contracts, request.opportunity_id)
        return contracts_pb2.ListContractsResponse(
            contracts=[workflow_messages.contract(c) for c in found]
        )

    def SignContract(self, request, context):
        return workflow_messages.contract(
            self.run(
                contracts.sign_contract,
                request.id,
                signed_by=request.signed_by,
                signed_on=grpc_mapping.date(request.signed_on, "signed_on"),
            )
        )

    def CancelContract(self, request, context):
        return workflow_messages.contract(
            self.run(contracts.cancel_contract, request.id, request.reason)
        )


class ProFormaServicer(grpc_mapping.UseCases, contracts_pb2_grpc.ProFormaServiceServicer):
    def _out(self, proforma):
        return workflow_messages.proforma(proforma, self.deps.clock.now().date())

    def IssueProForma(self, request, context):
        return self._out(
            self.run(
                proformas.issue_proforma,
                quote_id=request.quote_id,
                valid_until=grpc_mapping.date(request.valid_until, "valid_until"),
            )
        )

    def GetProForma(self, request, context):
        return self._out(self.run(proformas.get_proforma, request.id))

    def ListProFormas(self, request, context):
        found = self.run(proformas.list_proformas, request.opportunity_id)
        return contracts_pb2.ListProFormasResponse(proformas=[self._out(p) for p in found])

    def AcceptProForma(self, request, context):
        return self._out(self.run(proformas.accept_proforma, request.id))

    def WithdrawProForma(self, request, context):
        return self._out(self.run(proformas.withdraw_proforma, request.id, request.reason))


class InvoicingServicer(grpc_mapping.UseCases, payments_pb2_grpc.InvoicingServiceServicer):
    def CreateInvoiceFromDeal(self, request, context):
        return grpc_mapping.invoice(
            self.run(payments.create_invoice_from_deal, request.opportunity_id)
        )

    def RecordPayment(self, request, context):
        return grpc_mapping.invoice(
            self.run(
                payments.record_payment,
                request.invoice_id,
                amount=grpc_mapping.required_money(request, "amount"),
                paid_on=grpc_mapping.date(request.paid_on, "paid_on"),
                method=request.method,
                reference=request.reference,
            )
        )

    def ListDealDocuments(self, request, context):
        found = self.run(payments.list_deal_documents, request.opportunity_id)
        return payments_pb2.ListDealDocumentsResponse(
            orders=[grpc_mapping.order(o) for o in found.orders],
            invoices=[grpc_mapping.invoice(i) for i in found.invoices],
        )
