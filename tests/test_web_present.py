"""The dashboard's pure rules: when a hand-sent reminder may go, numbers for the locale, what a revision
changed, inline charts."""
from datetime import datetime, timezone

import pytest

from bot import catalog
from bot.web.present import bar_chart, changes, percent, plan_reminder, stacked_bar, when
from flows.dates import WIB, WIT

DESA_WIT, DESA_WIB = "81.05.01.2001", "32.01.01.2001"
DUE = "2024-07-31"


def at(tz, d, h, m=0):
    return datetime(2024, 8 if d < 20 else 7, d, h, m, tzinfo=tz).astimezone(timezone.utc)


@pytest.mark.parametrize("now,desa,channel,last,templates,send_at,how,kind,quiet", [
    # working hours in the desa's own zone: now
    (at(WIT, 15, 12), DESA_WIT, "terminal", None, set(), at(WIT, 15, 12), "text", "after", False),
    # 21.00 WIT is quiet: 07.00 WIT next day; the same moment is 19.00 WIB in Java: still allowed there
    (at(WIT, 15, 21), DESA_WIT, "telegram", None, set(), at(WIT, 16, 7), "text", "after", True),
    (at(WIT, 15, 21), DESA_WIB, "telegram", None, set(), at(WIT, 15, 21), "text", "after", False),
    # 05.30 local: held until 07.00 the same day
    (at(WIB, 15, 5, 30), DESA_WIB, "terminal", None, set(), at(WIB, 15, 7), "text", "after", True),
    # exactly 20.00 is quiet, 19.59 is not
    (at(WIT, 15, 20), DESA_WIT, "terminal", None, set(), at(WIT, 16, 7), "text", "after", True),
    (at(WIT, 15, 19, 59), DESA_WIT, "terminal", None, set(), at(WIT, 15, 19, 59), "text", "after", False),
    # the kind follows the desa's date against the due date
    (at(WIT, 28, 10), DESA_WIT, "terminal", None, set(), at(WIT, 28, 10), "text", "before", False),
    (at(WIT, 31, 10), DESA_WIT, "terminal", None, set(), at(WIT, 31, 10), "text", "due", False),
    # WhatsApp: free text inside 24 h of the last message (counted at the moment it goes) …
    (at(WIT, 15, 12), DESA_WIT, "whatsapp", at(WIT, 14, 13), set(), at(WIT, 15, 12), "text", "after", False),
    # … a template outside it, if one is approved, else not at all
    (at(WIT, 15, 12), DESA_WIT, "whatsapp", at(WIT, 14, 12), {"after"}, at(WIT, 15, 12), "template", "after", False),
    (at(WIT, 15, 12), DESA_WIT, "whatsapp", at(WIT, 14, 12), {"before"}, at(WIT, 15, 12), "impossible", "after", False),
    (at(WIT, 15, 12), DESA_WIT, "whatsapp", None, set(), at(WIT, 15, 12), "impossible", "after", False),
    # inside the window now, but held for quiet hours past its end: a template
    (at(WIT, 15, 22), DESA_WIT, "whatsapp", at(WIT, 15, 6), {"after"}, at(WIT, 16, 7), "template", "after", True),
])
def test_when_a_reminder_may_go(now, desa, channel, last, templates, send_at, how, kind, quiet):
    plan = plan_reminder(now, desa, DUE, channel, last, templates)
    assert (plan.send_at, plan.how, plan.kind, plan.quiet) == (send_at, how, kind, quiet)


@pytest.mark.parametrize("value,lang,shown", [(32.5, "id", "32,5%"), (32.5, "en", "32.5%"), (0, "id", "0,0%"),
                                              (100, "id", "100,0%"), (1234.5, "en", "1,234.5%")])
def test_percent_for_the_locale(value, lang, shown):
    assert percent(value, lang) == shown


