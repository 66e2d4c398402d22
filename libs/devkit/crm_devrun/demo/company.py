"""The demo company's organisation, people, sales lines, territories, campaigns and targets, as
plain data from a seed (no I/O): two runs with one seed give the same company.

    division Sales
    ├── region Enterprise ── area Enterprise EMEA: teams Berlin Enterprise, Tel Aviv Enterprise
    └── region SMB ───────┬─ area Middle East SMB: teams Tehran SMB, Tel Aviv SMB
                          └─ area Europe SMB: teams Berlin SMB, London SMB

Enterprise deals close on a signed contract (territory's workflow_kind contract), SMB deals on an
accepted pro-forma invoice (workflow_kind quote). 30 people: the head of sales (manager of the
division), two region managers, a supervisor and two to four reps per team, two marketers (who
import the leads and run the campaigns).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from crm_devrun.demo.names import LANGUAGES, Name, person_name

PASSWORD = "demo company passphrase 2024"
EMAIL_DOMAIN = "demo.crm.example"
LEVEL_NAMES = ("division", "region", "area")
CURRENCY = "EUR"


@dataclass(frozen=True)
class Person:
    key: str  # stable within the demo: "head", "sup-berlin-ent", "rep-berlin-ent-2"...
    name: Name
    title: str
    departments: tuple[str, ...] = ("sales",)

    @property
    def email(self) -> str:
        return f"{self.name.slug}@{EMAIL_DOMAIN}"


@dataclass(frozen=True)
class Unit:
    key: str
    name: str
    level: int  # 1..3
    parent: str = ""  # parent unit's key
    manager: str = ""  # person key


@dataclass(frozen=True)
class Stage:
    key: str
    name: str
    probability: int
    category: str  # pipeline, best_case, commit
    expected_days: int


@dataclass(frozen=True)
class Line:
    key: str
    name: str
    workflow: str  # contract or quote
    stages: tuple[Stage, ...]
    deal_size: tuple[int, int]  # EUR, estimated revenue range
    cycle_days: tuple[int, int]  # created -> closed
    win_rate: float


@dataclass(frozen=True)
class Team:
    key: str
    name: str
    unit: str
    line: str
    time_zone: str
    countries: tuple[str, ...]  # its territory's rule; the last team of a line also takes the rest
    supervisor: str
    reps: tuple[str, ...]
    monthly_target: int  # EUR


@dataclass(frozen=True)
class Campaign:
    key: str
    name: str
    channel: str  # leads' Channel word
    starts_on: dt.date
    ends_on: dt.date
    cost: str  # EUR, exact decimal


@dataclass(frozen=True)
class Company:
    people: tuple[Person, ...]
    units: tuple[Unit, ...]
    lines: tuple[Line, ...]
    teams: tuple[Team, ...]
    campaigns: tuple[Campaign, ...]

    def person(self, key: str) -> Person:
        return next(p for p in self.people if p.key == key)

    def line(self, key: str) -> Line:
        return next(line for line in self.lines if line.key == key)

    def teams_of(self, line: str) -> tuple[Team, ...]:
        return tuple(team for team in self.teams if team.line == line)


ENTERPRISE = Line(
    "enterprise",
    "Enterprise",
    "contract",
    (
        Stage("qualification", "Qualification", 10, "pipeline", 14),
        Stage("discovery", "Discovery", 25, "pipeline", 21),
        Stage("proposal", "Proposal", 50, "best_case", 21),
        Stage("negotiation", "Negotiation", 75, "commit", 14),
        Stage("contract", "Contract signature", 90, "commit", 10),
    ),
    deal_size=(20_000, 180_000),
    cycle_days=(45, 150),
    win_rate=0.32,
)
SMB = Line(
    "smb",
    "SMB",
    "quote",
    (
        Stage("new", "New", 10, "pipeline", 5),
        Stage("demo", "Demo", 30, "pipeline", 7),
        Stage("quote", "Quote sent", 60, "best_case", 7),
        Stage("proforma", "Pro-forma invoice", 85, "commit", 5),
    ),
    deal_size=(1_500, 18_000),
    cycle_days=(10, 45),
    win_rate=0.45,
)

UNITS = (
    Unit("sales", "Sales", 1, manager="head"),
    Unit("enterprise", "Enterprise", 2, "sales", manager="mgr-enterprise"),
    Unit("smb", "SMB", 2, "sales", manager="mgr-smb"),
    Unit("enterprise-emea", "Enterprise EMEA", 3, "enterprise"),
    Unit("smb-middle-east", "Middle East SMB", 3, "smb"),
    Unit("smb-europe", "Europe SMB", 3, "smb"),
)

# key, name, unit, line, zone, countries, reps, monthly target (EUR)
TEAMS = (
    (
        "berlin-ent",
        "Berlin Enterprise",
        "enterprise-emea",
        "enterprise",
        "Europe/Berlin",
        ("DE", "AT", "CH", "GB", "FR", "NL"),
        4,
        240_000,
    ),
    (
        "telaviv-ent",
        "Tel Aviv Enterprise",
        "enterprise-emea",
        "enterprise",
        "Asia/Jerusalem",
        ("IL", "IR", "AE", "TR"),
        4,
        220_000,
    ),
    ("tehran-smb", "Tehran SMB", "smb-middle-east", "smb", "Asia/Tehran", ("IR",), 4, 45_000),
    (
        "telaviv-smb",
        "Tel Aviv SMB",
        "smb-middle-east",
        "smb",
        "Asia/Jerusalem",
        ("IL", "AE", "TR"),
        3,
        40_000,
    ),
    (
        "berlin-smb",
        "Berlin SMB",
        "smb-europe",
        "smb",
        "Europe/Berlin",
        ("DE", "AT", "CH"),
        2,
        30_000,
    ),
    (
        "london-smb",
        "London SMB",
        "smb-europe",
        "smb",
        "Europe/London",
        ("GB", "IE", "FR", "NL", "US"),
        2,
        30_000,
    ),
)
# language of the people of each team's city (a third of reps are drawn from any language)
TEAM_LANGUAGE = {"berlin": "en", "telaviv": "he", "tehran": "fa", "london": "en"}

CAMPAIGNS = (
    # key, name, channel, start (months before today), length in days, cost
    ("webinars", "Webinar series", "web_form", 17, 120, "18000.00"),
    ("expo", "Trade fair Expo", "event", 14, 4, "42000.00"),
    ("search", "Search ads", "paid_ads", 12, 300, "36000.00"),
    ("linkedin", "LinkedIn outreach", "social_media", 9, 90, "15000.00"),
    ("partners", "Partner referrals", "referral", 7, 200, "8000.00"),
    ("list", "Purchased list Q-campaign", "purchased_list", 3, 30, "6500.00"),
)


def _month_start(day: dt.date, months_back: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


def build(seed: int, today: dt.date) -> Company:
    """The company: fixed structure, people's names drawn from ``seed``."""
    rng = random.Random(seed)
    used: set[str] = set()

    def new_person(
        key: str, title: str, language: str, departments: tuple[str, ...] = ("sales",)
    ) -> Person:
        while True:
            candidate = Person(key, person_name(rng, language), title, departments)
            if candidate.email not in used:
                used.add(candidate.email)
                return candidate

    people = [
        new_person("head", "Head of sales", "fa"),
        new_person("mgr-enterprise", "Enterprise region manager", "he"),
        new_person("mgr-smb", "SMB region manager", "fa"),
        new_person("mkt-lead", "Marketing manager", "he", ("marketing",)),
        new_person("mkt-ops", "Marketing operations", "en", ("marketing",)),
    ]
    teams = []
    for key, name, unit, line, zone, countries, reps, target in TEAMS:
        home = TEAM_LANGUAGE[key.split("-")[0]]
        supervisor = new_person(f"sup-{key}", f"Supervisor, {name}", home)
        people.append(supervisor)
        rep_keys = []
        for number in range(1, reps + 1):
            language = home if rng.random() < 0.67 else rng.choice(LANGUAGES)
            rep = new_person(f"rep-{key}-{number}", f"Sales rep, {name}", language)
            people.append(rep)
            rep_keys.append(rep.key)
        teams.append(
            Team(key, name, unit, line, zone, countries, supervisor.key, tuple(rep_keys), target)
        )
    campaigns = tuple(
        Campaign(
            key,
            name,
            channel,
            (start := _month_start(today, months_back) + dt.timedelta(days=rng.randrange(0, 20))),
            min(start + dt.timedelta(days=length), today),
            cost,
        )
        for key, name, channel, months_back, length, cost in CAMPAIGNS
    )
    return Company(tuple(people), UNITS, (ENTERPRISE, SMB), tuple(teams), campaigns)


def target_periods(today: dt.date, months: int) -> list[str]:
    """Every month of the history up to three months ahead, their quarters and years."""
    periods: list[str] = []
    for back in range(months - 1, -4, -1):
        first = _month_start(today, back)
        for period in (
            f"{first.year}",
            f"{first.year}-Q{(first.month - 1) // 3 + 1}",
            f"{first.year}-{first.month:02d}",
        ):
            if period not in periods:
                periods.append(period)
    return periods


def period_months(period: str) -> int:
    if "-Q" in period:
        return 3
    return 1 if "-" in period else 12
