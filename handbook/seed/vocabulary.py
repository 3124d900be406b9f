"""Realistic Vietnamese names and details for demo and scale data, from data/vi_seed.json."""
import json
import random
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("data") / "vi_seed.json"


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    """The seed vocabulary (family names with shares, middle and given names by gender, …)."""
    return json.loads(DATA.read_text(encoding="utf-8"))


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

    def name(self, gender: str) -> str:
        """A full name: family, middle, given."""
        r = self.rng
        family = r.choices(self.families, self.family_weights)[0]
        return f"{family} {r.choice(self.middle[gender])} {r.choice(self.given[gender])}"

    def dates(self, today: date) -> tuple[date, date, date | None]:
        """Birth, admission (at 18 or later) and official dates (12 months on, unless still probationary)."""
        r = self.rng
        birth = today - timedelta(days=r.randint(20 * 365, 80 * 365))
        earliest = birth.replace(year=birth.year + 18) if not (birth.month == 2 and birth.day == 29) else birth + timedelta(days=18 * 365 + 5)
        span = max((today - earliest).days, 1)
        admitted = earliest + timedelta(days=int(span * r.random() ** 0.7))
        official = admitted + timedelta(days=365)
        return birth, admitted, official if official <= today else None

    def ethnicity(self) -> str:
        """An ethnicity in the province's proportions."""
        return self.rng.choices(self.ethnicities, self.ethnicity_weights)[0]

    def religion(self) -> str:
        """A religion in the province's proportions."""
        return self.rng.choices(self.religions, self.religion_weights)[0]
