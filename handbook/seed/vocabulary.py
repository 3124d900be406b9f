"""Realistic Vietnamese names and details for demo and scale data, from data/vi_seed.json."""
import json
import random
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("data") / "vi_seed.json"

OCCUPATIONS = ["Cán bộ, công chức", "Giáo viên", "Nông dân", "Công nhân", "Bác sĩ", "Kỹ sư", "Hưu trí", "Kinh doanh"]
EDUCATIONS = ["12/12", "Cao đẳng", "Đại học", "Thạc sĩ"]
THEORY_LEVELS = ["none", "primary", "intermediate", "advanced"]
THEORY_WEIGHTS = [15, 55, 25, 5]
# Mobile prefixes in use in Viettel/VinaPhone/MobiFone ranges (two digits after the leading 0).
PHONE_PREFIXES = ["32", "33", "34", "35", "36", "37", "38", "39", "70", "76", "77", "78", "79",
                  "81", "82", "83", "84", "85", "86", "88", "89", "90", "91", "93", "94", "96", "97", "98"]


# Phones and a few computers: what the members and offices log in from.
USER_AGENTS = [
    "Mozilla/5.0 (Linux; Android 10; SM-A105F) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 8.1.0; Redmi 5A) AppleWebKit/537.36 Chrome/109.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 15_8 like Mac OS X) AppleWebKit/605.1.15 Version/15.6 Mobile Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36",
]
# Login sessions are kept as rows for the last month; older logins live in the audit only.
RECENT_DAYS = 30


def moment(rng, start: datetime, end: datetime) -> datetime:
    """A random time in [start, end), in working hours more often than not."""
    day = start + timedelta(days=rng.randrange(max((end - start).days, 1)))
    return day.replace(hour=rng.choice([7, 8, 9, 10, 14, 15, 16, 19, 20, 21]), minute=rng.randrange(60),
                       second=rng.randrange(60), microsecond=0)


def address(rng) -> str:
    """A client address of a Vietnamese mobile network."""
    return f"113.160.{rng.randrange(256)}.{rng.randrange(1, 255)}"


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    """The seed vocabulary (family names with shares, middle and given names by gender, …)."""
    return json.loads(DATA.read_text(encoding="utf-8"))


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (29 February becomes 1 March)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


class PersonFactory:
    """Draws people with names in Vietnam's proportions and dates consistent with each other."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        v = vocabulary()
        self.families = [n for n, _ in v["family_names"]]
        self.family_weights = [w for _, w in v["family_names"]]
        self.middle = v["middle_names"]
        self.given = v["given_names"]
        self.ethnicities = [n for n, _ in v["ethnicities"]]
        self.ethnicity_weights = [w for _, w in v["ethnicities"]]
        self.religions = [n for n, _ in v["religions"]]
        self.religion_weights = [w for _, w in v["religions"]]

    def gender(self, male_share: float = 0.62) -> str:
        """'male' or 'female'; about 62% of the Party's members are men."""
        return "male" if self.rng.random() < male_share else "female"

    def name(self, gender: str) -> str:
        """A full name: family, middle, given."""
        r = self.rng
        family = r.choices(self.families, self.family_weights)[0]
        return f"{family} {r.choice(self.middle[gender])} {r.choice(self.given[gender])}"

    def dates(self, today: date, min_years_in_party: int = 0) -> tuple[date, date, date | None]:
        """Birth, admission (at 18 or later) and official dates (a year on, unless still probationary).

        ``min_years_in_party`` keeps the admission at least that many years before ``today``
        (a secretary is an official member).
        """
        r = self.rng
        birth = today - timedelta(days=r.randint(20 * 365 + 5 + min_years_in_party * 366, 80 * 365))
        earliest = add_years(birth, 18)
        latest = add_years(today, -min_years_in_party) if min_years_in_party else today
        span = max((latest - earliest).days, 1)
        admitted = earliest + timedelta(days=int(span * r.random() ** 0.7))
        official = add_years(admitted, 1)
        return birth, admitted, official if official <= today else None

    def ethnicity(self) -> str:
        """An ethnicity in the province's proportions."""
        return self.rng.choices(self.ethnicities, self.ethnicity_weights)[0]

    def religion(self) -> str:
        """A religion in the province's proportions."""
        return self.rng.choices(self.religions, self.religion_weights)[0]

    def occupation(self) -> str:
        """An occupation."""
        return self.rng.choice(OCCUPATIONS)

    def education(self) -> str:
        """A general education level."""
        return self.rng.choice(EDUCATIONS)

    def theory_level(self) -> str:
        """A political-theory level, most members at primary (sơ cấp)."""
        return self.rng.choices(THEORY_LEVELS, THEORY_WEIGHTS)[0]

    def national_id(self, gender: str, birth: date) -> str:
        """A CCCD-shaped number: province code 034 (Thái Bình), century-and-gender digit, birth year."""
        century = (0 if birth.year < 2000 else 2) + (1 if gender == "female" else 0)
        return f"034{century}{birth.year % 100:02d}{self.rng.randint(0, 999999):06d}"

    def phone(self, unique_number: int) -> str:
        """A ten-digit mobile number, unique for each ``unique_number`` below 10,000,000."""
        return f"0{self.rng.choice(PHONE_PREFIXES)}{unique_number:07d}"