def test_times_in_the_desa_zone():
    moment = datetime(2024, 8, 15, 3, 0, tzinfo=timezone.utc)
    assert when(moment, DESA_WIT, "id") == "15 Agu 2024 12.00 WIT"
    assert when(moment, DESA_WIB, "en") == "15 Aug 2024 10.00 WIB"
    assert when(None, DESA_WIT, "id") == "—"


def test_what_a_revision_changed(forms):
    form = forms[("pertemuan", 1)]
    t = catalog.gettext_for("id")
    before = {"kind": "musdes", "date": "2024-07-10", "men": 10, "women": 6, "place": "Balai"}
    after = {**before, "women": 8, "note": "daftar hadir menyusul"}
    assert changes(form, before, after, "id", t) == [("Perempuan", "6", "8"),
                                                     ("Catatan", "(tidak ada)", "daftar hadir menyusul")]
    assert changes(form, None, after, "id", t) == []
    assert changes(form, before, before, "id", t) == []
    monitoring = forms[("pemantauan", 1)]
    one = {"round": "Juli", "activities": [{"activity": "Kebun", "sector": "pertanian", "status": "belum"}]}
    two = {"round": "Juli", "activities": [{"activity": "Kebun", "sector": "pertanian", "status": "berjalan"}]}
    [(label, old, new)] = changes(monitoring, one, two, "id", t)
    assert label.startswith("Kegiatan 1 — ") and (old, new) == ("Belum berjalan", "Berjalan")


def test_charts_are_inline_svg_with_their_numbers():
    bar = stacked_bar([("Tepat waktu", 3, "tepat_waktu"), ("Belum", 1, "belum")], "Kelengkapan")
    assert bar.startswith("<svg") and 'width="75.00"' in bar and "Tepat waktu: 3; Belum: 1" in bar
    empty = stacked_bar([("Tepat waktu", 0, "tepat_waktu")], "Kelengkapan")
    assert 'class="none"' in empty
    chart = bar_chart([("Berjalan <b>", 1234)], "Keadaan", lambda v: f"{v:,}".replace(",", "."))
    assert "1.234" in chart and "<b>" not in chart and "&lt;b&gt;" in chart
    assert bar_chart([], "x") == ""



@pytest.mark.parametrize("role,text,request_,reply", [
    ("koordinator", "dasbor", "dashboard", None),
    ("fasilitator", "/dasbor", "dashboard", None),
    ("koordinator", "DASHBOARD", "dashboard", None),
    ("koordinator", "keluar", "logout", None),
    ("fasilitator", "logout", "logout", None),
    ("kader", "dasbor", None, "Perintah ini untuk fasilitator dan koordinator."),
    ("kader", "keluar", None, "Perintah ini untuk fasilitator dan koordinator."),
])
def test_dasbor_and_keluar_in_the_engine(forms, role, text, request_, reply):
    """The engine only asks for the link (the pipeline makes it); a draft being filled is kept."""
    from flows.types import ContactView, RoundView

    from .conftest import Chat
    area = "81.05.08.2010" if role == "kader" else "81.05"
    chat = Chat(forms, contact=ContactView(1, "Bu Rina", role, area, "id"),
                rounds=[RoundView("Juli 2024", "2024-07-01", "2024-08-31")])
    chat.say("1")                                   # a meeting report started
    step = chat.step(text)
    assert step.request == request_
    if reply:
        assert step.replies[0].text == reply and chat.session["mode"] == "form"
    else:
        assert step.replies == [] and chat.session["mode"] == "menu" and chat.session["draft"]["id"] == "pertemuan"


def test_the_coordinator_menu_offers_the_dashboard_and_the_kader_menu_does_not(forms):
    from flows.types import ContactView

    from .conftest import Chat
    for role, area, offered in (("koordinator", "81.05", True), ("kader", "81.05.08.2010", False)):
        chat = Chat(forms, contact=ContactView(1, "Bu Rina", role, area, "id"))
        assert ("Buka dasbor" in chat.step("menu").replies[-1].choices) is offered
