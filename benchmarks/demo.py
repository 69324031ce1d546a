"""Demo scorecards: sepsis antibiotics within the hour, and inpatient falls, with real signals.

36 months for the demo's acute and community organisations (plus a few acute trusts that
submit figures but have no members in the demo yet). The signals are planted on purpose:
Northfield's sepsis trolley lifts its performance from month 24 (a shift), Riverside
has one bad month (an outage, a point beyond the limits) and bay nursing brings its falls down;
Moorside's small numbers are suppressed for peers.
"""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select

from fivec.clock import utcnow
from fivec.extensions import db
from fivec.models import Group, Organisation, User

from .actions import ResultInfo, publish_result, write_result
from .models import Measure, Scorecard
from .periods import recent_periods
from .submissions import save_values
from .validation import ValueRow

MONTHS = 36
INTERVENTION = 24  # Northfield's sepsis trolley arrives in month 24 of 36
OUTAGE = 30  # Riverside's electronic record outage
EXTRA_TRUSTS = [
    ("Westbrook General Hospital NHS Trust", 70, 0.70),
    ("Lakeside Hospitals NHS Foundation Trust", 95, 0.74),
    ("Eastgate University Hospitals NHS Trust", 120, 0.66),
    ("Fellside District General Hospital", 45, 0.78),
    ("Mersey Valley Hospitals NHS Trust", 85, 0.71),
]
# name: (monthly suspected-sepsis patients, share treated within the hour)
SEPSIS_SITES = {
    "Northfield Teaching Hospitals NHS Foundation Trust": (110, 0.62),
    "Riverside University Hospitals NHS Trust": (90, 0.72),
    "Moorside Community Health Services": (6, 0.6),
}
# name: (monthly bed days, falls per 1,000 bed days)
FALLS_SITES = {
    "Northfield Teaching Hospitals NHS Foundation Trust": (24_000, 6.4),
    "Riverside University Hospitals NHS Trust": (19_000, 7.9),
    "Moorside Community Health Services": (5_200, 5.1),
    "Oakwood Care Home": (1_200, 8.5),
}


def _group(name: str) -> Group | None:
    return db.session.scalar(select(Group).where(Group.name == name))


def _organisations() -> dict[str, Organisation]:
    known = {o.name: o for o in db.session.scalars(select(Organisation))}
    for name, _size, _share in EXTRA_TRUSTS:
        if name not in known:
            known[name] = Organisation(name=name, kind="acute_trust", region="North West")
            db.session.add(known[name])
    db.session.commit()
    return known


def _measures(sepsis_group: Group | None, falls_group: Group | None) -> tuple[Measure, Measure]:
    sepsis = Measure(
        name="Sepsis: antibiotics within one hour",
        definition=(
            "Adults with suspected sepsis (NEWS2 of 5 or more plus suspected infection) who "
            "received intravenous antibiotics within one hour of the sepsis screen being "
            "triggered. Source: the monthly sepsis screening audit."
        ),
        kind="proportion",
        numerator_label="Patients given antibiotics within one hour",
        denominator_label="Patients with suspected sepsis",
        unit="%",
        improvement="increase",
        target=90.0,
        period="monthly",
        group_id=sepsis_group.id if sepsis_group else None,
    )
    falls = Measure(
        name="Inpatient falls per 1,000 bed days",
        definition=(
            "All inpatient falls reported on the incident system, with or without harm, per "
            "1,000 occupied bed days. Source: incident reports and the bed census."
        ),
        kind="rate",
        numerator_label="Inpatient falls",
        denominator_label="Occupied bed days",
        unit="falls per 1,000 bed days",
        rate_multiplier=1000,
        improvement="decrease",
        period="monthly",
        group_id=falls_group.id if falls_group else None,
    )
    db.session.add_all([sepsis, falls])
    db.session.flush()
    return sepsis, falls


