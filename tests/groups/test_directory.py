"""The group directory: suggestions from interests and profession, filters, join labels."""

from __future__ import annotations

from fivec.accounts.actions import ProfileChanges, update_profile
from fivec.groups.membership import join_group


def _with_interests(member, interests):
    changes = ProfileChanges(member.display_name, member.profession, None, "", interests, "")
    return update_profile(member, member, changes)


def _suggested(page):
    start = page.index("Suggested for you")
    return page[start : page.index("All groups", start)]


def test_suggestions_match_the_members_interests(web, make_group, make_member):
    make_group("Sepsis", interests="sepsis, news2")
    make_group("Falls prevention", interests="falls prevention")
    make_group("Stroke rehabilitation", interests="stroke rehabilitation")
    priya = _with_interests(make_member("Priya Shah", profession="analyst"), "Sepsis, SPC charts")
    web.login(priya.email)
    suggested = _suggested(web.get("/groups").get_data(as_text=True))
    assert "Sepsis" in suggested
    assert "Matches your interests: sepsis." in suggested
    assert "Falls prevention" not in suggested
    assert "Stroke rehabilitation" not in suggested


def test_groups_already_joined_are_not_suggested(web, make_group, make_member):
    group = make_group("Sepsis", interests="sepsis")
    priya = _with_interests(make_member("Priya Shah"), "sepsis")
    join_group(priya, group.id)
    web.login(priya.email)
    page = web.get("/groups").get_data(as_text=True)
    assert "Suggested for you" not in page
    assert ">Leave<" in page


def test_groups_popular_with_the_same_profession_are_suggested(web, make_group, make_member):
    group = make_group("Falls prevention", interests="falls prevention")
    make_group("Data and SPC", interests="spc charts")
    for name in ("Ann Physio", "Bea Physio"):
        join_group(make_member(name, profession="ahp"), group.id)
    priya = make_member("Priya Shah", profession="ahp")
    web.login(priya.email)
    suggested = _suggested(web.get("/groups").get_data(as_text=True))
    assert "Falls prevention" in suggested
    assert "2 members share your profession." in suggested
    assert "Data and SPC" not in suggested


def test_member_without_interests_is_invited_to_add_them(web, make_group, make_member):
    make_group("Sepsis", interests="sepsis")
    make_member("Priya Shah", profession="patient")
    web.login("priya.shah@example.org")
    page = web.get("/groups").get_data(as_text=True)
    assert "Add your interests to" in page


def test_join_buttons_say_what_will_happen(web, make_group, make_member):
    make_group("Open group", join_policy="open")
    make_group("Asking group", visibility="members", join_policy="request")
    make_group("Invite group", visibility="members", join_policy="invite")
    make_member("Priya Shah")
    web.login("priya.shah@example.org")
    page = web.get("/groups").get_data(as_text=True)
    assert 'Join<span class="visually-hidden"> Open group</span>' in page
    assert "You join straight away." in page
    assert 'Ask to join<span class="visually-hidden"> Asking group</span>' in page
    assert "A coordinator looks at your request." in page
    assert "By invitation only" in page


def test_filters_by_text_kind_and_interest(web, make_group, make_member):
    sepsis = make_group("Sepsis", interests="sepsis")
    make_group(
        "Sepsis screening project team",
        kind="peer",
        parent=sepsis,
        visibility="members",
        join_policy="request",
        purpose="The audit team at Northfield.",
        interests="spc charts",
    )
    make_group("Falls prevention", interests="falls prevention")
    make_member("Priya Shah")
    web.login("priya.shah@example.org")
    by_text = web.get("/groups?q=audit").get_data(as_text=True)
    assert "1 group found" in by_text
    assert "Sepsis screening project team" in by_text
    assert "In Sepsis" in by_text
    by_kind = web.get("/groups?kind=topic").get_data(as_text=True)
    assert "2 groups found" in by_kind
    by_interest = web.get("/groups?interest=falls+prevention").get_data(as_text=True)
    assert "1 group found about “falls prevention”" in by_interest
    assert "Falls prevention" in by_interest


def test_directory_needs_a_login(web):
    response = web.get("/groups")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
