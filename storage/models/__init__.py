"""Tables. Areas are keyed by Kemendagri code; reports are keyed and revised, never appended.

One module per domain; every table is imported here, so ``from storage.models import X`` works for every name
and ``Base.metadata`` (alembic's env) sees every table."""
from .base import DEFAULT_PROGRAM_ID, Base
from .loop import (
                   STATUS,
                   Agency,
                   AgencyAlias,
                   IssueItem,
                   Recommendation,
                   RecommendationAgency,
                   RecommendationEvent,
                   RecommendationProgram,
                   StorySelection,
)
from .messages import InboundMessage, Outbox, Session
from .people import Area, Contact, Identity, Invite, Membership, Program, ProgramArea, ProgramForm
from .reports import FormVersion, Job, Media, Report, ReportMatch, ReportRevision, Round, SentReminder, UnreadAnswer
from .web import ApiCall, ApiClient, Change, LoginLink, WebhookEvent, WebhookMark, WebhookSubscription, WebSession

__all__ = [
    "DEFAULT_PROGRAM_ID", "Base",
    "Area", "Contact", "Identity", "Invite", "Membership", "Program", "ProgramArea", "ProgramForm",
    "InboundMessage", "Outbox", "Session",
    "FormVersion", "Job", "Media", "Report", "ReportMatch", "ReportRevision", "Round", "SentReminder", "UnreadAnswer",
    "STATUS", "Agency", "AgencyAlias", "IssueItem", "Recommendation", "RecommendationAgency", "RecommendationEvent",
    "RecommendationProgram", "StorySelection",
    "ApiCall", "ApiClient", "Change", "LoginLink", "WebhookEvent", "WebhookMark", "WebhookSubscription", "WebSession",
]