def _sepsis_rows(
    sepsis: Measure, orgs: dict[str, Organisation], months: list[date], rng: random.Random
) -> list[ValueRow]:
    sites = dict(SEPSIS_SITES) | {name: (size, share) for name, size, share in EXTRA_TRUSTS}
    rows = []
    for name, (size, share) in sites.items():
        for i, start in enumerate(months):
            patients = max(3, round(rng.gauss(size, size * 0.08)))
            p = share
            if name.startswith("Northfield") and i >= INTERVENTION:
                p = 0.88
            if name.startswith("Riverside") and i == OUTAGE:
                p = 0.38
            treated = min(patients, max(0, round(rng.gauss(patients * p, 1.0 + patients * 0.02))))
            rows.append(_row(sepsis, orgs[name], start, treated, patients, False))
    return rows


def _falls_rows(
    falls: Measure, orgs: dict[str, Organisation], months: list[date], rng: random.Random
) -> list[ValueRow]:
    rows = []
    for name, (bed_days, rate) in FALLS_SITES.items():
        for i, start in enumerate(months):
            days = round(rng.gauss(bed_days, bed_days * 0.04))
            r = rate
            if name.startswith("Riverside") and i >= 20:  # bay nursing on every ward
                r = 5.2
            expected = days * r / 1000
            count = max(0, round(rng.gauss(expected, expected**0.5)))
            rows.append(_row(falls, orgs[name], start, count, days, False))
    return rows


def _row(
    measure: Measure, org: Organisation, start: date, num: int, den: int, rebase: bool
) -> ValueRow:
    return ValueRow(0, measure.id, org.id, start, num, den, measure.value_from(num, den), rebase)


def load_demo_scorecards() -> list[Scorecard]:
    """Create the demo scorecards with 36 months of figures and one published result."""
    rng = random.Random(5)  # a fixed seed: the same demo every time
    sepsis_group, falls_group = _group("Sepsis"), _group("Falls prevention")
    orgs = _organisations()
    sepsis, falls = _measures(sepsis_group, falls_group)
    scorecards = [
        Scorecard(
            name="Sepsis: time to antibiotics",
            description="Monthly sepsis screening audit from every acute and community "
            "service in the network. Peers are anonymised.",
            group_id=sepsis_group.id if sepsis_group else None,
            measures=[sepsis],
        ),
        Scorecard(
            name="Falls prevention",
            description="Inpatient falls per 1,000 occupied bed days, from incident reports.",
            group_id=falls_group.id if falls_group else None,
            measures=[falls],
        ),
    ]
    db.session.add_all(scorecards)
    db.session.commit()
    months = list(reversed(recent_periods(utcnow().date(), "monthly", MONTHS)))
    rows = _sepsis_rows(sepsis, orgs, months, rng) + _falls_rows(falls, orgs, months, rng)
    save_values(None, rows, source="csv")
    _publish_demo_result(scorecards[0], sepsis, months)
    return scorecards


def _publish_demo_result(scorecard: Scorecard, sepsis: Measure, months: list[date]) -> None:
    tom = db.session.scalar(select(User).where(User.email == "tom.okafor@demo.fivec.test"))
    if tom is None or tom.organisation is None or scorecard.group is None:
        return
    result = write_result(
        tom,
        scorecard,
        ResultInfo(
            title="A sepsis trolley on every acute ward",
            measure_id=sepsis.id,
            organisation_id=tom.organisation.id,
            frozen_as_of=months[INTERVENTION + 8],
            tried=(
                "A grab trolley on every acute ward with IV antibiotics, fluids, blood culture "
                "bottles and the screening tool, checked each shift, plus a 'sepsis six' huddle."
            ),
            happened=(
                "Antibiotics within the hour rose from about 62% to about 88% and stayed there: "
                "every month since sits above the old mean, which the chart flags as improvement."
            ),
            learned=(
                "Put the kit where the patient is. The trolley checks mattered as much as the "
                "trolleys: an empty trolley is worse than none."
            ),
        ),
    )
    publish_result(tom, result)
