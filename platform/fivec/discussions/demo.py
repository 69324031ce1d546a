"""Demo conversations: threaded QI discussions in plain healthcare language."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..extensions import db
from ..models import Group, Thread, User
from .actions import create_thread, opening_post, reply


@dataclass(frozen=True)
class DemoReply:
    author: str  # email local part
    body: str
    replies: tuple[DemoReply, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class DemoThread:
    group: str
    author: str
    title: str
    body: str
    replies: tuple[DemoReply, ...] = ()


R = DemoReply

THREADS = [
    DemoThread(
        "Sepsis",
        "tom.okafor",
        "Getting antibiotics within the hour on AMU: what worked for you?",
        "Our median door-to-antibiotic time on the acute medical unit is 78 minutes and it "
        "has not moved in six months. The delays are mostly **between the decision and the "
        "first dose**: finding the drug, finding a nurse who can give it, and cannulas.\n\n"
        "What actually moved the needle for your teams?",
        (
            R(
                "priya.shah",
                "Two things, in this order:\n\n1. A **sepsis grab bag** in every bay: "
                "blood culture bottles, cannula, first-dose antibiotics, fluids.\n"
                "2. Any registered nurse may give the first dose under a PGD once the "
                "screening tool is positive.\n\nThe grab bag alone took us from 70 to 52 "
                "minutes. The PGD got us under the hour.",
                (
                    R(
                        "tom.okafor",
                        "@[Priya Shah] who restocks the grab bags? That is where ours "
                        "died last time: empty bags by week three.",
                        (
                            R(
                                "priya.shah",
                                "The night healthcare assistants check them at 04:00 with "
                                "the resus trolley, and the checklist is on the same "
                                "clipboard. Once it became part of an existing round it "
                                "stuck.",
                            ),
                            R(
                                "fatima.rahman",
                                "> Once it became part of an existing round it stuck.\n\n"
                                "This matches the evaluation literature on sustaining "
                                "change: piggy-backing on routines beats new ones.",
                            ),
                        ),
                    ),
                    R(
                        "daniel.evans",
                        "Happy to turn your weekly times into an SPC chart so you can "
                        "see whether each change made a real shift or just noise.",
                    ),
                ),
            ),
            R(
                "chris.barlow",
                "From the ambulance side: if we pre-alert with a NEWS2 of 5 or more and "
                "suspected infection, is anyone meeting us at the door with antibiotics? "
                "We can take bloods en route.",
                (
                    R(
                        "tom.okafor",
                        "Not yet, but we should. Could we trial it on weekdays first?",
                    ),
                ),
            ),
            R(
                "helen.moss",
                "As a parent: please tell families what is happening and why. The hour "
                "felt like a day to us, and nobody said the word sepsis until the second "
                "day.",
                (
                    R(
                        "priya.shah",
                        "Thank you, Helen. We are adding a short script to the bundle so "
                        "the nurse giving the first dose also explains it to the family.",
                    ),
                ),
            ),
        ),
    ),
    DemoThread(
        "Sepsis",
        "fatima.rahman",
        "Is anyone auditing screening in children separately?",
        "Our audit lumps adults and children together. The paediatric numbers are small, "
        "so I worry any signal gets lost. How are others handling it?",
        (
            R(
                "daniel.evans",
                "We report children separately but on a funnel plot against the network, "
                "not a run chart: the small numbers make the limits wide, which is honest.",
            ),
        ),
    ),
    DemoThread(
        "Falls prevention",
        "grace.liu",
        "Bay nursing cut our falls by a third: here is how we set it up",
        "Since March one nurse or healthcare assistant stays in each high-risk bay at "
        "all times; breaks are covered by a named buddy. Our falls per 1,000 bed days "
        "went from 7.9 to 5.2.\n\n| Month | Falls | Bed days |\n|:--|--:|--:|\n"
        "| Feb | 22 | 2,790 |\n| May | 14 | 2,710 |\n\nAsk me anything.",
        (
            R(
                "ben.carter",
                "What happened on the days you were short-staffed? That is what our "
                "ward sisters ask first.",
                (
                    R(
                        "grace.liu",
                        "We cohort the highest-risk patients into one bay and keep bay "
                        "nursing there only. It is not perfect, but it is honest about "
                        "what we can staff.",
                    ),
                ),
            ),
            R(
                "amina.yusuf",
                "Are you doing **lying and standing blood pressure** on admission? Postural "
                "drops were behind a lot of our night-time falls.",
                (
                    R(
                        "sarah.whitfield",
                        "Same in the community. We started checking it at medication "
                        "reviews and stopped two antihypertensives in the first month.",
                        (
                            R(
                                "grace.liu",
                                "We do it, but it gets missed when patients cannot stand "
                                "safely. Anyone got a good alternative for them?",
                            ),
                        ),
                    ),
                ),
            ),
            R(
                "olivia.grant",
                "Care homes cannot staff every lounge, but we moved the busiest chair "
                "next to the nurses' station and falls in the lounge halved.",
            ),
        ),
    ),
    DemoThread(
        "Ward sisters, acute medicine",
        "grace.liu",
        "Honestly: how are you coping with the bank staff gaps on nights?",
        "Three nights last week we had two agency nurses who had never worked on the "
        "ward. I spent the shift doing orientation instead of looking after patients. "
        "Nobody above me seems to see it.",
        (
            R(
                "ben.carter",
                "I see it, and I am sorry it felt invisible. Could you keep a simple log "
                "for two weeks (shift, gap, what it cost)? I will take it to the staffing "
                "panel with your name off it.",
                (
                    R(
                        "grace.liu",
                        "Yes. A one-page orientation card for agency staff would also "
                        "help; I will draft one and share it here first.",
                    ),
                ),
            ),
        ),
    ),
    DemoThread(
        "Stroke rehabilitation",
        "jack.nolan",
        "What helped me most in the first month home",
        "Not the exercises, at first: it was the physio who wrote my goals in my own "
        "words. Walking to the paper shop was a goal I cared about.",
        (
            R(
                "amina.yusuf",
                "Thank you for this, Jack. Goals in the patient's own words are now in "
                "our early supported discharge checklist.",
            ),
        ),
    ),
]


def _post_replies(
    thread_id: int, parent_id: int, replies: tuple[DemoReply, ...], members: dict[str, User]
) -> None:
    for item in replies:
        thread = db.session.get(Thread, thread_id)
        post = reply(members[item.author], thread, parent_id, item.body)
        _post_replies(thread_id, post.id, item.replies, members)


def load_demo_threads(groups_by_name: dict[str, Group], members_by_email: dict[str, User]) -> int:
    """Start the demo threads through the real actions; return how many were made."""
    members = {email.split("@")[0]: member for email, member in members_by_email.items()}
    made = 0
    for spec in THREADS:
        group = groups_by_name.get(spec.group)
        author = members.get(spec.author)
        if group is None or author is None:
            continue
        thread = create_thread(author, group, spec.title, spec.body)
        opening = opening_post(thread)
        if opening is not None:
            _post_replies(thread.id, opening.id, spec.replies, members)
        made += 1
    return made
