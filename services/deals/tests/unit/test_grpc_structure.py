"""PipelineService, AutomationService, ActivityService and the account/contact edits over gRPC."""

import datetime as dt

import grpc
from deals_testkit import T0
from google.protobuf import field_mask_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from crm.deals.v1 import accounts_pb2, activities_pb2, deals_pb2, pipelines_pb2, resources_pb2

INVALID_ARGUMENT = grpc.StatusCode.INVALID_ARGUMENT
STAGES = [
    resources_pb2.Stage(
        key="discover",
        name="Discover",
        default_probability=20,
        forecast_category=resources_pb2.FORECAST_CATEGORY_PIPELINE,
    ),
    resources_pb2.Stage(
        key="commit",
        name="Commit",
        default_probability=80,
        forecast_category=resources_pb2.FORECAST_CATEGORY_COMMIT,
        expected_days=10,
    ),
]


def stamp(value: dt.datetime) -> Timestamp:
    message = Timestamp()
    message.FromDatetime(value)
    return message


def test_pipelines_are_managed_by_admins_and_management_and_read_by_everyone(api):
    request = pipelines_pb2.CreatePipelineRequest(sales_line_id="line-2", name="SMB", stages=STAGES)
    assert "only administrators and the management department" in api.refused(
        grpc.StatusCode.PERMISSION_DENIED, api.pipelines.CreatePipeline, request, "mia"
    )
    created = api.call(api.pipelines.CreatePipeline, request, "boss")
    assert ([s.key for s in created.stages], created.version) == (["discover", "commit"], 1)
    api.refused(grpc.StatusCode.ALREADY_EXISTS, api.pipelines.CreatePipeline, request, "root")
    revised = api.call(
        api.pipelines.RevisePipeline,
        pipelines_pb2.RevisePipelineRequest(
            id=created.id, stages=STAGES[:1], name="SMB v2", expected_version=1
        ),
        "root",
    )
    assert (revised.version, revised.name, len(revised.stages)) == (2, "SMB v2", 1)
    old = api.call(
        api.pipelines.GetPipeline,
        pipelines_pb2.GetPipelineRequest(sales_line_id="line-2", version=1),
        "tom",
    )
    assert ([s.key for s in old.stages], old.version, old.name) == (
        ["discover", "commit"],
        1,
        "SMB",
    )
    assert (
        api.call(
            api.pipelines.GetPipeline, pipelines_pb2.GetPipelineRequest(id=created.id), "tom"
        ).version
        == 2
    )
    api.refused(
        grpc.StatusCode.NOT_FOUND,
        api.pipelines.GetPipeline,
        pipelines_pb2.GetPipelineRequest(id=created.id, version=7),
        "tom",
    )
    assert "give the pipeline's id or its sales_line_id" in api.refused(
        INVALID_ARGUMENT, api.pipelines.GetPipeline, pipelines_pb2.GetPipelineRequest()
    )
    names = [
        p.name
        for p in api.call(
            api.pipelines.ListPipelines, pipelines_pb2.ListPipelinesRequest(), "tom"
        ).pipelines
    ]
    assert names == ["Enterprise", "SMB v2"]


def test_stage_problems_are_named_by_position(api):
    message = api.refused(
        INVALID_ARGUMENT,
        api.pipelines.CreatePipeline,
        pipelines_pb2.CreatePipelineRequest(
            sales_line_id="line-3",
            name="Bad",
            stages=[
                resources_pb2.Stage(
                    key="Bad Key",
                    name="x",
                    default_probability=5,
                    forecast_category=resources_pb2.FORECAST_CATEGORY_PIPELINE,
                ),
                resources_pb2.Stage(key="ok", name="ok", default_probability=5),
            ],
        ),
        "root",
    )
    assert "stages[0].key" in message and "stages[1].forecast_category" in message


