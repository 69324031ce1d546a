"""The audit log: a group's log for its members, the full log and CSV for admins."""

from __future__ import annotations

import csv
import io

from moderation.audit import csv_cell
from moderation.thread_tools import set_locked, set_pinned
from tests.moderation.conftest import logged_in, page_text


def test_a_groups_members_read_its_moderation_log(make_web, thread, sepsis, mo, ann):
    set_locked(mo, thread, True, "Resolved: thank you all.")
    page = page_text(logged_in(make_web, ann).get(f"/groups/{sepsis.id}/moderation-log"))
    assert "Locked a thread" in page and "Mo Reid" in page and "Resolved: thank you all." in page


def test_a_hidden_groups_log_is_404_to_outsiders(make_web, make_group, make_member, mo):
    insider = make_member("Ivy Inside")
    hidden = make_group("Night sisters", visibility="hidden", members=[insider, mo],
                        roles={mo.id: "moderator"})  # fmt: skip
    outsider = make_member("Otto Outside")
    assert (
        logged_in(make_web, outsider).get(f"/groups/{hidden.id}/moderation-log").status_code == 404
    )
    assert (
        logged_in(make_web, insider).get(f"/groups/{hidden.id}/moderation-log").status_code == 200
    )


def test_the_full_log_is_for_admins_and_filters(make_web, make_member, thread, mo, ann):
    set_locked(mo, thread, True, "Locked for a reason.")
    set_pinned(mo, thread, True, "Pinned for a reason.")
    assert logged_in(make_web, mo).get("/moderation/log").status_code == 404
    admin = logged_in(make_web, make_member("Ada Admin", admin=True))
    page = page_text(admin.get("/moderation/log?action=pin"))
    assert "Pinned for a reason." in page and "Locked for a reason." not in page
    assert "Locked for a reason." in page_text(admin.get(f"/moderation/log?actor={mo.id}"))
    old = page_text(admin.get("/moderation/log?since=2000-01-01&until=2000-01-02"))
    assert "Locked for a reason." not in old
    assert admin.get("/moderation/log?actor=x&group=' OR 1&since=nonsense").status_code == 200


def test_the_csv_export_quotes_cells_that_look_like_formulas(make_web, make_member, thread, mo):
    set_locked(mo, thread, True, '=HYPERLINK("http://evil.example")')
    admin = logged_in(make_web, make_member("Ada Admin", admin=True))
    response = admin.get("/moderation/log.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "when (UTC)"
    assert rows[1][-1] == '\'=HYPERLINK("http://evil.example")'
    assert [csv_cell(v) for v in ("+1", "-2", "@x", "\tx", "plain", None, 3)] == [
        "'+1", "'-2", "'@x", "'\tx", "plain", "", "3",
    ]  # fmt: skip
