"""MigrationService over gRPC: a header then rows, a report per batch, bad rows named, a re-run
adding nothing, a dry run storing nothing, a stream without a header refused."""

import grpc
import pytest

from crm.deals.v1 import accounts_pb2
from crm.deals.v1 import migration_pb2 as M


def stream(header, rows, message=M.ImportAccountsRequest):
    yield message(header=header)
    for number, values in enumerate(rows, start=1):
        yield message(row=M.MigrationRow(row_number=number, values=values))


ROWS = [
    {"external_id": "SF-1", "team_id": "team-a", "name": "Acme GmbH", "created_at": "2018-05-04"},
    {"external_id": "SF-2", "team_id": "team-a", "name": ""},
]


def imported(api, rows, dry_run=False, user="alice"):
    header = M.MigrationHeader(
        columns=["external_id", "team_id", "name", "created_at"], dry_run=dry_run
    )
    return list(
        api.migration.ImportAccounts(stream(header, rows), metadata=api.auth(user), timeout=10)
    )


def test_accounts_import_reports_each_row_and_a_rerun_adds_nothing(api):
    first = imported(api, ROWS)
    assert first[-1].done and (first[-1].rows_accepted, first[-1].rows_rejected) == (1, 1)
    (problem,) = [p for r in first for p in r.problems]
    assert (problem.row_number, problem.field) == (2, "name")
    (accepted,) = [a for r in first for a in r.accepted]
    account = api.call(
        api.accounts.GetAccount, accounts_pb2.GetAccountRequest(id=accepted.record_id)
    )
    assert account.name == "Acme GmbH" and account.created_at.ToJsonString().startswith(
        "2018-05-04"
    )
    again = imported(api, ROWS)
    assert [a.already_imported for r in again for a in r.accepted] == [True]
    listed = api.call(api.accounts.ListAccounts, accounts_pb2.ListAccountsRequest()).accounts
    assert len(listed) == 1


def test_a_dry_run_stores_nothing(api):
    dry = imported(api, ROWS, dry_run=True)
    assert dry[-1].dry_run and dry[-1].rows_accepted == 1
    assert not api.call(api.accounts.ListAccounts, accounts_pb2.ListAccountsRequest()).accounts


def test_a_stream_without_a_header_is_refused(api):
    rows = iter([M.ImportAccountsRequest(row=M.MigrationRow(row_number=1))])
    with pytest.raises(grpc.RpcError) as err:
        list(api.migration.ImportAccounts(rows, metadata=api.auth("alice"), timeout=10))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "header" in err.value.details()


def test_a_deal_won_years_ago_is_imported_with_its_dates(api):
    imported(api, ROWS)
    header = M.MigrationHeader(
        columns=[
            "external_id",
            "account_external_id",
            "sales_line_id",
            "name",
            "currency",
            "amount",
            "status",
            "close_date",
            "created_at",
        ]
    )
    rows = [
        {
            "external_id": "D-1",
            "account_external_id": "SF-1",
            "sales_line_id": "line-1",
            "name": "Old win",
            "currency": "EUR",
            "amount": "900.00",
            "status": "won",
            "close_date": "2019-12-20",
            "created_at": "2019-10-01",
        }
    ]
    (report, final) = list(
        api.migration.ImportDeals(
            stream(header, rows, M.ImportDealsRequest), metadata=api.auth("alice"), timeout=10
        )
    )
    assert final.done and final.rows_accepted == 1, report
    from crm.deals.v1 import deals_pb2

    deal = api.call(api.deals.GetDeal, deals_pb2.GetDealRequest(id=report.accepted[0].record_id))
    assert deal.actual_close_date == "2019-12-20" and deal.actual_revenue.amount == "900.00"
