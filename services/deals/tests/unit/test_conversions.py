"""Lead conversion: account (new or linked) + contact + deal in one go, idempotent."""

from deals_testkit import WORKER, eur

from crm_deals.service_layer.conversions import LeadConversion, convert_lead


def _request(**kwargs):
    values = dict(
        conversion_id="conv-1",
        lead_id="lead-1",
        team_id="team-a",
        owner_user_id="bob",
        sales_line_id="line-1",
        company_name="Initech",
        first_name="Peter",
        last_name="Gibbons",
        email="peter@initech.example",
        expected_amount=eur("5000.00"),
        campaign_id="camp-9",
    )
    values.update(kwargs)
    return LeadConversion(**values)


def test_conversion_creates_account_contact_and_deal_and_answers(world):
    done = convert_lead(world.deps, WORKER, _request())
    deal = world.get("opportunities", done.opportunity_id)
    assert (deal.originating_lead_id, deal.campaign_id, deal.owner_user_id) == (
        "lead-1",
        "camp-9",
        "bob",
    )
    assert deal.primary_contact_id == done.contact_id and deal.estimated_revenue == eur("5000")
    assert world.get("accounts", done.account_id).name == "Initech"
    assert world.types()[-4:] == [
        "account_created",
        "contact_created",
        "deal_created",
        "lead_conversion_completed",
    ]
    # A redelivered request creates nothing and answers the same ids.
    again = convert_lead(world.deps, WORKER, _request())
    assert again == done
    assert world.types().count("deal_created") == 1
    assert world.types().count("lead_conversion_completed") == 2


def test_conversion_links_an_existing_account_of_the_team(world):
    account = world.account()
    done = convert_lead(world.deps, WORKER, _request(link_account_id=account.id))
    assert done.account_id == account.id
    assert "account_created" not in world.types()[-3:]


def test_conversion_rejections_leave_nothing_behind(world):
    assert convert_lead(world.deps, WORKER, _request(sales_line_id="line-x")) is None
    rejected = world.uow.events("lead_conversion_rejected")[-1]
    assert rejected.retryable and "has no pipeline yet" in rejected.reason
    foreign = world.account(world.tom, team_id="team-b")
    assert (
        convert_lead(world.deps, WORKER, _request(conversion_id="c2", link_account_id=foreign.id))
        is None
    )
    assert not world.uow.events("lead_conversion_rejected")[-1].retryable
    # The contact is invalid after the account was created: everything is rolled back.
    accounts_before = len(world.uow.state.table("accounts"))
    assert (
        convert_lead(world.deps, WORKER, _request(conversion_id="c3", email="not-an-email")) is None
    )
    assert len(world.uow.state.table("accounts")) == accounts_before
    assert "e-mail" in world.uow.events("lead_conversion_rejected")[-1].reason
