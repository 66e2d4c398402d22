"""How a sales line's deals close, and which steps each way refuses.

Territory gives every sales line a ``workflow_kind``; deals keeps it in its copy of the line
(:mod:`crm_deals.domain.sales_lines`) and enforces it here:

- ``contract``: the deal closes through a written contract; it is won when the contract is
  signed (never by hand), and quotes, pro-forma invoices and orders do not apply;
- ``quote`` (pro-forma line): quote -> pro-forma invoice -> order -> invoice; contracts do not
  apply.

A line whose workflow deals does not know (territory sent none) refuses nothing: the line's
owner has not chosen yet, and refusing every step would leave its deals stuck.
"""

from __future__ import annotations

from crm_chassis.errors import FailedPrecondition
from crm_deals.domain.sales_lines import SalesLine

CONTRACT, PROFORMA = "contract", "quote"

# step -> the workflow it belongs to
CONTRACT_STEPS = frozenset({"create a contract", "sign a contract", "renew a contract"})
PROFORMA_STEPS = frozenset(
    {"quote", "issue a pro-forma invoice", "accept a pro-forma invoice", "order a quote"}
)
MANUAL_WIN = "close as won by hand"

_HOW = {
    CONTRACT: "closes through a contract: `crmctl contracts create`, then `crmctl contracts sign`"
    " wins the deal",
    PROFORMA: "closes through quote -> pro-forma invoice -> order -> invoice: "
    "`crmctl quotes create`, `crmctl proformas issue`, `crmctl proformas accept`",
}


def workflow_of(line: SalesLine | None) -> str:
    return line.workflow if line is not None else ""


def require_step(line: SalesLine | None, step: str, deal_name: str) -> None:
    """Refuse ``step`` on a deal of ``line`` when the line's workflow is the other one, saying
    which workflow the line has and how its deals close."""
    workflow = workflow_of(line)
    if line is None or not workflow:
        return
    refused = (
        (workflow == PROFORMA and step in CONTRACT_STEPS)
        or (workflow == CONTRACT and step in PROFORMA_STEPS)
        or (workflow == CONTRACT and step == MANUAL_WIN)
    )
    if refused:
        kind = "a contract line" if workflow == CONTRACT else "a pro-forma line"
        raise FailedPrecondition(
            f"cannot {step} for deal {deal_name!r}: its sales line {line.label()} is {kind} "
            f"(workflow {workflow}); its deals close one way only: a deal of it "
            f"{_HOW[workflow]}",
            field="sales_line_id",
        )
