"""The demo's records as rows, from a seed (no I/O): the leads to import and the deal history to
migrate (accounts, contacts, deals, activities, tasks due today).

Rows name other records by the demo's keys (a team's, a person's, a line's, a campaign's key, or
an external id); the seeding steps put the platform's ids in their place when sending.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from dataclasses import dataclass, field

from crm_devrun.demo.company import CURRENCY, Company, Line, Team
from crm_devrun.demo.names import LANGUAGES, company_name, domain_of, person_name

COUNTRIES = {  # country: (weight, language, cities)
    "IR": (22, "fa", ("Tehran", "Isfahan", "Shiraz", "Tabriz", "Mashhad")),
    "IL": (22, "he", ("Tel Aviv", "Jerusalem", "Haifa", "Beersheba", "Netanya")),
    "DE": (15, "en", ("Berlin", "Munich", "Hamburg", "Cologne", "Frankfurt")),
    "GB": (10, "en", ("London", "Manchester", "Leeds", "Bristol")),
    "AE": (6, "en", ("Dubai", "Abu Dhabi")),
    "TR": (5, "en", ("Istanbul", "Ankara", "Izmir")),
    "AT": (4, "en", ("Vienna", "Graz")),
    "CH": (4, "en", ("Zurich", "Geneva", "Basel")),
    "FR": (4, "en", ("Paris", "Lyon")),
    "NL": (3, "en", ("Amsterdam", "Rotterdam")),
    "IE": (3, "en", ("Dublin", "Cork")),
    "US": (2, "en", ("New York", "Boston")),
}
HEAD_COUNTS = ((5, 20), (20, 35), (60, 25), (400, 12), (3000, 8))  # (typical head count, weight)
TITLES = ("CEO", "CTO", "Head of IT", "Operations manager", "Procurement lead", "CFO", "Owner")
ORGANIC_CHANNELS = (("web_form", 5), ("referral", 2), ("other", 1))
CAMPAIGN_SHARE = 0.7
CAMPAIGN_WEIGHTS = {"webinars": 5, "expo": 3, "search": 6, "linkedin": 3, "partners": 2, "list": 2}

LOST_REASONS = (
    ("price", 30),
    ("competitor", 25),
    ("no_decision", 20),
    ("no_budget", 10),
    ("timing", 8),
    ("product_fit", 7),
)
COMPETITORS = ("Salesforce", "HubSpot", "Zoho", "Dynamics 365", "Pipedrive")
DEALS_PER_REP_MONTH = {"enterprise": 1.5, "smb": 4.0}
ACTIVITY_KINDS = (("call", 5), ("email", 4), ("meeting", 2), ("note", 1))
CAMPAIGN_WON_SHARE = 0.2  # of the pro-forma line's won deals: won through the API, with a campaign
STALLED_SHARE = 0.06  # of deals that would have closed: still open, the sales cycle's slow deals  # of recent won deals: won through the API, carrying a campaign
LEGAL_FORMS = {"co", "ltd", "plc", "inc", "gmbh", "ag", "llc", "company", "limited", "corp"}
LEAD_COLUMNS = (
    "person.first_name",
    "person.last_name",
    "person.title",
    "person.email",
    "company.name",
    "company.industry",
    "company.size",
    "location.country",
    "location.city",
    "source.channel",
    "source.campaign_id",
    "sales_line_id",
)


def _weighted(rng: random.Random, pairs):  # type: ignore[no-untyped-def]
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def lead_rows(company: Company, count: int, seed: int) -> list[dict[str, str]]:
    """``count`` leads of distinct people (no two share an e-mail or company + name, so leads'
    duplicate rule rejects none); ``source.campaign_id`` and ``sales_line_id`` hold keys."""
    rng = random.Random(seed * 7919 + 1)
    country_pairs = [(code, weight) for code, (weight, _, _) in COUNTRIES.items()]
    campaigns = [(c.key, CAMPAIGN_WEIGHTS.get(c.key, 1)) for c in company.campaigns]
    channel_of = {c.key: c.channel for c in company.campaigns}
    rows: list[dict[str, str]] = []
    emails: set[str] = set()
    people: set[str] = set()
    while len(rows) < count:
        country = _weighted(rng, country_pairs)
        _, home, cities = COUNTRIES[country]
        language = home if rng.random() < 0.8 else rng.choice(LANGUAGES)
        name = person_name(rng, language)
        city = rng.choice(cities)
        firm, industry = company_name(rng, home)
        firm = f"{firm} {city}"  # the branch: companies have offices in several cities
        email = f"{name.slug}@{domain_of(firm)}"
        key = duplicate_key(firm, name.display)
        if email in emails or key in people:
            continue
        emails.add(email)
        people.add(key)
        head_count = _weighted(rng, HEAD_COUNTS)
        head_count = max(1, int(head_count * rng.uniform(0.6, 1.6)))
        if rng.random() < CAMPAIGN_SHARE and campaigns:
            campaign = _weighted(rng, campaigns)
            channel = channel_of[campaign]
        else:
            campaign, channel = "", _weighted(rng, ORGANIC_CHANNELS)
        rows.append(
            {
                "person.first_name": name.display.split(" ", 1)[0],
                "person.last_name": name.display.split(" ", 1)[1],
                "person.title": rng.choice(TITLES),
                "person.email": email,
                "company.name": firm,
                "company.industry": industry,
                "company.size": str(head_count),
                "location.country": country,
                "location.city": city,
                "source.channel": channel,
                "source.campaign_id": campaign,
                "sales_line_id": "enterprise" if head_count >= 250 else "smb",
            }
        )
    return rows


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.casefold())
    return re.findall(r"[a-z0-9]+", "".join(c for c in folded if not unicodedata.combining(c)))


def duplicate_key(company: str, person: str) -> str:
    """The key under which leads' duplicate rule sees "the same company and person name": words
    of Latin letters and digits only, the legal form dropped. A name in Persian or Hebrew script
    has no such words, so two leads of one company with such names count as the same person:
    the demo gives every lead of that kind a company of its own."""
    words = _words(company)
    while len(words) > 1 and words[-1] in LEGAL_FORMS:
        words.pop()
    return f"{' '.join(words)}|{' '.join(_words(person))}"


@dataclass
class History:
    """Rows of the migration import per team (each team's supervisor imports its own), the deals
    to win through the API with a campaign, and the open deals' expected close dates."""

    accounts: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    contacts: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    deals: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    activities: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    # external id -> (campaign key, close date, revenue): imported open, won through the API
    campaign_wins: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    # external id -> expected close date of an open deal (UpdateDeal: imports take no future date)
    expected_close: dict[str, str] = field(default_factory=dict)

    def count(self, kind: str) -> int:
        rows: dict[str, list[dict[str, str]]] = getattr(self, kind)
        return sum(len(team_rows) for team_rows in rows.values())

    def closed(self, status: str) -> int:
        return sum(1 for rows in self.deals.values() for row in rows if row["status"] == status)


def _money(value: float) -> str:
    return f"{value:.2f}"


def history(company: Company, months: int, today: dt.date, seed: int) -> History:
    """``months`` months of deals of every rep up to yesterday: won, lost (reason, competitor),
    open at every stage; their accounts, contacts and activities; two tasks per rep due today."""
    rng = random.Random(seed * 104729 + 2)
    start = today - dt.timedelta(days=round(months * 30.44))
    result = History()
    for team in company.teams:
        _team_history(result, company, team, company.line(team.line), start, today, months, rng)
    return result


def _team_history(
    result: History,
    company: Company,
    team: Team,
    line: Line,
    start: dt.date,
    today: dt.date,
    months: int,
    rng: random.Random,
) -> None:
    span = (today - start).days
    count = max(
        len(line.stages) + 2, round(len(team.reps) * months * DEALS_PER_REP_MONTH[line.key])
    )
    deals = []
    for number in range(count):
        created = start + dt.timedelta(days=rng.randrange(0, span))
        deals.append((created, number))
    deals.sort()
    accounts: list[tuple[str, dt.date, str]] = []  # external id, created, owner
    account_rows, contact_rows, deal_rows, activity_rows = [], [], [], []
    open_stage = 0  # open deals are spread over every stage, round the pipeline
    for created, number in deals:
        owner = rng.choice(team.reps)
        if not accounts or rng.random() < 0.65:
            home = _weighted(rng, [(c, COUNTRIES[c][0]) for c in team.countries])
            firm, industry = company_name(rng, COUNTRIES[home][1])
            account_id = f"demo-acc-{team.key}-{len(accounts) + 1}"
            account_created = max(start, created - dt.timedelta(days=rng.randrange(0, 20)))
            accounts.append((account_id, account_created, owner))
            account_rows.append(
                {
                    "external_id": account_id,
                    "team_id": team.key,
                    "owner_user_id": owner,
                    "name": f"{firm} ({home})",
                    "industry": industry,
                    "website": f"https://www.{domain_of(firm)}",
                    "created_at": account_created.isoformat(),
                }
            )
            contact = person_name(rng, COUNTRIES[home][1])
            contact_rows.append(
                {
                    "external_id": f"demo-con-{team.key}-{len(accounts)}",
                    "account_external_id": account_id,
                    "owner_user_id": owner,
                    "first_name": contact.display.split(" ", 1)[0],
                    "last_name": contact.display.split(" ", 1)[1],
                    "email": f"{contact.slug}@{domain_of(firm)}",
                    "job_title": rng.choice(TITLES),
                    "created_at": account_created.isoformat(),
                }
            )
            account = accounts[-1]
        else:
            account = rng.choice([a for a in accounts if a[1] <= created] or accounts[:1])
        external = f"demo-deal-{team.key}-{number + 1}"
        low, high = line.deal_size
        step = 100 if line.key == "enterprise" else 10
        amount = round(rng.uniform(low, high) / step) * step
        cycle = rng.randint(*line.cycle_days)
        closes = created + dt.timedelta(days=cycle)
        row = {
            "external_id": external,
            "account_external_id": account[0],
            "sales_line_id": line.key,
            "owner_user_id": owner,
            "name": f"{line.name} deal {number + 1}",
            "currency": CURRENCY,
            "amount": _money(amount),
            "created_at": max(created, account[1]).isoformat(),
        }
        if closes < today and rng.random() < STALLED_SHARE:
            closes = today + dt.timedelta(days=rng.randint(7, 60))  # stalled: still open, slipping
        if closes < today:
            won = rng.random() < line.win_rate
            row["close_date"] = closes.isoformat()
            if won:
                revenue = _money(round(amount * rng.uniform(0.85, 1.05)))
                campaign = _campaign_of(company, closes, rng)
                # imported open at the last stage, won through the API with its campaign (a line
                # on contracts wins only by a signed contract, so only the pro-forma line)
                if campaign and line.workflow == "quote" and rng.random() < CAMPAIGN_WON_SHARE:
                    row.update(status="open", stage_key=line.stages[-1].key)
                    del row["close_date"]
                    result.campaign_wins[external] = (campaign, closes.isoformat(), revenue)
                else:
                    row.update(status="won", stage_key=line.stages[-1].key, actual_revenue=revenue)
            else:
                reason = _weighted(rng, LOST_REASONS)
                row.update(
                    status="lost",
                    stage_key=rng.choice(line.stages).key,
                    lost_reason=reason,
                    competitor=rng.choice(COMPETITORS) if reason in ("price", "competitor") else "",
                    note="" if reason != "no_decision" else "went silent after the proposal",
                )
        else:
            row.update(status="open", stage_key=line.stages[open_stage % len(line.stages)].key)
            open_stage += 1
            result.expected_close[external] = max(closes, today + dt.timedelta(days=3)).isoformat()
        deal_rows.append(row)
        end = min(closes, today - dt.timedelta(days=1))
        for touch in range(rng.randint(1, 3)):
            when = created + dt.timedelta(days=rng.randint(0, max(0, (end - created).days)))
            kind = _weighted(rng, ACTIVITY_KINDS)
            activity_rows.append(
                {
                    "external_id": f"{external}-act-{touch + 1}",
                    "target_type": "deal",
                    "target_external_id": external,
                    "kind": kind,
                    "subject": f"{kind.title()} about {row['name']}",
                    "owner_user_id": owner,
                    "occurred_at": f"{max(when, created).isoformat()}T10:00:00+00:00",
                    **({"direction": "outbound"} if kind in ("call", "email") else {}),
                    **(
                        {"duration_minutes": str(rng.choice((15, 30, 45)))}
                        if kind in ("call", "meeting")
                        else {}
                    ),
                }
            )
    won_later = set(result.campaign_wins)
    open_deals = [
        d for d in deal_rows if d["status"] == "open" and d["external_id"] not in won_later
    ]
    _tasks_due_today(activity_rows, team, open_deals, today, rng)
    result.accounts[team.key], result.contacts[team.key] = account_rows, contact_rows
    result.deals[team.key], result.activities[team.key] = deal_rows, activity_rows


def _tasks_due_today(
    activity_rows: list[dict[str, str]],
    team: Team,
    open_deals: list[dict[str, str]],
    today: dt.date,
    rng: random.Random,
) -> None:
    if not open_deals:
        return
    for rep in team.reps:
        mine = [d for d in open_deals if d["owner_user_id"] == rep] or open_deals
        for number, hour in enumerate((11, 15), start=1):
            deal = rng.choice(mine)
            activity_rows.append(
                {
                    "external_id": f"demo-task-{rep}-{number}",
                    "target_type": "deal",
                    "target_external_id": deal["external_id"],
                    "kind": "task",
                    "subject": ("Call back about " if number == 1 else "Send the offer for ")
                    + deal["name"],
                    "owner_user_id": rep,
                    "occurred_at": f"{(today - dt.timedelta(days=1)).isoformat()}T09:00:00+00:00",
                    "due_at": f"{today.isoformat()}T{hour:02d}:00:00+00:00",
                }
            )


def _campaign_of(company: Company, closed: dt.date, rng: random.Random) -> str:
    running = [c.key for c in company.campaigns if c.starts_on <= closed]
    return rng.choice(running) if running else ""
