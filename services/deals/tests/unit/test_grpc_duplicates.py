"""DuplicateService over gRPC: the duplicate flag in CreateAccount's and CreateContact's answer,
matches with their keys, merges answering the survivor, and clear statuses for bad requests."""

import grpc

from crm.deals.v1 import accounts_pb2
from crm.deals.v1 import duplicates_pb2 as D


def test_created_records_name_their_likely_duplicates_and_merges_answer_the_survivor(api):
    call = api.call
    first = call(
        api.accounts.CreateAccount,
        accounts_pb2.CreateAccountRequest(team_id="team-a", name="Acme GmbH"),
    )
    assert list(first.possible_duplicate_ids) == []
    second = call(
        api.accounts.CreateAccount,
        accounts_pb2.CreateAccountRequest(team_id="team-a", name="ACME", website="acme.example"),
    )
    assert list(second.possible_duplicate_ids) == [first.id]
    theirs = call(
        api.accounts.CreateAccount,
        accounts_pb2.CreateAccountRequest(team_id="team-b", name="Acme"),
        "tom",
    )
    assert list(theirs.possible_duplicate_ids) == []  # team A's are not tom's to know
    found = call(api.duplicates.FindAccountDuplicates, D.FindAccountDuplicatesRequest(name="acme"))
    assert [(m.id, list(m.matched_keys)) for m in found.matches] == [
        (first.id, ["name"]),
        (second.id, ["name"]),
    ]
    contact = call(
        api.contacts.CreateContact,
        accounts_pb2.CreateContactRequest(
            account_id=first.id, last_name="Doe", email="d@x.example"
        ),
    )
    again = call(
        api.contacts.CreateContact,
        accounts_pb2.CreateContactRequest(
            account_id=second.id, last_name="Roe", email="D@x.example"
        ),
    )
    assert list(again.possible_duplicate_ids) == [contact.id]
    survivor = call(
        api.duplicates.MergeAccounts,
        D.MergeAccountsRequest(survivor_id=first.id, duplicate_id=second.id),
    )
    assert (survivor.website, list(survivor.merged_ids)) == ("acme.example", [second.id])
    merged = call(api.accounts.GetAccount, accounts_pb2.GetAccountRequest(id=second.id))
    assert merged.merged_into_id == first.id
    person = call(
        api.duplicates.MergeContacts,
        D.MergeContactsRequest(survivor_id=contact.id, duplicate_id=again.id),
    )
    assert list(person.merged_ids) == [again.id]


def test_bad_requests_get_clear_statuses(api):
    account = api.call(
        api.accounts.CreateAccount, accounts_pb2.CreateAccountRequest(team_id="team-a", name="A")
    )
    for code, method, request, user in (
        (
            grpc.StatusCode.INVALID_ARGUMENT,
            api.duplicates.FindAccountDuplicates,
            D.FindAccountDuplicatesRequest(),
            "alice",
        ),
        (
            grpc.StatusCode.INVALID_ARGUMENT,
            api.duplicates.FindContactDuplicates,
            D.FindContactDuplicatesRequest(last_name="Doe"),
            "alice",
        ),
        (
            grpc.StatusCode.NOT_FOUND,
            api.duplicates.FindAccountDuplicates,
            D.FindAccountDuplicatesRequest(account_id=account.id),
            "tom",
        ),
        (
            grpc.StatusCode.INVALID_ARGUMENT,
            api.duplicates.MergeAccounts,
            D.MergeAccountsRequest(survivor_id=account.id, duplicate_id=account.id),
            "alice",
        ),
        (
            grpc.StatusCode.INVALID_ARGUMENT,
            api.duplicates.MergeContacts,
            D.MergeContactsRequest(survivor_id="", duplicate_id="c"),
            "alice",
        ),
        (
            grpc.StatusCode.NOT_FOUND,
            api.duplicates.MergeAccounts,
            D.MergeAccountsRequest(survivor_id=account.id, duplicate_id="ghost"),
            "alice",
        ),
        (
            grpc.StatusCode.UNAUTHENTICATED,
            api.duplicates.FindAccountDuplicates,
            D.FindAccountDuplicatesRequest(name="A"),
            None,
        ),
    ):
        if user is None:
            try:
                method(request, timeout=10)
            except grpc.RpcError as error:
                assert error.code() == code
            else:
                raise AssertionError("an anonymous call succeeded")
            continue
        assert api.refused(code, method, request, user)
