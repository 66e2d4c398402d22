"""Duplicate accounts and contacts: keys (the chassis' matching rule, every script), finding
them only inside the caller's teams, and merges keeping both histories."""

import pytest

from crm_chassis.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from crm_chassis.matching import company_key, person_key, phone_key, web_domain
from crm_deals.service_layer import (
    account_hierarchy,
    accounts,
    activities,
    deals,
    duplicates,
    privacy,
)
from crm_deals.service_layer.repositories import AccountFilter, PageQuery


def test_keys_compare_names_in_every_script_domains_and_phone_digits():
    assert company_key("ACME GmbH") == company_key("Acme") == "acme"
    assert company_key("Jörg Müller & Co. KG") == company_key("jorg muller co")
    # Persian: Arabic kaf/yeh typed on another keyboard, the zero-width non-joiner, digits.
    assert company_key("شركت نيك") == company_key("شرکت نیک")
    assert company_key("می\u200cخواهم ۱۲") == company_key("میخواهم 12")
    assert company_key("שלום בע״מ") != company_key("شرکت")  # Hebrew stays Hebrew, not empty
    assert company_key("שלום") == "שלום"
    assert person_key("", "") == ""
    assert person_key("Ali", "رضایی") == person_key("ali", "رضايي")
    assert web_domain("https://www.Acme.de/about") == web_domain("acme.de") == "acme.de"
    assert phone_key("+49 30 1234-5") == phone_key("+49 (30) 12345") == "+493012345"


def test_an_account_like_an_existing_one_is_reported_only_inside_the_callers_teams(world):
    acme = world.account(name="ACME GmbH", website="acme.example")
    world.account(name="Acme", team_id="team-b", caller=world.tom)
    other = world.account(name="Other Ltd", phone="+49 30 1")
    found = world.call(duplicates.find_account_duplicates, world.alice, name="acme")
    assert [(m.id, m.keys) for m in found] == [(acme.id, ("name",))]
    by_domain = world.call(
        duplicates.find_account_duplicates, world.bob, website="https://www.acme.example/x"
    )
    assert [m.id for m in by_domain] == [acme.id]
    by_phone = world.call(duplicates.find_account_duplicates, world.bob, phone="+49 (30) 1")
    assert [m.id for m in by_phone] == [other.id]
    # tom (team B) sees only team B's Acme; mia (manager above A) sees A's.
    tom_sees = world.call(duplicates.find_account_duplicates, world.tom, name="Acme Inc")
    assert [m.id for m in tom_sees] != [acme.id] and len(tom_sees) == 1
    # an administrator in no team is told of nothing
    assert world.call(duplicates.find_account_duplicates, world.admin, name="Acme") == []
    with pytest.raises(InvalidArgument, match="give account_id, or a name"):
        world.call(duplicates.find_account_duplicates, world.alice)
    with pytest.raises(NotFound):
        world.call(duplicates.find_account_duplicates, world.tom, account_id=acme.id)


def test_a_second_account_finds_the_first_by_id_and_merged_ones_take_no_part(world):
    first = world.account(name="Acme GmbH")
    second = world.account(name="ACME")
    found = world.call(duplicates.find_account_duplicates, world.alice, account_id=second.id)
    assert [m.id for m in found] == [first.id]
    world.call(duplicates.merge_accounts, world.alice, first.id, second.id)
    assert world.call(duplicates.find_account_duplicates, world.alice, account_id=first.id) == []


def test_contacts_match_by_email_phone_or_name_within_the_account(world):
    acme = world.account()
    other = world.account(name="Other")
    jo = world.call(
        accounts.create_contact,
        world.alice,
        account_id=acme.id,
        first_name="Jörg",
        last_name="Müller",
        email="Jo@Acme.example",
    )
    by_email = world.call(duplicates.find_contact_duplicates, world.bob, email="jo@acme.example")
    by_name = world.call(
        duplicates.find_contact_duplicates,
        world.bob,
        account_id=acme.id,
        first_name="jorg",
        last_name="MULLER",
    )
    assert [m.id for m in by_email] == [m.id for m in by_name] == [jo.id]
    assert by_name[0].name == "Jörg Müller"
    elsewhere = world.call(
        duplicates.find_contact_duplicates,
        world.bob,
        account_id=other.id,
        first_name="Jörg",
        last_name="Müller",
    )
    assert elsewhere == []  # the same name at another account is another person


