"""PipelineService and AutomationService servicers: proto in, use case, proto out."""

from __future__ import annotations

from crm.deals.v1 import pipelines_pb2, pipelines_pb2_grpc
from crm_chassis.errors import InvalidArgument
from crm_deals.adapters import grpc_mapping
from crm_deals.service_layer import automations, deliveries, pipelines


class PipelineServicer(grpc_mapping.UseCases, pipelines_pb2_grpc.PipelineServiceServicer):
    def CreatePipeline(self, request, context):
        return grpc_mapping.pipeline(
            self.run(
                pipelines.create_pipeline,
                sales_line_id=request.sales_line_id,
                name=request.name,
                stages=grpc_mapping.stage_specs(request.stages),
                additional=request.additional,
            )
        )

    def GetPipeline(self, request, context):
        which = request.WhichOneof("key")
        if which is None:
            raise InvalidArgument("give the pipeline's id or its sales_line_id", field="id")
        if request.version < 0:
            raise InvalidArgument("version must be >= 1 (0 = the current one)", field="version")
        pipeline = self.run(
            pipelines.get_pipeline, pipeline_id=request.id, sales_line_id=request.sales_line_id
        )
        if not request.version or request.version == pipeline.version:
            return grpc_mapping.pipeline(pipeline)
        return grpc_mapping.pipeline_version(
            self.run(pipelines.get_pipeline_version, pipeline.id, request.version)
        )

    def ListPipelines(self, request, context):
        return pipelines_pb2.ListPipelinesResponse(
            pipelines=[grpc_mapping.pipeline(p) for p in self.run(pipelines.list_pipelines)]
        )

    def RevisePipeline(self, request, context):
        return grpc_mapping.pipeline(
            self.run(
                pipelines.revise_pipeline,
                pipeline_id=request.id,
                stages=grpc_mapping.stage_specs(request.stages),
                moves=dict(request.moves),
                name=request.name or None,
                expected_version=request.expected_version,
            )
        )


class AutomationServicer(grpc_mapping.UseCases, pipelines_pb2_grpc.AutomationServiceServicer):
    def CreateAutomationRule(self, request, context):
        rule = request.rule
        actions = [
            {
                "kind": grpc_mapping.enum_value(
                    grpc_mapping.AUTOMATION_ACTION_KIND, a.kind, f"rule.actions[{i}].kind"
                ),
                "recipients": tuple(a.recipients),
                "subject": a.subject,
                "body": a.body,
                "url": a.url,
            }
            for i, a in enumerate(rule.actions)
        ]
        return grpc_mapping.automation_rule(
            self.run(
                automations.create_rule,
                pipeline_id=request.pipeline_id,
                name=rule.name,
                trigger=grpc_mapping.enum_value(
                    grpc_mapping.AUTOMATION_TRIGGER, rule.trigger, "rule.trigger"
                ),
                actions=actions,
                team_ids=list(rule.team_ids),
                stage_key=rule.stage_key,
                stalled_after_days=rule.stalled_after_days,
                webhook_secret=request.webhook_secret,
                include_personal_data=rule.include_personal_data,
            )
        )

    def SetAutomationRuleEnabled(self, request, context):
        return grpc_mapping.automation_rule(
            self.run(automations.set_rule_enabled, request.id, request.enabled)
        )

    def ListAutomationRules(self, request, context):
        return pipelines_pb2.ListAutomationRulesResponse(
            rules=[
                grpc_mapping.automation_rule(r)
                for r in self.run(automations.list_rules, request.pipeline_id)
            ]
        )

    def ListAutomationDeliveries(self, request, context):
        found = self.run(deliveries.list_deliveries, request.rule_id, request.failed_only)
        return pipelines_pb2.ListAutomationDeliveriesResponse(
            deliveries=[
                pipelines_pb2.AutomationDelivery(
                    idempotency_key=d.idempotency_key,
                    deal_id=d.deal_id,
                    state=d.state,
                    attempts=d.attempts,
                    last_error=d.last_error,
                )
                for d in found
            ]
        )