def test_a_rule_on_a_stage_fires_in_the_same_commit_as_the_move(api, deal):
    request = pipelines_pb2.CreateAutomationRuleRequest(
        pipeline_id=api.world.pipeline.id,
        rule=resources_pb2.AutomationRule(
            name="proposal mail",
            trigger=resources_pb2.AUTOMATION_TRIGGER_STAGE_ENTERED,
            stage_key="propose",
            team_ids=["team-a"],
            actions=[
                resources_pb2.AutomationAction(
                    kind=resources_pb2.AUTOMATION_ACTION_KIND_EMAIL,
                    recipients=["owner"],
                    subject="{{ deal.name }} at {{ deal.stage }}",
                    body="go",
                )
            ],
        ),
    )
    # An administrator or the management department in no team may not define it.
    for user in ("root", "boss"):
        message = api.refused(
            grpc.StatusCode.PERMISSION_DENIED, api.automations.CreateAutomationRule, request, user
        )
        assert "for team(s) 'team-a' needs the manager role over each of them" in message
    rule = api.call(api.automations.CreateAutomationRule, request, "mia")
    assert (rule.enabled, rule.has_webhook_secret, rule.stage_key) == (True, False, "propose")
    assert (list(rule.team_ids), rule.author_user_id, rule.include_personal_data) == (
        ["team-a"],
        "mia",
        False,
    )
    api.call(
        api.deals.MoveDealToStage, deals_pb2.MoveDealToStageRequest(id=deal.id, stage_key="propose")
    )
    mails = api.world.uow.events("automation_email_requested")
    assert [(m.subject, list(m.recipient_user_ids)) for m in mails] == [
        ("Acme rollout at Propose", ["alice"])
    ]
    assert (
        "unknown"
        in api.refused(
            INVALID_ARGUMENT,
            api.automations.CreateAutomationRule,
            pipelines_pb2.CreateAutomationRuleRequest(
                pipeline_id=api.world.pipeline.id,
                rule=resources_pb2.AutomationRule(
                    name="bad",
                    trigger=resources_pb2.AUTOMATION_TRIGGER_WON,
                    team_ids=["team-a"],
                    actions=[
                        resources_pb2.AutomationAction(
                            kind=resources_pb2.AUTOMATION_ACTION_KIND_NOTIFY,
                            recipients=["owner"],
                            subject="{{ deal.secret }}",
                        )
                    ],
                ),
            ),
            "mia",
        ).lower()
    )
    assert "team_ids is required" in api.refused(
        INVALID_ARGUMENT,
        api.automations.CreateAutomationRule,
        pipelines_pb2.CreateAutomationRuleRequest(
            pipeline_id=api.world.pipeline.id,
            rule=resources_pb2.AutomationRule(
                name="no team", trigger=resources_pb2.AUTOMATION_TRIGGER_WON
            ),
        ),
        "mia",
    )
    disabled = api.call(
        api.automations.SetAutomationRuleEnabled,
        pipelines_pb2.SetAutomationRuleEnabledRequest(id=rule.id, enabled=False),
        "mia",
    )
    assert not disabled.enabled
    listed = api.call(
        api.automations.ListAutomationRules,
        pipelines_pb2.ListAutomationRulesRequest(pipeline_id=api.world.pipeline.id),
        "mia",
    ).rules
    assert [r.name for r in listed] == ["proposal mail"]
    assert (
        api.call(
            api.automations.ListAutomationDeliveries,
            pipelines_pb2.ListAutomationDeliveriesRequest(rule_id=rule.id),
            "mia",
        ).deliveries
        == []
    )
    # Nobody else reads the rule: lists leave it out, by id it is unknown.
    for user in ("alice", "root", "boss", "max"):
        assert (
            api.call(
                api.automations.ListAutomationRules,
                pipelines_pb2.ListAutomationRulesRequest(pipeline_id=api.world.pipeline.id),
                user,
            ).rules
            == []
        )
        assert (
            api.refused(
                grpc.StatusCode.NOT_FOUND,
                api.automations.ListAutomationDeliveries,
                pipelines_pb2.ListAutomationDeliveriesRequest(rule_id=rule.id),
                user,
            )
            == f"automation rule {rule.id!r} not found"
        )
    assert "rule_id is required" in api.refused(
        INVALID_ARGUMENT,
        api.automations.ListAutomationDeliveries,
        pipelines_pb2.ListAutomationDeliveriesRequest(),
        "mia",
    )


def test_a_teammate_logs_on_a_colleagues_deal_and_is_kept_as_the_actor(api, deal):
    target = resources_pb2.RecordRef(type="opportunity", id=deal.id)
    call = api.call(
        api.activities.LogActivity,
        activities_pb2.LogActivityRequest(
            target=target,
            kind=resources_pb2.ACTIVITY_KIND_CALL,
            subject="covering for Alice",
            owner_user_id="alice",
            direction="outbound",
            duration_minutes=12,
            occurred_at=stamp(T0 - dt.timedelta(hours=1)),
        ),
        "bob",
    )
    assert (call.logged_by, call.owner_user_id, call.team_id) == ("bob", "alice", "team-a")
    task = api.call(
        api.activities.LogActivity,
        activities_pb2.LogActivityRequest(
            target=target,
            kind=resources_pb2.ACTIVITY_KIND_TASK,
            subject="send contract",
            due_at=stamp(T0 + dt.timedelta(days=2)),
        ),
    )
    done = api.call(
        api.activities.CompleteTask,
        activities_pb2.CompleteTaskRequest(id=task.id, done=True),
        "sam",
    )
    assert done.HasField("done_at")
    assert "task" in api.refused(
        INVALID_ARGUMENT,
        api.activities.LogActivity,
        activities_pb2.LogActivityRequest(
            target=target, kind=resources_pb2.ACTIVITY_KIND_TASK, subject="x"
        ),
    )
    assert "future" in api.refused(
        INVALID_ARGUMENT,
        api.activities.LogActivity,
        activities_pb2.LogActivityRequest(
            target=target,
            kind=resources_pb2.ACTIVITY_KIND_NOTE,
            subject="x",
            occurred_at=stamp(T0 + dt.timedelta(days=1)),
        ),
    )
    assert "kind" in api.refused(
        INVALID_ARGUMENT,
        api.activities.LogActivity,
        activities_pb2.LogActivityRequest(target=target, subject="x"),
    )
    updated = api.call(
        api.activities.UpdateActivity,
        activities_pb2.UpdateActivityRequest(id=call.id, body="left a voicemail"),
        "alice",
    )
    assert (updated.subject, updated.body) == ("covering for Alice", "left a voicemail")
    api.refused(
        grpc.StatusCode.PERMISSION_DENIED,
        api.activities.UpdateActivity,
        activities_pb2.UpdateActivityRequest(id=task.id, subject="mine"),
        "bob",
    )
    timeline = api.call(
        api.activities.ListTimeline,
        activities_pb2.ListTimelineRequest(
            target=resources_pb2.RecordRef(type="account", id=deal.account_id)
        ),
        "mia",
    ).activities
    assert [a.id for a in timeline] == [task.id, call.id]  # newest first
    calls = api.call(
        api.activities.ListTimeline,
        activities_pb2.ListTimelineRequest(target=target, kinds=[resources_pb2.ACTIVITY_KIND_CALL]),
    ).activities
    assert [a.id for a in calls] == [call.id]
    assert "kinds[0] is ACTIVITY_KIND_UNSPECIFIED" in api.refused(
        INVALID_ARGUMENT,
        api.activities.ListTimeline,
        activities_pb2.ListTimelineRequest(
            target=target, kinds=[resources_pb2.ACTIVITY_KIND_UNSPECIFIED]
        ),
    )
    assert "an activity is logged on one of" in api.refused(
        INVALID_ARGUMENT,
        api.activities.ListTimeline,
        activities_pb2.ListTimelineRequest(target=resources_pb2.RecordRef(type="lead", id="x")),
    )


