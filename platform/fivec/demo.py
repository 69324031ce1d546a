"""A believable demo network, in plain healthcare language, for first-time visitors."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from .accounts.actions import ProfileChanges, Registration, register_member, update_profile
from .discussions.demo import load_demo_threads
from .extensions import db
from .groups.demo import load_demo_groups
from .models import NetworkSettings, Organisation, User

DEMO_PASSWORD = "quality-improves-care"

ORGANISATIONS = [
    ("Northfield Teaching Hospitals NHS Foundation Trust", "acute_trust", "North West"),
    ("Riverside University Hospitals NHS Trust", "acute_trust", "North West"),
    ("Moorside Community Health Services", "community_service", "North West"),
    ("Hillcrest Medical Practice", "gp_practice", "North West"),
    ("Canal Street Surgery", "gp_practice", "North West"),
    ("Pennine Mental Health Partnership", "mental_health_trust", "North West"),
    ("North West Ambulance Service", "ambulance_service", "North West"),
    ("Sepsis Families Support", "charity", "National"),
    ("Stroke Survivors Voice", "patient_group", "North West"),
    ("Oakwood Care Home", "care_home", "North West"),
]

# name, email local part, organisation index, profession, job title, interests, bio
MEMBERS = [
    (
        "Priya Shah",
        "priya.shah",
        0,
        "nurse",
        "Sepsis nurse specialist",
        "sepsis, deteriorating patient, news2",
        "I lead our sepsis screening audit and love a run chart.",
    ),
    (
        "Tom Okafor",
        "tom.okafor",
        0,
        "doctor",
        "Consultant in acute medicine",
        "sepsis, antimicrobial stewardship",
        "Acute physician; clinical lead for the sepsis collaborative.",
    ),
    (
        "Grace Liu",
        "grace.liu",
        1,
        "nurse",
        "Ward sister, acute medical unit",
        "falls prevention, deteriorating patient",
        "Ward sister on AMU. Our falls are down 30% since we started bay nursing.",
    ),
    (
        "Daniel Evans",
        "daniel.evans",
        1,
        "analyst",
        "Healthcare analyst",
        "spc charts, data quality",
        "I make the data count: SPC charts, funnel plots, and the occasional pivot table.",
    ),
    (
        "Amina Yusuf",
        "amina.yusuf",
        2,
        "ahp",
        "Physiotherapist, stroke rehabilitation",
        "stroke rehabilitation, falls prevention",
        "Community stroke physio. Ask me about early supported discharge.",
    ),
    (
        "Sarah Whitfield",
        "sarah.whitfield",
        3,
        "doctor",
        "GP partner",
        "frailty, medicines optimisation",
        "GP with an interest in frailty and polypharmacy reviews.",
    ),
    (
        "Mohammed Iqbal",
        "mohammed.iqbal",
        4,
        "pharmacist",
        "Practice pharmacist",
        "medicines optimisation, antimicrobial stewardship",
        "Structured medication reviews and safer prescribing.",
    ),
    (
        "Ruth Adeyemi",
        "ruth.adeyemi",
        5,
        "qi_lead",
        "Quality improvement lead",
        "qi coaching, spc charts, patient experience",
        "QI coach. Model for Improvement, PDSA cycles and plenty of post-its.",
    ),
    (
        "Chris Barlow",
        "chris.barlow",
        6,
        "ahp",
        "Advanced paramedic",
        "sepsis, pre-hospital care",
        "Paramedic working on pre-alerts for suspected sepsis.",
    ),
    (
        "Helen Moss",
        "helen.moss",
        7,
        "patient",
        "Parent and charity volunteer",
        "sepsis, patient experience",
        "My son survived sepsis. I help families be heard when they say 'something is wrong'.",
    ),
    (
        "Jack Nolan",
        "jack.nolan",
        8,
        "patient",
        "Stroke survivor and patient partner",
        "stroke rehabilitation, patient experience",
        "Patient partner on the stroke pathway redesign.",
    ),
    (
        "Olivia Grant",
        "olivia.grant",
        9,
        "manager",
        "Care home manager",
        "falls prevention, frailty",
        "Running a 40-bed home; we share our falls huddles with the network.",
    ),
    (
        "Ben Carter",
        "ben.carter",
        1,
        "manager",
        "Divisional director of nursing",
        "workforce, patient safety",
        "Interested in how wards sustain improvements after the project ends.",
    ),
    (
        "Fatima Rahman",
        "fatima.rahman",
        0,
        "researcher",
        "Improvement science fellow",
        "evaluation, spc charts",
        "Evaluating the sepsis collaborative: what spreads and why.",
    ),
]


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str


DEMO_LOGINS = (
    DemoLogin("network admin", "admin@demo.fivec.test", DEMO_PASSWORD),
    DemoLogin("member (sepsis nurse)", "priya.shah@demo.fivec.test", DEMO_PASSWORD),
    DemoLogin("member (ward sister)", "grace.liu@demo.fivec.test", DEMO_PASSWORD),
)


def load_demo() -> list[DemoLogin]:
    """Fill an empty database with the demo network and return the logins to print."""
    if db.session.scalar(select(func.count(User.id))):
        raise RuntimeError(
            "The database already has members; the demo only loads into an empty one."
        )
    db.session.merge(
        NetworkSettings(
            id=1,
            name="North West Patient Safety Network",
            purpose=(
                "Hospitals, practices, community teams and patients across the North West, "
                "working together to spot deterioration early, prevent harm from falls and "
                "sepsis, and help people recover well after a stroke."
            ),
            guidelines=(
                "Be kind and assume good intent. Share what did not work as openly as what did. "
                "Never post anything that could identify a patient: no names, NHS numbers, "
                "dates of birth or addresses. Disagree with ideas, not people. "
                "Credit the teams whose work you build on."
            ),
        )
    )
    organisations = [Organisation(name=n, kind=k, region=r) for n, k, r in ORGANISATIONS]
    db.session.add_all(organisations)
    db.session.commit()

    admin = register_member(
        Registration(
            "admin@demo.fivec.test", "Nadia Hussain", DEMO_PASSWORD, "qi_lead", organisations[0].id
        )
    )
    admin.is_admin = True
    admin.job_title = "Network director"
    db.session.commit()
    for name, local, org_index, profession, title, interests, bio in MEMBERS:
        member = register_member(
            Registration(
                f"{local}@demo.fivec.test",
                name,
                DEMO_PASSWORD,
                profession,
                organisations[org_index].id,
            )
        )
        update_profile(
            admin,
            member,
            ProfileChanges(name, profession, organisations[org_index].id, title, interests, bio),
        )
    members_by_email = {m.email: m for m in db.session.scalars(select(User))}
    groups = load_demo_groups(admin, members_by_email)
    load_demo_threads(groups, members_by_email)
    from benchmarks.demo import load_demo_scorecards  # feature package: imported late

    load_demo_scorecards()
    from moderation.demo import load_demo_moderation  # feature package: imported late

    load_demo_moderation()
    return demo_logins()


def demo_logins() -> list[DemoLogin]:
    """The logins to print, when the demo's admin exists in this database."""
    admin = db.session.scalar(select(User.id).where(User.email_normalised == DEMO_LOGINS[0].email))
    return list(DEMO_LOGINS) if admin is not None else []
