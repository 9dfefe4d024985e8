"""Webhook bodies an attacker (or a broken proxy) may send: JSON nested deeper than Python's recursion limit
is refused with 400, not a 500 traceback; an update without a chat is acknowledged and ignored (nobody to
answer), never retried into the drop path, and the drop path itself survives an update it cannot read."""
from __future__ import annotations

import pytest
from telegram import Bot, Update

from bot.channels.telegram_updates import classify_update

from .telegram.harness import SECRET  # noqa: F401
from .test_telegram_edges import post, stored, webhook_app


@pytest.mark.parametrize("body", [
    b'{"update_id": 1, "message": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",
    b"[" * 100_000 + b"]" * 100_000,
    b'{"update_id": 2, "x": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_000 + b"}",
])
async def test_deeply_nested_json_is_refused_with_400(db_url, body):
    async with webhook_app(db_url) as (url, pipeline):
        resp = await post(url, content=body)
        assert resp.status_code == 400 and await stored(pipeline) == []


NO_CHAT = [
    {"update_id": 11, "message": {"message_id": 1, "date": 0, "text": "halo"}},
    {"update_id": 12, "edited_message": {"message_id": 1, "date": 0, "text": "halo", "edit_date": 0}},
    {"update_id": 13, "channel_post": {"message_id": 1, "date": 0, "text": "halo"}},
]


@pytest.mark.parametrize("body", NO_CHAT)
async def test_an_update_without_a_chat_is_acknowledged_and_ignored(db_url, body):
    async with webhook_app(db_url) as (url, pipeline):
        for _ in range(4):                  # redelivered: never a 503 or 500, whatever the count
            resp = await post(url, json=body)
            assert resp.status_code == 200
        assert await stored(pipeline) == []


@pytest.mark.parametrize("body", NO_CHAT)
def test_classify_an_update_without_a_chat_is_ignore(body):
    assert classify_update(Update.de_json(body, Bot("1:x"))).action == "ignore"


async def test_the_drop_path_survives_an_update_it_cannot_read(db_url, monkeypatch):
    """A poison update whose own classification fails is still dropped (the offset moves on), not a crash."""
    from bot.channels import telegram as T
    async with webhook_app(db_url) as (url, pipeline):
        channel = T.TelegramChannel.__new__(T.TelegramChannel)
        channel.pipeline, channel._attempts = pipeline, {}

        def broken(_update):
            raise AttributeError("'NoneType' object has no attribute 'type'")
        monkeypatch.setattr(T, "classify_update", broken)
        update = Update.de_json(NO_CHAT[0], Bot("1:x"))
        await channel._drop(update, KeyError("a bug"))          # before the fix: AttributeError escaped
        assert await stored(pipeline) == []
