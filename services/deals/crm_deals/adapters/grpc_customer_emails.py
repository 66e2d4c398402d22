"""CustomerEmailService servicer: proto in, use case, proto out."""

from __future__ import annotations

from google.protobuf.timestamp_pb2 import Timestamp

from crm.deals.v1 import customer_emails_pb2 as ce
from crm.deals.v1 import customer_emails_pb2_grpc
from crm_deals.adapters import grpc_mapping, metrics
from crm_deals.domain.customer_emails import CustomerEmailTemplate
from crm_deals.domain.deliveries import Delivery
from crm_deals.service_layer import customer_emails


def template(t: CustomerEmailTemplate) -> ce.CustomerEmailTemplate:
    return ce.CustomerEmailTemplate(
        id=t.id,
        pipeline_id=t.pipeline_id,
        stage_key=t.stage_key,
        language=t.language,
        subject=t.subject,
        body=t.body,
        enabled=t.enabled,
        version=t.version,
    )


def _ts(moment) -> Timestamp | None:
    if moment is None:
        return None
    value = Timestamp()
    value.FromDatetime(moment)
    return value


def delivery(d: Delivery) -> ce.CustomerEmailDelivery:
    return ce.CustomerEmailDelivery(
        id=d.idempotency_key,
        state=d.state,
        attempts=d.attempts,
        last_error=d.last_error,
        created_at=_ts(d.created_at),
        sent_at=_ts(d.sent_at),
    )


class CustomerEmailServicer(
    grpc_mapping.UseCases, customer_emails_pb2_grpc.CustomerEmailServiceServicer
):
    def SetCustomerEmailTemplate(self, request, context):
        return template(
            self.run(
                customer_emails.set_template,
                pipeline_id=request.pipeline_id,
                stage_key=request.stage_key,
                language=request.language,
                subject=request.subject,
                body=request.body,
                enabled=not request.disabled,
            )
        )

    def ListCustomerEmailTemplates(self, request, context):
        found = self.run(
            customer_emails.list_templates,
            pipeline_id=request.pipeline_id,
            stage_key=request.stage_key,
        )
        return ce.ListCustomerEmailTemplatesResponse(templates=[template(t) for t in found])

    def PreviewCustomerEmail(self, request, context):
        plan = self.run(customer_emails.preview, request.deal_id, request.stage_key)
        return ce.PreviewCustomerEmailResponse(
            emails=[
                ce.CustomerEmailPreview(
                    contact_id=p.contact.id,
                    to_address=p.contact.email,
                    template_id=p.template.id,
                    subject=p.email.subject,
                    html_body=p.email.html_body,
                )
                for p in plan.emails
            ],
            skipped=plan.skipped,
        )

    def ListCustomerEmails(self, request, context):
        sent = self.run(customer_emails.list_sent, request.deal_id)
        return ce.ListCustomerEmailsResponse(emails=[delivery(d) for d in sent])

    def IngestBounce(self, request, context):
        outcomes = self.run(customer_emails.ingest_bounce, request.message)
        for o in outcomes:
            metrics.CUSTOMER_EMAIL_BOUNCES.labels(o.bounce.severity, o.outcome).inc()
        return ce.IngestBounceResponse(
            results=[
                ce.BounceResult(
                    recipient=o.bounce.recipient,
                    status=o.bounce.status,
                    severity=o.bounce.severity,
                    outcome=o.outcome,
                )
                for o in outcomes
            ]
        )

    def ListBouncedAddresses(self, request, context):
        found = self.run(customer_emails.list_bounced_addresses)
        return ce.ListBouncedAddressesResponse(
            addresses=[
                ce.BouncedAddress(
                    address=b.address,
                    status=b.status,
                    reason=b.reason,
                    bounced_at=_ts(b.bounced_at),
                )
                for b in found
            ]
        )

    def ClearBouncedAddress(self, request, context):
        self.run(customer_emails.clear_bounced_address, request.address)
        return ce.ClearBouncedAddressResponse()
