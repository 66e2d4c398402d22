"""ImportLeads over a real gRPC stream (fake unit of work, batches of 3 rows): per-row report,
rows accepted or rejected whole, a crash mid-import and the re-run."""

import grpc
import pytest

from crm.leads.v1 import lead_pb2, lead_service_pb2
from crm_chassis.errors import Unavailable

SC = grpc.StatusCode
COLUMNS = ["E-Mail", "First name", "Last name", "Company", "Country", "Budget"]


def good(n):
    return [f"p{n}@acme.example", f"P{n}", f"L{n}", "Acme", "DE", f"{n}k"]


def stream(rows, import_id="file-1", mapping=None, columns=COLUMNS, header=True):
    if header:
        yield lead_service_pb2.ImportLeadsRequest(
            header=lead_service_pb2.ImportHeader(
                import_id=import_id,
                columns=columns,
                column_mapping=mapping or {},
                default_channel=lead_pb2.CHANNEL_PURCHASED_LIST,
                default_sales_line_id="line-1",
            )
        )
    for number, values in rows:
        yield lead_service_pb2.ImportLeadsRequest(
            row=lead_service_pb2.ImportRow(
                row_number=number, values=dict(zip(columns, values, strict=False))
            )
        )


def numbered(*rows):
    return list(enumerate(rows, start=1))


def run(rpc, world, rows, caller=None, **kwargs):
    return list(
        rpc.leads.ImportLeads(
            stream(rows, **kwargs), metadata=rpc.metadata(caller or world.mia), timeout=10
        )
    )


def test_valid_rows_accepted_invalid_rejected_whole_with_row_field_reason(rpc, world):
    rows = numbered(
        good(1),
        good(2),
        ["bad-address", "X", "Y", "Acme", "Narnia", ""],
        [good(1)[0], "Dup", "Dup", "Other", "DE", ""],
        good(5),
    )
    answers = run(rpc, world, rows)
    assert [a.done for a in answers] == [False, False, True]  # two batches of 3, then summary
    final = answers[-1]
    assert (final.rows_read, final.rows_accepted, final.rows_rejected) == (5, 3, 2)
    problems = {(p.row_number, p.field) for a in answers for p in a.problems}
    assert {(3, "person.email"), (3, "location.country")} <= problems
    assert {row for row, _ in problems} == {3, 4}
    duplicate = next(p for a in answers for p in a.problems if p.row_number == 4)
    assert "e-mail" in duplicate.reason
    accepted = {a.row_number: a.lead_id for answer in answers for a in answer.accepted}
    assert sorted(accepted) == [1, 2, 5] and len(world.store.leads) == 3
    lead = world.store.leads[accepted[2]]
    assert lead.data.custom_attributes == {} and lead.data.source.channel.value == "purchased_list"


def test_explicit_mapping_takes_custom_attributes(rpc, world):
    mapping = {
        "E-Mail": "person.email",
        "Last name": "person.last_name",
        "Budget": "custom_attributes.budget",
    }
    answers = run(rpc, world, numbered(good(1)), mapping=mapping)
    lead = world.store.leads[answers[0].accepted[0].lead_id]
    assert lead.data.custom_attributes == {"budget": "1k"} and lead.data.company.name == ""


def test_rerun_accepts_no_row_twice(rpc, world):
    rows = numbered(*(good(n) for n in range(1, 6)))
    run(rpc, world, rows)
    again = run(rpc, world, rows)
    accepted = [a for answer in again for a in answer.accepted]
    assert len(accepted) == 5 and all(a.already_imported for a in accepted)
    assert len(world.store.leads) == 5
    changed = [(1, ["changed@acme.example", "C", "C", "Acme", "DE", ""])]
    answers = run(rpc, world, changed)
    assert answers[-1].rows_rejected == 1 and "new import id" in answers[0].problems[0].reason


def test_crash_mid_import_loses_no_accepted_row_and_rerun_duplicates_none(rpc, world):
    commits = []

    def crash_on_second_batch():
        commits.append(1)
        if len(commits) == 2:
            raise Unavailable("database went away")
        return False

    world.crash_on_commit = crash_on_second_batch
    rows = numbered(*(good(n) for n in range(1, 9)))
    received = []
    with pytest.raises(grpc.RpcError) as caught:
        for answer in rpc.leads.ImportLeads(
            stream(rows), metadata=rpc.metadata(world.mia), timeout=10
        ):
            received.append(answer)
    assert caught.value.code() == SC.UNAVAILABLE
    assert [a.row_number for a in received[0].accepted] == [1, 2, 3]  # reported = committed
    assert len(world.store.leads) == 3
    world.crash_on_commit = None
    answers = run(rpc, world, rows)
    accepted = {a.row_number: a.already_imported for answer in answers for a in answer.accepted}
    assert accepted == {1: True, 2: True, 3: True, 4: False, 5: False, 6: False, 7: False, 8: False}
    assert len(world.store.leads) == 8


def test_header_problems_are_refused_before_any_row(rpc, world):
    with pytest.raises(grpc.RpcError) as caught:
        run(rpc, world, numbered(good(1)), header=False)
    err = caught.value
    assert err.code() == SC.INVALID_ARGUMENT and "starts with a header" in err.details()
    with pytest.raises(grpc.RpcError) as caught:
        run(rpc, world, numbered(good(1)), import_id="", mapping={"E-Mail": "person.shoe"})
    err = caught.value
    assert err.code() == SC.INVALID_ARGUMENT
    assert "import_id" in err.details() and "column_mapping.E-Mail" in err.details()
    with pytest.raises(grpc.RpcError) as caught:
        run(rpc, world, numbered(good(1)), caller=world.ada)
    err = caught.value
    assert err.code() == SC.PERMISSION_DENIED and "importing leads" in err.details()
    assert not world.store.leads


def test_a_second_header_ends_the_stream_keeping_earlier_batches(rpc, world):
    def requests():
        yield from stream(numbered(good(1), good(2), good(3)))
        yield lead_service_pb2.ImportLeadsRequest(
            header=lead_service_pb2.ImportHeader(import_id="other")
        )

    received = []
    with pytest.raises(grpc.RpcError) as caught:
        for answer in rpc.leads.ImportLeads(
            requests(), metadata=rpc.metadata(world.mia), timeout=10
        ):
            received.append(answer)
    assert caught.value.code() == SC.INVALID_ARGUMENT and "one header" in caught.value.details()
    assert received[0].rows_accepted == 3 and len(world.store.leads) == 3


class Tripwire:
    """A request stream that records whether anything asked for its first message."""

    def __init__(self):
        self.read = False

    def __iter__(self):
        return self

    def __next__(self):
        self.read = True
        raise StopIteration


@pytest.mark.parametrize("who", ["ada", "bare", "mailer"])
def test_an_unauthorised_caller_is_refused_before_the_stream_is_read(world, who):
    from crm_chassis.errors import PermissionDenied
    from crm_leads.adapters.grpc_import import import_leads

    requests = Tripwire()
    with pytest.raises(PermissionDenied, match="importing leads"):
        next(import_leads(world.deps, getattr(world, who), requests))
    assert not requests.read


def test_an_idle_unauthorised_stream_is_refused_at_once(rpc, world):
    import threading

    release = threading.Event()

    def idle():  # never sends the header until released
        release.wait()
        return
        yield

    try:
        with pytest.raises(grpc.RpcError) as caught:
            list(rpc.leads.ImportLeads(idle(), metadata=rpc.metadata(world.bare), timeout=10))
        err = caught.value
    finally:
        release.set()
    assert err.code() == SC.PERMISSION_DENIED and "capture_leads" in err.details()