def test_merge_accounts_moves_everything_and_keeps_both_histories(world):
    survivor = world.account(name="Acme GmbH")
    duplicate = world.account(name="ACME", website="acme.example", phone="+49 30 1")
    child = world.account(name="Acme Nord")
    world.call(account_hierarchy.set_parent, world.alice, child.id, duplicate.id)
    deal = world.deal(account=duplicate)
    contact = world.call(
        accounts.create_contact, world.alice, account_id=duplicate.id, last_name="Doe"
    )
    activity = world.call(
        activities.log_activity,
        world.alice,
        target_type="account",
        target_id=duplicate.id,
        kind="call",
        subject="intro",
    )
    merged = world.call(duplicates.merge_accounts, world.alice, survivor.id, duplicate.id)
    assert (merged.website, merged.phone, merged.merged_ids) == (
        "acme.example",
        "+49 30 1",
        (duplicate.id,),
    )
    assert world.get("opportunities", deal.id).account_id == survivor.id
    assert world.get("contacts", contact.id).account_id == survivor.id
    assert world.get("activities", activity.id).target_id == survivor.id
    assert world.get("accounts", child.id).parent_account_id == survivor.id
    gone = world.call(accounts.get_account, world.alice, duplicate.id)
    assert gone.merged_into_id == survivor.id
    # lists leave the merged account out; its changes are refused with where to go instead
    listed = world.call(accounts.list_accounts, world.alice, AccountFilter(), PageQuery.of())
    assert duplicate.id not in [a.id for a in listed.items]
    with pytest.raises(FailedPrecondition, match=f"merged into {survivor.id}"):
        world.call(accounts.update_account, world.alice, duplicate.id, name="x")
    with pytest.raises(FailedPrecondition, match="read-only"):
        world.deal(account=gone)
    # the survivor's history has both records' entries
    history = world.call(deals.history, world.alice, "account", survivor.id)
    assert {e.record_id for e in history.items} == {survivor.id, duplicate.id}
    assert "merged" in [e.action for e in history.items]
    event = world.uow.events("account_merged")[0]
    assert (event.survivor.id, event.merged.merged_into_id) == (survivor.id, survivor.id)
    assert (list(event.moved_deal_ids), list(event.moved_contact_ids)) == ([deal.id], [contact.id])
    # every moved record announces its change, as any change of it does
    (moved,) = [e for e in world.uow.events("deal_updated") if e.deal.id == deal.id]
    assert (moved.deal.account_id, list(moved.changed_fields)) == (survivor.id, ["account_id"])
    assert world.uow.events("contact_updated")[-1].contact.account_id == survivor.id
    assert world.uow.events("activity_updated")[-1].activity.target.id == survivor.id
    assert world.uow.events("account_updated")[-1].account.parent_account_id == survivor.id


def test_merge_accounts_needs_both_visible_changeable_and_in_one_team(world):
    a = world.account(name="Acme")
    b = world.account(name="Acme", caller=world.bob)
    theirs = world.account(name="Acme", team_id="team-b", caller=world.tom)
    with pytest.raises(NotFound):  # team B's account does not exist for alice
        world.call(duplicates.merge_accounts, world.alice, a.id, theirs.id)
    with pytest.raises(PermissionDenied):  # bob's account: alice is neither owner nor supervisor
        world.call(duplicates.merge_accounts, world.alice, a.id, b.id)
    with pytest.raises(InvalidArgument, match="into itself"):
        world.call(duplicates.merge_accounts, world.alice, a.id, a.id)
    with pytest.raises(InvalidArgument, match="survivor_id is required"):
        world.call(duplicates.merge_accounts, world.alice, "", a.id)
    # max manages team B and sees A? no: managers see only teams under them
    with pytest.raises(NotFound):
        world.call(duplicates.merge_accounts, world.max, theirs.id, a.id)
    merged = world.call(duplicates.merge_accounts, world.sam, a.id, b.id)  # supervisor: both
    assert merged.merged_ids == (b.id,)
    with pytest.raises(FailedPrecondition, match="was merged into"):
        world.call(duplicates.merge_accounts, world.sam, a.id, b.id)
    assert world.uow.events("account_merged") and not world.uow.events("contact_merged")


