"""Finding 6 (issue 12): on Telegram the identity is the user in a private chat. Groups and channels
get one polite message and nothing else; an edited message is not read again; only the bot's own
buttons count as input. Pure classification table-driven, then end to end through the Bot API
emulator (tests/telegram/compat.py) in polling mode."""
import pytest
from sqlalchemy import func, select
from telegram import Bot, Update

from bot.channels.telegram import Limits, TelegramChannel, send_due
from bot.channels.telegram_updates import ALLOWED_UPDATES, classify_update
from flows.types import NewContact
from storage.models import Contact, InboundMessage, Session
from storage.repo import Tx

from .conftest import NOW, open_pipeline
from .telegram.compat import SimUser
from .telegram.harness import TOKEN, Harness, needs_emulator
from .twilio_peer import serving

PRIVATE = {"id": 4242, "type": "private", "first_name": "Siti"}
GROUP = {"id": -100777, "type": "group", "title": "Kader Kilmury"}
USER = {"id": 5005, "is_bot": False, "first_name": "Budi"}


def msg(chat, text="unduh"):
    return {"message_id": 7, "date": 0, "chat": chat, "from": USER, "text": text}


@pytest.mark.parametrize("payload,action,text", [
    ({"message": msg(PRIVATE)}, "input", None),
    ({"message": msg(GROUP)}, "group", None),
    ({"message": msg({"id": -1001, "type": "supergroup", "title": "x"})}, "group", None),
    ({"channel_post": {"message_id": 1, "date": 0, "chat": {"id": -1002, "type": "channel", "title": "c"},
                       "text": "unduh"}}, "group", None),
    ({"edited_message": msg(PRIVATE, "L 80 P 40")}, "edited", None),
    ({"edited_message": msg(GROUP)}, "group", None),
    ({"callback_query": {"id": "c1", "from": USER, "chat_instance": "i", "data": "pantau:Ya",
                         "message": msg(PRIVATE, "Apakah ini wilayah Anda?")}}, "input", "Ya"),
    ({"callback_query": {"id": "c2", "from": USER, "chat_instance": "i", "data": "Apakah ini wilayah Anda?",
                         "message": msg(PRIVATE, "Apakah ini wilayah Anda?")}}, "callback_ignored", None),
    ({"callback_query": {"id": "c3", "from": USER, "chat_instance": "i", "data": "pantau:unduh",
                         "message": msg(GROUP, "x")}}, "callback_ignored", None),
    ({"inline_query": {"id": "q", "from": USER, "query": "unduh", "offset": ""}}, "ignore", None),
])
def test_which_updates_are_a_person_talking(payload, action, text):
    verdict = classify_update(Update.de_json({"update_id": 1, **payload}, Bot(TOKEN)))
    assert verdict.action == action and verdict.text == text


async def count(p, model, *where):
    async with p.db.session() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where))


@needs_emulator
async def test_groups_edits_and_foreign_buttons_get_no_data(emulator, db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    h = Harness(emulator, db_url)
    async with serving(h.compat.app(), h.compat_port):
        h.pipeline = await open_pipeline(db_url)
        h.channel = TelegramChannel(h.cfg, h.pipeline)
        await h.channel.start()
        async with h.pipeline.db.session() as s, s.begin():     # fasilitator A, on Telegram in a private chat
            await Tx(s).create_contact("telegram", "4242", NewContact("Pak Fasil", "fasilitator", "81.05.08", "id"),
                                       NOW)

        async def deliver():
            h.offset = await h.channel.poll_once(h.offset, timeout=1)
            await send_due(h.pipeline.db, h.channel.app.bot, Limits(1000, 1000))

        # user B types "unduh" (twice) in a group: one polite message to the group, no Excel, nobody registered
        budi_in_group = SimUser(emulator, h.compat, 5005, "Budi")
        group = SimUser(emulator, h.compat, GROUP["id"], "group")
        for _ in range(2):
            await budi_in_group.send("unduh", chat=GROUP)
            await deliver()
        said = await group.read()
        assert [m["text"] for m in said] == [
            "Maaf, Pantau hanya melayani percakapan pribadi supaya data setiap orang aman. Silakan kirim pesan "
            "langsung kepada bot ini."]
        assert h.compat.sent_files == [] and await count(h.pipeline, Contact) == 1
        assert await count(h.pipeline, Session) == 0
        assert h.compat.allowed_updates["getUpdates"] == ALLOWED_UPDATES

        # an edited message is not read again: a notice, and nothing requested
        edited = Update.de_json({"update_id": 90001, "edited_message": {
            "message_id": 3, "date": 0, "edit_date": 1, "chat": PRIVATE, "from": {**USER, "id": 4242},
            "text": "unduh"}}, h.channel.app.bot)
        await h.channel.process([edited])
        await send_due(h.pipeline.db, h.channel.app.bot, Limits(1000, 1000))
        out = await h.user.read()
        assert len(out) == 1 and "Pesan yang diubah tidak dibaca ulang" in out[0]["text"]
        assert h.compat.sent_files == [] and await count(h.pipeline, Session) == 0

        # a button that replays the bot's own text: answered (so it stops spinning), not taken as input
        await h.user.tap_inline("Apakah ini wilayah Anda?", {"text": "Apakah ini wilayah Anda?"})
        await deliver()
        assert len(h.compat.answered_callbacks) == 1 and await h.user.read() == []
        assert await count(h.pipeline, Session) == 0
        # one of the bot's own buttons is input from the person who tapped it
        await h.user.tap_inline("pantau:menu", {"text": "Apa yang ingin Anda laporkan?"})
        await deliver()
        out = await h.user.read()
        assert len(h.compat.answered_callbacks) == 2 and "Ringkasan wilayah saya" in out[-1]["keyboard"]
        assert await count(h.pipeline, InboundMessage, InboundMessage.external_id == "4242") == 2
        await h.channel.stop()
        await h.pipeline.db.close()
