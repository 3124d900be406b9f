"""The rule set applied: a score and the evidence give a level, an organization's members give its
level, the quota caps HTXSNV. Pure functions of the rows: the screens, the sheets and the seed agree."""
from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from handbook.ratings.models import LEVEL_ORDER, RatingRuleSet

MAX_SCORE = Decimal(100)
HUNDREDTH = Decimal("0.01")


def as_score(value) -> Decimal | None:
    """A score as typed or stored ("89,5", 89.99, Decimal) rounded to hundredths; None for nothing.
    ValueError for what is not a number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        score = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"not a score: {value!r}") from None
    if not score.is_finite():
        raise ValueError(f"not a score: {value!r}")
    try:
        return score.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # "1e30": more digits than a Decimal context holds
        raise ValueError(f"not a score: {value!r}") from None


def score_level(rule_set: RatingRuleSet, score: Decimal) -> str:
    """The level the score alone reaches: ≥ excellent_min, ≥ good_min, ≥ pass_min, else fail."""
    for level, minimum in (("excellent", rule_set.excellent_min), ("good", rule_set.good_min),
                           ("pass", rule_set.pass_min)):
        if score >= Decimal(minimum):
            return level
    return "fail"


def unmet_conditions(rule_set: RatingRuleSet, level: str, evidence: Mapping, subject: str = "member") -> list:
    """The conditions of ``level`` the evidence does not meet; those on evidence absent or None are not applied."""
    unmet = []
    for condition in rule_set.conditions:
        if condition.subject != subject or condition.level != level:
            continue
        actual = evidence.get(condition.key)
        if actual is None:
            continue
        if not condition.holds(actual):
            unmet.append(condition)
    return unmet


def level_for(rule_set: RatingRuleSet, score, evidence: Mapping) -> str:
    """The best level the score reaches whose conditions the evidence meets (the draft the software
    proposes). Without a score, the best the evidence allows."""
    score = as_score(score)
    reached = score_level(rule_set, score) if score is not None else LEVEL_ORDER[0]
    for level in LEVEL_ORDER[LEVEL_ORDER.index(reached):]:
        if level == "fail" or not unmet_conditions(rule_set, level, evidence):
            return level
    return "fail"


def check_scores(rule_set: RatingRuleSet, scores: Mapping) -> tuple[dict[str, str], Decimal, dict[str, str]]:
    """Scores per criterion code, as typed, checked against each criterion's maximum: (the scores
    kept as text, their total, errors by code in Vietnamese). Every criterion needs a score."""
    kept, errors, total = {}, {}, Decimal(0)
    for criterion in rule_set.criteria:
        raw = scores.get(criterion.code)
        try:
            score = as_score(raw)
        except ValueError:
            errors[criterion.code] = "Điểm phải là một số."
            continue
        if score is None:
            errors[criterion.code] = "Chưa chấm điểm tiêu chí này."
            continue
        maximum = Decimal(criterion.max_score)
        if not Decimal(0) <= score <= maximum:
            errors[criterion.code] = f"Điểm từ 0 đến {format_score(maximum)}."
            continue
        kept[criterion.code] = str(score)
        total += score
    return kept, total, errors


def quota_allowed(rule_set: RatingRuleSet, good: int) -> int:
    """The most members one grassroots organization may rate HTXSNV when ``good`` are rated HTTNV."""
    return int(Decimal(good) * Decimal(rule_set.quota_percent) / 100)


def within_quota(rule_set: RatingRuleSet, excellent: int, good: int) -> bool:
    """HTXSNV ≤ quota% of HTTNV."""
    return excellent <= quota_allowed(rule_set, good)


def organization_shares(counts: Mapping) -> dict[str, float | None]:
    """Of an organization's rated members (``counts``: level -> members, "rated" -> all), the shares
    decided at a level or better: excellent_share, good_share, pass_share (None with nobody rated)."""
    rated = counts.get("rated", 0)
    shares, at_least = {}, 0
    for level in LEVEL_ORDER[:-1]:
        at_least += counts.get(level, 0)
        shares[f"{level}_share"] = at_least / rated if rated else None
    return shares


def organization_level(rule_set: RatingRuleSet, counts: Mapping) -> str | None:
    """The best level whose organization conditions its members' decided levels meet; None while
    not every rated member is decided."""
    rated = counts.get("rated", 0)
    if not rated or sum(counts.get(level, 0) for level in LEVEL_ORDER) < rated:
        return None
    shares = organization_shares(counts)
    for level in LEVEL_ORDER:
        if not unmet_conditions(rule_set, level, shares, subject="organization"):
            return level
    return "fail"


def format_score(score) -> str:
    """A score as Vietnamese write it: 89,5; 90; "" for none."""
    if score is None:
        return ""
    text = f"{Decimal(score).normalize():f}"
    return text.replace(".", ",")
