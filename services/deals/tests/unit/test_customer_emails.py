"""Customer e-mails on a stage change: templates per stage and language, values HTML-escaped,
only to a consenting contact with an address, one command per committed move, logged on the
deal's timeline; the preview sends nothing."""

import pytest

from crm_chassis.errors import InvalidArgument, NotFound, PermissionDenied
from crm_deals.domain import customer_emails as rules
from crm_deals.service_layer import accounts, customer_emails, deals


def _template(world, language="", subject="Hello {{ contact.first_name }}", **kw):
    return world.call(
        customer_emails.set_template,
        world.admin,
        pipeline_id=world.pipeline.id,
        stage_key="propose",
        language=language,
        subject=subject,
        body=kw.pop(
            "body", "<p>Dear {{ contact.full_name }}, {{ deal.name }} is at {{ deal.stage }}.</p>"
        ),
        **kw,
    )


def _deal_with_contact(world, first_name="Ada", **contact):
    account = world.account()
    person = world.call(
        accounts.create_contact,
        world.alice,
        account_id=account.id,
        first_name=first_name,
        last_name="Lovelace",
        email=contact.pop("email", "ada@example.test"),
        **contact,
    )
    deal = world.deal(account=account, primary_contact_id=person.id)
    return deal, person


def test_templates_refuse_unknown_placeholders_and_bad_languages(world):
    with pytest.raises(InvalidArgument, match="unknown placeholder"):
        _template(world, subject="Hi {{ contact.password }}")
    with pytest.raises(InvalidArgument, match="language"):
        _template(world, language="not a tag")
    with pytest.raises(PermissionDenied):
        world.call(
            customer_emails.set_template,
            world.alice,
            pipeline_id=world.pipeline.id,
            stage_key="propose",
            language="",
            subject="x",
            body="x",
        )
    with pytest.raises(InvalidArgument, match="no stage"):
        world.call(
            customer_emails.set_template,
            world.admin,
            pipeline_id=world.pipeline.id,
            stage_key="nope",
            language="",
            subject="x",
            body="x",
        )
    first = _template(world, language="DE")
    again = _template(world, language="de", subject="Hallo {{ contact.first_name }}")
    assert (again.id, again.language, again.version) == (first.id, "de", 2)


def test_values_are_html_escaped_and_the_subject_stays_on_one_line():
    template = rules.CustomerEmailTemplate(
        id="t",
        pipeline_id="p",
        stage_key="s",
        language="",
        subject="Hi {{ contact.first_name }}",
        body="<p>{{ contact.first_name }}</p>",
        created_at=None,
        updated_at=None,
    )
    email = rules.render(template, {"contact.first_name": '<script>x</script>\r\nBcc: "e"'})
    assert email.html_body == "<p>&lt;script&gt;x&lt;/script&gt;\r\nBcc: &quot;e&quot;</p>"
    assert "\n" not in email.subject and "\r" not in email.subject


def test_a_consenting_contact_gets_one_email_per_committed_move_in_their_language(world):
    _template(world)
    _template(world, language="de", subject="Hallo {{ contact.first_name }}")
    deal, person = _deal_with_contact(world, email_consent=True, language="de")
    world.call(deals.move_deal_to_stage, world.alice, deal.id, "propose")
    (command,) = world.uow.events("customer_email_requested")
    assert (command.to_address, command.subject) == ("ada@example.test", "Hallo Ada")
    assert "Ada Lovelace" in command.html_body and "Propose" in command.html_body
    assert command.cause.idempotency_key == f"customer-email:{deal.id}@2:{person.id}"
    logged = [e.activity for e in world.uow.events("activity_logged")]
    assert [(a.kind, a.direction, a.subject) for a in logged][-1][1:] == ("outbound", "Hallo Ada")
    # Moving on and back is a new committed move: a new key.
    world.call(deals.move_deal_to_stage, world.alice, deal.id, "negotiate")
    world.call(deals.move_deal_to_stage, world.alice, deal.id, "propose")
    keys = [c.cause.idempotency_key for c in world.uow.events("customer_email_requested")]
    assert len(keys) == len(set(keys)) == 2


def test_no_email_without_consent_or_address_and_none_for_a_failed_move(world):
    _template(world)
    deal, _ = _deal_with_contact(world)  # no consent
    world.call(deals.move_deal_to_stage, world.alice, deal.id, "propose")
    no_address, _ = _deal_with_contact(world, email="", email_consent=True)
    world.call(deals.move_deal_to_stage, world.alice, no_address.id, "propose")
    assert world.uow.events("customer_email_requested") == []
    plan = world.call(customer_emails.preview, world.alice, deal.id, "propose")
    assert plan.emails == [] and "no consent" in plan.skipped[0]


def test_the_preview_renders_without_sending_and_hides_other_teams_deals(world):
    _template(world, body="<b>{{ account.name }}</b>")
    deal, person = _deal_with_contact(world, email_consent=True)
    plan = world.call(customer_emails.preview, world.bob, deal.id, "propose")
    (email,) = plan.emails
    assert (email.contact.id, email.email.html_body) == (person.id, "<b>Acme GmbH</b>")
    assert world.uow.events("customer_email_requested") == []
    for outsider in (world.tom, world.admin):
        with pytest.raises(NotFound):
            world.call(customer_emails.preview, outsider, deal.id)
        with pytest.raises(NotFound):
            world.call(customer_emails.list_sent, outsider, deal.id)


def test_a_missing_or_unknown_pipeline_is_bad_input_not_a_bug(world):
    with pytest.raises(InvalidArgument):
        world.call(customer_emails.list_templates, world.alice, pipeline_id="")
    with pytest.raises(NotFound):
        world.call(customer_emails.list_templates, world.alice, pipeline_id="nope")
    with pytest.raises(NotFound):
        world.call(
            customer_emails.set_template,
            world.admin,
            pipeline_id="nope",
            stage_key="propose",
            language="",
            subject="x",
            body="x",
        )


def test_every_consenting_contact_of_the_deal_gets_one_email_per_committed_move(world):
    _template(world)
    deal, primary = _deal_with_contact(world, email_consent=True)
    colleague = world.call(
        accounts.create_contact,
        world.alice,
        account_id=deal.account_id,
        first_name="Grace",
        last_name="Hopper",
        email="grace@example.test",
        email_consent=True,
    )
    declined = world.call(
        accounts.create_contact,
        world.alice,
        account_id=deal.account_id,
        first_name="Alan",
        last_name="Turing",
        email="alan@example.test",
    )
    world.call(deals.move_deal_to_stage, world.alice, deal.id, "propose")
    commands = world.uow.events("customer_email_requested")
    assert [c.to_address for c in commands] == ["ada@example.test", "grace@example.test"]
    assert [c.cause.idempotency_key for c in commands] == [
        f"customer-email:{deal.id}@2:{primary.id}",
        f"customer-email:{deal.id}@2:{colleague.id}",
    ]
    logged = [e.activity for e in world.uow.events("activity_logged")]
    assert sorted(a.body.split(" (")[0] for a in logged if a.target.id == deal.id) == [
        "To Ada Lovelace <ada@example.test>",
        "To Grace Hopper <grace@example.test>",
    ]
    plan = world.call(customer_emails.preview, world.alice, deal.id, "propose")
    assert [p.contact.id for p in plan.emails] == [primary.id, colleague.id]
    assert plan.skipped == [f"contact {declined.id}: no consent to e-mails"]
