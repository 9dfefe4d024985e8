"""The Telegram sender after a crash: a row its killed predecessor left "sending" is sent again once it
is in doubt (Telegram cannot be asked whether it arrived: at-least-once), a row claimed moments ago by
a live sender is left alone, and nothing is sent twice by one round."""
from datetime import timedelta

from sqlalchemy import select, update

from bot.channels.telegram import Limits, send_due
from storage.db import Database
from storage.models import Outbox
from storage.repo import Tx

from .conftest import NOW


class RecordingBot:
    """Stands in for python-telegram-bot's Bot: records what would have reached Telegram."""

    def __init__(self):
        self.sent: list[tuple[str, str]] = []

    async def send_message(self, chat, text, reply_markup=None):
        self.sent.append((chat, text))

        class Message:
            message_id = len(self.sent)
        return Message()


async def test_a_row_left_sending_by_a_killed_sender_is_sent_again_once(db_url):
    db = Database(db_url)
    async with db.session() as s, s.begin():
        tx = Tx(s)
        for chat, text in (("111", "lama"), ("222", "baru"), ("333", "biasa")):
            await tx.enqueue("telegram", chat, {"text": text}, NOW)
    async with db.session() as s, s.begin():
        # "lama": claimed 10 minutes ago by a sender that died; "baru": claimed 5 s ago by a live one
        for chat, claimed in (("111", NOW - timedelta(minutes=10)), ("222", NOW - timedelta(seconds=5))):
            await s.execute(update(Outbox).where(Outbox.external_id == chat)
                            .values(status="sending", next_attempt_at=claimed))
    bot = RecordingBot()
    await send_due(db, bot, Limits(1000, 1000), NOW)
    await send_due(db, bot, Limits(1000, 1000), NOW)
    assert sorted(bot.sent) == [("111", "lama"), ("333", "biasa")]
    async with db.session() as s:
        status = {r.external_id: r.status for r in await s.scalars(select(Outbox))}
    assert status == {"111": "sent", "222": "sending", "333": "sent"}
    later = NOW + timedelta(minutes=5)           # the live sender never came back either
    await send_due(db, bot, Limits(1000, 1000), later)
    assert sorted(bot.sent) == [("111", "lama"), ("222", "baru"), ("333", "biasa")]
    await db.close()