def test_merge_contacts_moves_activities_consents_and_deals(world):
    acme = world.account()
    survivor = world.call(
        accounts.create_contact, world.alice, account_id=acme.id, last_name="Doe", phone="+1 5"
    )
    duplicate = world.call(
        accounts.create_contact,
        world.alice,
        account_id=acme.id,
        first_name="Jo",
        last_name="Doe",
        email="jo@acme.example",
    )
    world.call(
        privacy.record_consent,
        world.alice,
        contact_id=duplicate.id,
        channel="email",
        granted=True,
        source="web form",
    )
    deal = world.deal(account=acme, primary_contact_id=duplicate.id)
    activity = world.call(
        activities.log_activity,
        world.alice,
        target_type="contact",
        target_id=duplicate.id,
        kind="call",
        subject="intro",
    )
    merged = world.call(duplicates.merge_contacts, world.alice, survivor.id, duplicate.id)
    assert (merged.first_name, merged.email, merged.email_consent) == (
        "Jo",
        "jo@acme.example",
        True,
    )
    assert world.get("opportunities", deal.id).primary_contact_id == survivor.id
    assert world.get("activities", activity.id).target_id == survivor.id
    assert [c.source for c in world.uow.consents.for_contact(survivor.id)] == ["web form"]
    assert world.get("contacts", duplicate.id).merged_into_id == survivor.id
    event = world.uow.events("contact_merged")[0]
    assert list(event.moved_deal_ids) == [deal.id]
    history = world.call(deals.history, world.alice, "contact", survivor.id)
    assert {e.record_id for e in history.items} == {survivor.id, duplicate.id}


def test_what_still_names_a_merged_account_reaches_its_survivor_or_is_refused(world):
    from crm_deals.service_layer import migration

    survivor = world.account(name="Acme")
    rows = [(1, {"external_id": "OLD-1", "team_id": "team-a", "name": "ACME GmbH"})]
    plan = migration.plan_import(
        world.alice,
        world.deps,
        kind="accounts",
        column_mapping={},
        columns=["external_id", "team_id", "name"],
    )
    (report, _) = list(migration.import_rows(world.deps, world.alice, plan, rows))
    (row,) = report.accepted
    assert row.possible_duplicate_ids == (survivor.id,)  # imported all the same, flagged
    world.call(duplicates.merge_accounts, world.alice, survivor.id, row.record_id)
    contacts = migration.plan_import(
        world.alice,
        world.deps,
        kind="contacts",
        column_mapping={},
        columns=["external_id", "account_external_id", "last_name"],
    )
    contact_rows = [(1, {"external_id": "C-1", "account_external_id": "OLD-1", "last_name": "Doe"})]
    (report, _) = list(migration.import_rows(world.deps, world.alice, contacts, contact_rows))
    assert world.get("contacts", report.accepted[0].record_id).account_id == survivor.id
    other = world.account(name="Other")
    with pytest.raises(FailedPrecondition, match="read-only"):
        world.call(account_hierarchy.set_parent, world.alice, other.id, row.record_id)
    with pytest.raises(FailedPrecondition, match="read-only"):
        world.call(account_hierarchy.set_parent, world.alice, row.record_id, other.id)


