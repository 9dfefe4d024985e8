"""Who may see and do what, by role: the one rule the chat, the jobs that answer chat requests and the dashboard
all ask (flows/engine.py for ``ringkasan``, ``belum``, ``unduh``, ``dasbor``; bot/jobs.py again before
rendering; bot/web/access.py for every page). A new page or request names what it needs here.

An OPD (a kabupaten agency) reports nothing and sees nothing of the kader's data: no summary, no list of
desa with their kader, no Excel, no reminders, no reports, photos or stories. It sees only the
recommendations carried to its own agency, and answers them, in the chat (``tindak lanjut``) and on the
dashboard (the Tindak lanjut page, filtered to its agency).
"""
from __future__ import annotations

AREA = "area"             # the area's figures and rows: summary, meetings, activities, matrix, desa, reports, photos
MISSING = "missing"       # desa that have not reported, with their kader's names and channels
EXPORT = "export"         # the Excel workbook of the area
REMIND = "remind"         # queue a reminder to a kader
STORIES = "stories"       # stories of change of the area (storytellers, panels)
DASHBOARD = "dashboard"   # sign in to the dashboard at all
FOLLOWUP = "followup"     # the Tindak lanjut page and the chat's side conversation
RECOMMEND = "recommend"   # the fasilitator's work table: merge items, recommend, carry to the kabupaten
ANSWER = "answer"         # answer a recommendation carried to the kabupaten (status, reason, note)
FORUM = "forum"           # the kabupaten forum: accept, merge, reassign or return what the kecamatan carried
AGENCIES = "agencies"     # the kabupaten's OPD list: add one, give one another name (as `pantau opd`)

_COORDINATOR = frozenset({AREA, MISSING, EXPORT, REMIND, STORIES, DASHBOARD, FOLLOWUP})
CAN: dict[str, frozenset[str]] = {
    "kader": frozenset(),
    "fasilitator": _COORDINATOR | {RECOMMEND},
    "koordinator": _COORDINATOR | {ANSWER, FORUM, AGENCIES},
    "opd": frozenset({DASHBOARD, FOLLOWUP, ANSWER}),
}
AGENCY_ONLY = frozenset({"opd"})   # these roles see and answer only what was carried to their own agency

# the chat's requests (flows/engine.py REQUESTS) and what each needs
REQUEST_NEEDS = {"summary": AREA, "missing": MISSING, "export": EXPORT, "dashboard": DASHBOARD, "logout": DASHBOARD}


def may(role: str | None, what: str) -> bool:
    """Whether ``role`` may do ``what`` (an unknown role nothing)."""
    return what in CAN.get(role or "", frozenset())


def may_request(role: str | None, request: str) -> bool:
    return may(role, REQUEST_NEEDS.get(request, request))


def agency_only(role: str | None) -> bool:
    """Follow-up limited to the recommendations carried to the person's own agency."""
    return role in AGENCY_ONLY
