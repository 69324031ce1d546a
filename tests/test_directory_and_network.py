"""The member directory, the network's purpose, organisations, admins and the demo."""

from __future__ import annotations

from sqlalchemy import select

from fivec.extensions import db
from fivec.models import NetworkSettings, Organisation, User


def _profile(web, **fields):
    data = {
        "display_name": "x",
        "profession": "nurse",
        "organisation_id": "",
        "job_title": "",
        "interests": "",
        "bio": "",
    }
    data.update(fields)
    assert web.post("/profile/edit", data).status_code == 302


def test_directory_finds_people_by_interest_profession_and_organisation(
    web, make_web, make_member, make_organisation
):
    trust = make_organisation("Riverside Trust")
    practice = make_organisation("Canal Street Surgery", kind="gp_practice")
    make_member("Amina Yusuf", email="amina@example.org", profession="ahp", organisation=trust)
    make_member(
        "Sarah Whitfield", email="sarah@example.org", profession="doctor", organisation=practice
    )
    amina = make_web()
    amina.login("amina@example.org")
    _profile(
        amina,
        display_name="Amina Yusuf",
        profession="ahp",
        organisation_id=str(trust.id),
        interests="stroke rehabilitation, falls prevention",
    )
    make_member("Me", email="me@example.org")
    web.login("me@example.org")

    by_interest = web.get("/members?interest=stroke+rehabilitation").get_data(as_text=True)
    assert "Amina Yusuf" in by_interest and "Sarah Whitfield" not in by_interest
    by_text = web.get("/members?q=falls").get_data(as_text=True)
    assert "Amina Yusuf" in by_text and "Sarah Whitfield" not in by_text
    by_profession = web.get("/members?profession=doctor").get_data(as_text=True)
    assert "Sarah Whitfield" in by_profession and "Amina Yusuf" not in by_profession
    by_org = web.get(f"/members?organisation={practice.id}").get_data(as_text=True)
    assert "Sarah Whitfield" in by_org and "Amina Yusuf" not in by_org


def test_directory_search_treats_wildcards_and_odd_input_as_text(web, make_member):
    make_member("Ann", email="ann@example.org")
    web.login("ann@example.org")
    for query in ["%", "_", "' OR 1=1 --", "\u202e\u0645\u0631\u062d\u0628\u0627", "x" * 10_000]:
        response = web.get(
            "/members",
            query_string={"q": query, "organisation": "abc", "profession": "<b>", "page": "-3"},
        )
        assert response.status_code == 200
    assert "0 members found" in web.get("/members?q=%25").get_data(as_text=True)


def test_directory_is_paged(web, make_member):
    for n in range(30):
        make_member(f"Person {n:02d}")
    make_member("Viewer", email="viewer@example.org")
    web.login("viewer@example.org")
    first = web.get("/members").get_data(as_text=True)
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = web.get("/members?page=2").get_data(as_text=True)
    assert "Viewer" in second


def test_home_shows_purpose_guidelines_and_size(web, make_member, make_organisation):
    make_organisation()
    make_member()
    page = web.get("/").get_data(as_text=True)
    assert "1</strong> member" in page and "1</strong> organisation" in page
    assert "How we talk here" in page


def test_admin_edits_the_network_purpose_shown_on_the_home_page(web, make_member):
    make_member("Admin", email="admin@example.org", admin=True)
    web.login("admin@example.org")
    response = web.post(
        "/admin/network",
        {
            "name": "Sepsis Collaborative",
            "purpose": "Antibiotics within the hour, everywhere.",
            "guidelines": "Be kind. <b>No</b> patient details.",
        },
    )
    assert response.status_code == 302
    page = web.get("/").get_data(as_text=True)
    assert "Sepsis Collaborative" in page
    assert "Antibiotics within the hour, everywhere." in page
    assert "&lt;b&gt;No&lt;/b&gt;" in page
    assert db.session.get(NetworkSettings, 1).updated_by_id is not None


def test_network_purpose_cannot_be_emptied(web, make_member):
    make_member("Admin", email="admin@example.org", admin=True)
    web.login("admin@example.org")
    response = web.post("/admin/network", {"name": "Kept name", "purpose": "", "guidelines": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Please state the common purpose." in page and 'value="Kept name"' in page


def test_admin_manages_organisations_and_duplicates_are_refused(web, make_member):
    make_member("Admin", email="admin@example.org", admin=True)
    web.login("admin@example.org")
    data = {"name": "Oakwood Care Home", "kind": "care_home", "region": "North West"}
    assert web.post("/admin/organisations/new", data).status_code == 302
    duplicate = web.post("/admin/organisations/new", {**data, "name": "OAKWOOD care home"})
    assert duplicate.status_code == 400
    assert "already exists" in duplicate.get_data(as_text=True)
    org = db.session.scalar(select(Organisation))
    renamed = web.post(f"/admin/organisations/{org.id}/edit", {**data, "region": "Yorkshire"})
    assert renamed.status_code == 302
    assert "Yorkshire" in web.get("/admin/organisations").get_data(as_text=True)
    bad_kind = web.post("/admin/organisations/new", {**data, "name": "Other", "kind": "castle"})
    assert bad_kind.status_code == 400


def test_admin_grants_the_admin_role_but_cannot_remove_their_own(web, make_member):
    admin = make_member("Admin", email="admin@example.org", admin=True)
    ann = make_member("Ann")
    web.login("admin@example.org")
    web.post(f"/admin/members/{ann.id}/admin", {"make_admin": "1"})
    assert db.session.get(User, ann.id).is_admin
    web.post(f"/admin/members/{admin.id}/admin", {"make_admin": "0"})
    assert db.session.get(User, admin.id).is_admin


def test_demo_loads_into_an_empty_database_and_prints_logins(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.fivec.test" in result.output and "password:" in result.output
    assert db.session.scalar(select(db.func.count(User.id))) >= 10
    assert db.session.scalar(select(db.func.count(Organisation.id))) >= 8
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code != 0 and "already has members" in again.output
    rerun = runner.invoke(args=["demo", "load", "--if-empty"])
    assert rerun.exit_code == 0 and "not loaded again" in rerun.output
    assert "admin@demo.fivec.test" in rerun.output  # make run prints the logins every time


def test_demo_logins_work(app, web):
    from fivec.demo import DEMO_PASSWORD

    app.test_cli_runner().invoke(args=["demo", "load"])
    assert web.login("admin@demo.fivec.test", DEMO_PASSWORD).status_code == 302
    assert "Admin" in web.get("/").get_data(as_text=True)