def test_nothing_new_attaches_to_a_merged_account_or_contact(world):
    acme = world.account(name="Acme")
    gone = world.account(name="ACME GmbH")
    kept = world.call(accounts.create_contact, world.alice, account_id=acme.id, last_name="Doe")
    twin = world.call(accounts.create_contact, world.alice, account_id=acme.id, last_name="Doe")
    deal = world.deal(account=acme)
    world.call(duplicates.merge_accounts, world.alice, acme.id, gone.id)
    world.call(duplicates.merge_contacts, world.alice, kept.id, twin.id)
    refusals = {
        f"account {gone.id}": acme.id,
        f"contact {twin.id}": kept.id,
    }
    for kind in ("call", "email", "meeting", "note", "task"):
        for target_type, target_id in (("account", gone.id), ("contact", twin.id)):
            with pytest.raises(FailedPrecondition) as refused:
                world.call(
                    activities.log_activity,
                    world.alice,
                    target_type=target_type,
                    target_id=target_id,
                    kind=kind,
                    subject="follow-up",
                )
            survivor = refusals[f"{target_type} {target_id}"]
            assert f"merged into {survivor}" in str(refused.value)
            assert f"work on {survivor}" in str(refused.value)
    with pytest.raises(FailedPrecondition, match=f"work on {acme.id}"):
        world.call(accounts.create_contact, world.alice, account_id=gone.id, last_name="Roe")
    with pytest.raises(FailedPrecondition, match=f"work on {acme.id}"):
        world.deal(account=gone)
    with pytest.raises(FailedPrecondition, match=f"work on {kept.id}"):
        world.deal(account=acme, primary_contact_id=twin.id)
    with pytest.raises(FailedPrecondition, match=f"work on {kept.id}"):
        world.call(deals.update_deal, world.alice, deal.id, primary_contact_id=twin.id)
    with pytest.raises(FailedPrecondition, match=f"work on {kept.id}"):
        world.call(
            privacy.record_consent,
            world.alice,
            contact_id=twin.id,
            channel="email",
            granted=True,
            source="web form",
        )
    with pytest.raises(FailedPrecondition, match=f"work on {acme.id}"):
        world.call(accounts.mark_account_churned, world.sam, gone.id, "gone quiet")
    # nothing was written on the merged records; the survivors take all of it
    written = world.uow.activities.timeline(
        [("account", gone.id), ("contact", twin.id)], frozenset(), PageQuery.of()
    )
    assert written.items == []
    assert world.uow.consents.for_contact(twin.id) == []
    note = world.call(
        activities.log_activity,
        world.alice,
        target_type="contact",
        target_id=kept.id,
        kind="note",
        subject="follow-up",
    )
    assert note.target_id == kept.id
    updated = world.call(deals.update_deal, world.alice, deal.id, primary_contact_id=kept.id)
    assert updated.primary_contact_id == kept.id


def test_an_imported_activity_on_a_merged_record_reaches_its_survivor(world):
    from crm_deals.service_layer import migration

    acme = world.account(name="Acme")
    gone = world.account(name="ACME GmbH")
    world.call(duplicates.merge_accounts, world.alice, acme.id, gone.id)
    plan = migration.plan_import(
        world.alice,
        world.deps,
        kind="activities",
        column_mapping={},
        columns=["external_id", "target_type", "target_id", "kind", "subject"],
    )
    rows = [
        (
            1,
            {
                "external_id": "A-1",
                "target_type": "account",
                "target_id": gone.id,
                "kind": "call",
                "subject": "old call",
            },
        )
    ]
    (report, _) = list(migration.import_rows(world.deps, world.alice, plan, rows))
    (row,) = report.accepted
    assert world.get("activities", row.record_id).target_id == acme.id


def test_the_churn_rule_leaves_a_merged_away_customer_alone(world):
    import datetime as dt

    from deals_testkit import T0, WORKER, eur

    from crm_deals.service_layer import closing

    kept, gone = world.account(name="Acme"), world.account(name="ACME GmbH")
    for account in (kept, gone):
        deal = world.deal(account=account)
        world.call(
            closing.close_won,
            world.alice,
            deal.id,
            actual_revenue=eur("1"),
            actual_close_date=T0.date(),
        )
    world.call(duplicates.merge_accounts, world.alice, kept.id, gone.id)
    world.clock.advance(dt.timedelta(days=366))
    assert accounts.apply_churn_rule(world.deps, WORKER) == [kept.id]
    assert world.get("accounts", gone.id).relationship == "customer"  # read-only, untouched
