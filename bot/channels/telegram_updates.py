"""Which Telegram updates are a person talking to Pantau (issue 12, finding 6).

The identity is the user, in a private chat only: in a group the chat id is shared by everyone in it
(user B typing "unduh" would get fasilitator A's Excel), and a channel has no person at all. So:

- ``message`` in a private chat → input;
- ``message`` in a group / supergroup, ``channel_post`` → not input; the chat is told once, politely,
  that Pantau works in private chats;
- ``edited_message`` → not input (an edit must not silently change a stored answer); the person is
  told how to correct an answer;
- ``callback_query`` → input only when it comes from one of the bot's own inline keyboards (data
  ``pantau:<answer>``, in a private chat); always answered with ``answerCallbackQuery`` so the
  button stops spinning;
- anything else → ignored.

``classify_update`` is pure (a PTB ``Update`` in, a ``Verdict`` out); ``respond`` does the rest.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from telegram import Bot, Update

from flows.types import Inbound
from storage.db import Database
from storage.repo import Tx

from .. import catalog
from ..media import MediaRow

InboundItem = tuple[Inbound, MediaRow | None]      # a message and the media row it records (a photo to fetch)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "channel_post"]   # webhook and polling
CALLBACK_PREFIX = "pantau:"


@dataclass(frozen=True)
class Verdict:
    action: str                  # input, group, edited, callback_ignored, ignore
    chat_id: int | None = None
    text: str | None = None      # for input from a callback button: the answer it carries


def classify_update(update: Update) -> Verdict:
    if update.callback_query is not None:
        q = update.callback_query
        chat = q.message.chat if q.message is not None else None
        data = q.data or ""
        if chat is not None and chat.type == "private" and data.startswith(CALLBACK_PREFIX):
            return Verdict("input", chat.id, data[len(CALLBACK_PREFIX):])
        return Verdict("callback_ignored", chat.id if chat else None)
    post = update.channel_post or update.edited_channel_post
    if post is not None:
        return Verdict("group", post.chat.id) if post.chat is not None else Verdict("ignore")
    if update.edited_message is not None:
        chat = update.edited_message.chat
        if chat is None:                         # no chat: nobody to answer, nothing to store
            return Verdict("ignore")
        return Verdict("edited" if chat.type == "private" else "group", chat.id)
    if update.message is not None:
        chat = update.message.chat
        if chat is None:
            return Verdict("ignore")
        return Verdict("input" if chat.type == "private" else "group", chat.id)
    return Verdict("ignore")


async def inbound_for(update: Update, verdict: Verdict, bot: Bot,
                      to_inbound: Callable[[Update], Awaitable[InboundItem | None]]) -> InboundItem | None:
    """The ``(Inbound, media)`` of an input update: a message as ``to_inbound`` reads it, a button of
    ours as the answer it carries (answered first, so the button stops spinning)."""
    query = update.callback_query
    if query is None:
        return await to_inbound(update)
    await bot.answer_callback_query(query.id)
    return Inbound("telegram", str(verdict.chat_id), str(update.update_id), text=verdict.text or ""), None


async def respond(db: Database, bot: Bot, update: Update, verdict: Verdict, now: datetime) -> None:
    """What a non-input update gets: groups and channels one polite message (once per chat, recorded
    like an inbound message so two workers cannot both send it), an edit a short notice, a callback
    an answer."""
    t = catalog.gettext_for("id")
    if verdict.action == "callback_ignored":
        if update.callback_query is not None:       # always, for this verdict (classify_update)
            await bot.answer_callback_query(update.callback_query.id)
        return
    if verdict.action not in ("group", "edited") or verdict.chat_id is None:
        return
    chat = str(verdict.chat_id)
    if verdict.action == "group":
        once, text = f"group-notice:{chat}", t(
            "Maaf, Pantau hanya melayani percakapan pribadi supaya data setiap orang aman. Silakan kirim pesan "
            "langsung kepada bot ini.")
    else:
        once, text = f"edited:{update.update_id}", t(
            "Pesan yang diubah tidak dibaca ulang. Jika ada jawaban yang salah, ketik \"kembali\" lalu kirim "
            "jawaban yang benar, atau ketik \"ubah\" untuk laporan yang sudah dikirim.")
    async with db.session() as s, s.begin():
        tx = Tx(s)
        if await tx.record_inbound("telegram", once, chat, {"kind": verdict.action}, now):
            await tx.enqueue("telegram", chat, {"text": text}, now)
