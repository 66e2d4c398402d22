"""Names of people and companies for the demo company. The first people to use the platform
speak Persian and Hebrew, so a third of the names are Persian and a third Hebrew (shown in their
own script, e-mails transliterated) beside English ones."""

from __future__ import annotations

import random
from dataclasses import dataclass

# (transliteration, native script)
PERSIAN_FIRST = (
    ("Sara", "سارا"),
    ("Reza", "رضا"),
    ("Maryam", "مریم"),
    ("Ali", "علی"),
    ("Niloufar", "نیلوفر"),
    ("Kaveh", "کاوه"),
    ("Shirin", "شیرین"),
    ("Dariush", "داریوش"),
    ("Leila", "لیلا"),
    ("Arash", "آرش"),
    ("Parisa", "پریسا"),
    ("Babak", "بابک"),
    ("Roya", "رویا"),
    ("Omid", "امید"),
    ("Yasmin", "یاسمن"),
    ("Farhad", "فرهاد"),
    ("Mina", "مینا"),
    ("Kian", "کیان"),
)
PERSIAN_LAST = (
    ("Ahmadi", "احمدی"),
    ("Karimi", "کریمی"),
    ("Hosseini", "حسینی"),
    ("Rahimi", "رحیمی"),
    ("Moradi", "مرادی"),
    ("Tehrani", "تهرانی"),
    ("Jafari", "جعفری"),
    ("Sadeghi", "صادقی"),
    ("Rostami", "رستمی"),
    ("Shirazi", "شیرازی"),
    ("Kazemi", "کاظمی"),
    ("Najafi", "نجفی"),
    ("Farahani", "فراهانی"),
    ("Ebrahimi", "ابراهیمی"),
    ("Amini", "امینی"),
    ("Bagheri", "باقری"),
)
HEBREW_FIRST = (
    ("Noa", "נועה"),
    ("Yossi", "יוסי"),
    ("Tamar", "תמר"),
    ("Avi", "אבי"),
    ("Shira", "שירה"),
    ("Eitan", "איתן"),
    ("Maya", "מאיה"),
    ("Oren", "אורן"),
    ("Yael", "יעל"),
    ("Daniel", "דניאל"),
    ("Michal", "מיכל"),
    ("Amit", "עמית"),
    ("Ronit", "רונית"),
    ("Gil", "גיל"),
    ("Hila", "הילה"),
    ("Itai", "איתי"),
    ("Liat", "ליאת"),
    ("Nadav", "נדב"),
)
HEBREW_LAST = (
    ("Cohen", "כהן"),
    ("Levi", "לוי"),
    ("Mizrahi", "מזרחי"),
    ("Peretz", "פרץ"),
    ("Biton", "ביטון"),
    ("Friedman", "פרידמן"),
    ("Shapiro", "שפירא"),
    ("Katz", "כץ"),
    ("Avraham", "אברהם"),
    ("Dahan", "דהן"),
    ("Ben-David", "בן-דוד"),
    ("Golan", "גולן"),
    ("Barak", "ברק"),
    ("Sasson", "ששון"),
    ("Azoulay", "אזולאי"),
    ("Segal", "סגל"),
)
ENGLISH_FIRST = (
    "Emma",
    "James",
    "Olivia",
    "Thomas",
    "Sophie",
    "Daniel",
    "Grace",
    "Henry",
    "Lucy",
    "Jack",
    "Chloe",
    "Samuel",
    "Hannah",
    "Oliver",
    "Amelia",
    "William",
    "Laura",
    "Ben",
)
ENGLISH_LAST = (
    "Smith",
    "Taylor",
    "Brown",
    "Walker",
    "Wright",
    "Turner",
    "Hughes",
    "Clarke",
    "Baker",
    "Harris",
    "Lewis",
    "Young",
    "King",
    "Hall",
    "Green",
    "Cooper",
)
LANGUAGES = ("fa", "he", "en")

COMPANY_STEMS = {
    "fa": (
        "Pars",
        "Aria",
        "Kavir",
        "Alborz",
        "Zagros",
        "Tous",
        "Sepid",
        "Negin",
        "Golestan",
        "Nour",
        "Damavand",
        "Sahand",
        "Behsaz",
        "Raad",
        "Arvand",
        "Hirad",
    ),
    "he": (
        "Galil",
        "Negev",
        "Carmel",
        "Arava",
        "Tavor",
        "Yarden",
        "Shaked",
        "Ofek",
        "Gefen",
        "Tamar",
        "Hermon",
        "Marom",
        "Kinneret",
        "Erez",
        "Dekel",
        "Nitzan",
    ),
    "en": (
        "Northwind",
        "Bluebell",
        "Redwood",
        "Ashford",
        "Kingsbury",
        "Silverline",
        "Oakridge",
        "Brightwater",
        "Harbour",
        "Fairfield",
        "Stonegate",
        "Westbrook",
        "Highmoor",
        "Clearview",
        "Greenfield",
        "Larkspur",
    ),
}
COMPANY_TRADES = (
    "Systems",
    "Logistics",
    "Foods",
    "Pharma",
    "Textiles",
    "Energy",
    "Software",
    "Motors",
    "Construction",
    "Retail",
    "Telecom",
    "Agro",
    "Insurance",
    "Media",
    "Steel",
    "Labs",
)
COMPANY_FORMS = {
    "fa": ("Co.", "Group", "Industries"),
    "he": ("Ltd.", "Group", "Technologies"),
    "en": ("Ltd", "plc", "Holdings"),
}
INDUSTRY_OF_TRADE = {
    "Systems": "technology",
    "Software": "technology",
    "Telecom": "telecommunications",
    "Logistics": "logistics",
    "Foods": "food",
    "Agro": "agriculture",
    "Pharma": "healthcare",
    "Labs": "healthcare",
    "Textiles": "manufacturing",
    "Steel": "manufacturing",
    "Motors": "automotive",
    "Energy": "energy",
    "Construction": "construction",
    "Retail": "retail",
    "Insurance": "finance",
    "Media": "media",
}


@dataclass(frozen=True)
class Name:
    language: str
    first: str  # transliterated, for e-mail addresses
    last: str
    display: str  # as the person writes it

    @property
    def slug(self) -> str:
        return f"{self.first}.{self.last}".lower().replace("-", "")


def person_name(rng: random.Random, language: str) -> Name:
    if language == "fa":
        (first, first_native), (last, last_native) = (
            rng.choice(PERSIAN_FIRST),
            rng.choice(PERSIAN_LAST),
        )
        return Name(language, first, last, f"{first_native} {last_native}")
    if language == "he":
        (first, first_native), (last, last_native) = (
            rng.choice(HEBREW_FIRST),
            rng.choice(HEBREW_LAST),
        )
        return Name(language, first, last, f"{first_native} {last_native}")
    first, last = rng.choice(ENGLISH_FIRST), rng.choice(ENGLISH_LAST)
    return Name(language, first, last, f"{first} {last}")


def company_name(rng: random.Random, language: str) -> tuple[str, str]:
    """(name, industry)."""
    trade = rng.choice(COMPANY_TRADES)
    name = f"{rng.choice(COMPANY_STEMS[language])} {trade} {rng.choice(COMPANY_FORMS[language])}"
    return name, INDUSTRY_OF_TRADE[trade]


def domain_of(company: str) -> str:
    words = [w.lower().strip(".") for w in company.split()[:2]]
    return f"{'-'.join(words)}.example"
