"""A sales floor for the console's browser tests: a PlatformBed with identity, territory, deals
and catalog, a small company (e2e_platform.small_company: ann and bob in team Berlin, sue its
supervisor, cid in team Munich), a sales line with a pipeline, a product priced by a price
list, and the console's web process in front of them. People sign in through the console's
own page with their e-mail and password, as a person would."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
from e2e_platform import PASSWORD, As, Stubs, unique

from crm.catalog.v1 import (
    price_lists_pb2,
    price_lists_pb2_grpc,
    products_pb2,
    products_pb2_grpc,
    units_pb2,
    units_pb2_grpc,
)
from crm.common.v1 import money_pb2
from crm.deals.v1 import accounts_pb2, deals_pb2
from crm.identity.v1 import users_pb2
from crm.territory.v1 import org_pb2, teams_pb2
from crm_testkit import free_port, wait_until

SERVICES = ["identity", "territory", "deals", "catalog"]


def person(bed, stubs: Stubs, admin: As, name: str, roles=()) -> tuple[As, str]:
    """A member of sales with a password: (caller, e-mail)."""
    email = f"{unique(name)}@example.com"
    user = admin(
        stubs.users.CreateUser,
        users_pb2.CreateUserRequest(
            email=email,
            display_name=name.title(),
            password=PASSWORD,
            departments=["sales"],
            roles=list(roles),
        ),
    )
    return As(bed.login(email, PASSWORD), user.id), email


def company(bed, stubs: Stubs, admin: As) -> dict:
    """Team Berlin (ann, bob experts; sue supervisor) and team Munich (cid)."""
    people, emails = {}, {}
    for name in ("ann", "bob", "sue", "cid"):
        people[name], emails[name] = person(bed, stubs, admin, name)
    unit = admin(
        stubs.org.CreateOrgUnit,
        org_pb2.CreateOrgUnitRequest(name=unique("DACH"), department="sales"),
    ).unit
    berlin, munich = (
        admin(
            stubs.teams.CreateTeam,
            teams_pb2.CreateTeamRequest(name=unique(name), unit_id=unit.id),
        ).team
        for name in ("Berlin", "Munich")
    )
    for who, team, role in (
        ("ann", berlin, teams_pb2.TEAM_ROLE_EXPERT),
        ("bob", berlin, teams_pb2.TEAM_ROLE_EXPERT),
        ("sue", berlin, teams_pb2.TEAM_ROLE_SUPERVISOR),
        ("cid", munich, teams_pb2.TEAM_ROLE_EXPERT),
    ):
        admin(
            stubs.members.AddMember,
            teams_pb2.AddMemberRequest(team_id=team.id, user_id=people[who].user_id, role=role),
        )
    return dict(people=people, emails=emails, berlin=berlin, munich=munich)


def priced_product(bed, stubs: Stubs, admin: As) -> products_pb2.Product:
    """Product "Seat licence" (list price 100.00 EUR a seat) on the default EUR list at 90.00."""
    manager, _ = person(bed, stubs, admin, "cat", roles=("catalog_manager",))
    channel = bed.channel("catalog")
    units = units_pb2_grpc.UnitGroupServiceStub(channel)
    products = products_pb2_grpc.ProductServiceStub(channel)
    lists = price_lists_pb2_grpc.PriceListServiceStub(channel)
    group = manager(
        units.CreateUnitGroup,
        units_pb2.CreateUnitGroupRequest(name=unique("Seats"), base_unit="seat"),
    ).unit_group
    product = manager(
        products.CreateProduct,
        products_pb2.CreateProductRequest(
            sku=unique("SEAT"),
            name="Seat licence",
            unit_group_id=group.id,
            default_unit="seat",
            currency="EUR",
            list_price="100.00",
        ),
    ).product
    product = manager(
        products.ActivateProduct, products_pb2.ActivateProductRequest(id=product.id)
    ).product
    price_list = manager(
        lists.CreatePriceList,
        price_lists_pb2.CreatePriceListRequest(name=unique("EUR list"), currency="EUR"),
    ).price_list
    manager(
        lists.SetPriceListItem,
        price_lists_pb2.SetPriceListItemRequest(
            price_list_id=price_list.id,
            item=price_lists_pb2.PriceListItem(
                product_id=product.id,
                unit="seat",
                method=price_lists_pb2.PRICING_METHOD_CURRENCY_AMOUNT,
                value="90.00",
            ),
        ),
    )
    return product


def deal(
    bed,
    stubs: Stubs,
    owner: As,
    team_id: str,
    line_id: str,
    name: str,
    revenue: str,
    currency: str = "EUR",
):
    """An account of the team and an open deal at the first stage, made by ``owner`` once
    deals knows the owner's membership (it learns it from territory's events)."""

    def account():
        try:
            return owner(
                stubs.accounts.CreateAccount,
                accounts_pb2.CreateAccountRequest(team_id=team_id, name=unique(name)),
            )
        except grpc.RpcError as error:
            if error.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND):
                return None
            raise

    made = bed.wait_for(account, 60, "deals never learnt the team's members")
    return owner(
        stubs.deals.CreateDeal,
        deals_pb2.CreateDealRequest(
            name=name,
            account_id=made.id,
            sales_line_id=line_id,
            currency=currency,
            estimated_revenue=money_pb2.Money(amount=revenue, currency=currency),
        ),
    )


@contextmanager
def console(bed, workdir: Path) -> Iterator[str]:
    """The console's web process in front of the bed's services; yields its URL."""
    port = free_port()
    env = {
        **bed.env,
        "CRM_CONSOLE_HTTP_HOST": "127.0.0.1",
        "CRM_CONSOLE_HTTP_PORT": str(port),
        "CRM_CONSOLE_METRICS_PORT": "0",
        "CRM_CONSOLE_SECURE_COOKIES": "false",  # plain http on 127.0.0.1
    }
    log = workdir / "console.web.log"
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "crm_console.entrypoints.web"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"

    def answering() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"console exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/sign-in", timeout=1):
                return True
        except OSError:
            return False

    try:
        wait_until(answering, timeout=60, message="the console did not answer")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def sign_in(page, url: str, email: str) -> None:
    page.goto(f"{url}/sign-in")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda address: "/sign-in" not in address)