def test_accounts_and_contacts_change_by_field_mask(api, deal):
    account_id = deal.account_id
    updated = api.call(
        api.accounts.UpdateAccount,
        accounts_pb2.UpdateAccountRequest(
            id=account_id,
            account=resources_pb2.Account(industry="Chemicals", name="ignored"),
            update_mask=field_mask_pb2.FieldMask(paths=["industry"]),
        ),
    )
    assert (updated.name, updated.industry, updated.version) == ("Acme GmbH", "Chemicals", 2)
    api.refused(
        grpc.StatusCode.PERMISSION_DENIED,
        api.accounts.UpdateAccount,
        accounts_pb2.UpdateAccountRequest(
            id=account_id,
            account=resources_pb2.Account(industry="x"),
            update_mask=field_mask_pb2.FieldMask(paths=["industry"]),
        ),
        "bob",
    )
    assert "field(s) relationship cannot be changed" in api.refused(
        INVALID_ARGUMENT,
        api.accounts.UpdateAccount,
        accounts_pb2.UpdateAccountRequest(
            id=account_id, update_mask=field_mask_pb2.FieldMask(paths=["relationship"])
        ),
    )
    assert "prospect" in api.refused(
        grpc.StatusCode.FAILED_PRECONDITION,
        api.accounts.MarkAccountChurned,
        accounts_pb2.MarkAccountChurnedRequest(id=account_id, reason="left"),
        "sam",
    )
    contact = api.call(
        api.contacts.CreateContact,
        accounts_pb2.CreateContactRequest(
            account_id=account_id, first_name="Jane", last_name="Doe", email="jane@ACME.example"
        ),
        "bob",
    )
    assert (contact.email, contact.owner_user_id, contact.team_id) == (
        "jane@acme.example",
        "bob",
        "team-a",
    )
    assert "not a valid e-mail" in api.refused(
        INVALID_ARGUMENT,
        api.contacts.UpdateContact,
        accounts_pb2.UpdateContactRequest(
            id=contact.id,
            contact=resources_pb2.Contact(email="nope"),
            update_mask=field_mask_pb2.FieldMask(paths=["email"]),
        ),
        "bob",
    )
    renamed = api.call(
        api.contacts.UpdateContact,
        accounts_pb2.UpdateContactRequest(
            id=contact.id,
            contact=resources_pb2.Contact(job_title="CTO"),
            update_mask=field_mask_pb2.FieldMask(paths=["job_title"]),
        ),
        "bob",
    )
    assert renamed.job_title == "CTO"
    found = api.call(
        api.contacts.ListContacts,
        accounts_pb2.ListContactsRequest(account_id=account_id, query="doe"),
        "mia",
    ).contacts
    assert [c.id for c in found] == [contact.id]
    assert "account_id is required" in api.refused(
        INVALID_ARGUMENT,
        api.contacts.CreateContact,
        accounts_pb2.CreateContactRequest(last_name="Doe"),
    )


def test_a_pipeline_for_an_unknown_line_is_not_found_and_says_where_lines_are_listed(api):
    message = api.refused(
        grpc.StatusCode.NOT_FOUND,
        api.pipelines.CreatePipeline,
        pipelines_pb2.CreatePipelineRequest(sales_line_id="SMB", name="SMB", stages=STAGES),
        "root",
    )
    assert "sales line 'SMB' not found" in message and "crmctl lines list" in message
