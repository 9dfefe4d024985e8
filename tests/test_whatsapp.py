"""WhatsApp through Twilio, end to end: requests built exactly as Twilio builds them (all its form
fields, signed with Twilio's own RequestValidator.compute_signature) posted to the running app over
HTTP; replies sent with the real twilio Client to a local stand-in of Twilio's API."""
import asyncio
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.config import ConfigError, TwilioConfig
from bot.server import build_app
from bot.channels.whatsapp import normalize_whatsapp_id
from bot.channels.whatsapp_sender import RateLimiter, body_of, make_client, send_due
from storage.models import InboundMessage, Media, Outbox, Report

from .conftest import NOW, open_pipeline
from .twilio_peer import TwilioPeer, free_port, serving

SID, TOKEN = "AC" + "1" * 32, "a" * 32
FROM = "whatsapp:+14155238886"
KADER = "+6281234567890"


@pytest.mark.parametrize("raw,expected", [
    ("whatsapp:+6281234567890", "+6281234567890"), ("6281234567890", "+6281234567890"),
    ("+62 812-3456-7890", "+6281234567890"), ("whatsapp:+14155238886", "+14155238886"),
    ("US.13491208655302741918", "wa:US.13491208655302741918"),
])
def test_whatsapp_ids_are_normalised_without_a_second_62(raw, expected):
    assert normalize_whatsapp_id(raw) == expected


@pytest.mark.parametrize("env,fragment", [
    ({}, "TWILIO_ACCOUNT_SID belum diisi"),
    ({"TWILIO_ACCOUNT_SID": "123"}, "TWILIO_ACCOUNT_SID tidak sesuai"),
    ({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN}, "PANTAU_PUBLIC_URL belum diisi"),
    ({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "PANTAU_PUBLIC_URL": "https://x.org"},
     "TWILIO_WHATSAPP_FROM"),
    ({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "PANTAU_PUBLIC_URL": "https://x.org",
      "TWILIO_WHATSAPP_FROM": "+6281"}, "whatsapp:+"),
])
def test_bad_settings_fail_at_start_naming_the_variable(env, fragment):
    with pytest.raises(ConfigError) as err:
        TwilioConfig.from_env(env)
    assert fragment in str(err.value)


def test_choices_are_a_numbered_list_with_how_to_answer():
    from bot.payloads import reply_payload
    from flows.types import Reply
    payload = reply_payload(Reply("Apa peran Anda?", ("Kader desa", "Fasilitator", "Koordinator")))
    assert body_of(payload) == \
        "Apa peran Anda?\n1. Kader desa\n2. Fasilitator\n3. Koordinator\nBalas 1, 2 atau 3."


class Phone:
    """A WhatsApp user as Twilio reports them to our webhook."""

    def __init__(self, app_url, public_url, peer, number=KADER, token=TOKEN):
        self.app_url, self.public_url, self.peer, self.number, self.token = app_url, public_url, peer, number, token
        self.n = 0

    def form(self, body="", **extra):
        self.n += 1
        form = {"SmsMessageSid": f"SM{self.n:032x}", "NumMedia": "0", "ProfileName": "Siti",
                "MessageType": "text", "SmsSid": f"SM{self.n:032x}", "WaId": self.number[1:], "SmsStatus": "received",
                "Body": body, "To": FROM, "NumSegments": "1", "ReferralNumMedia": "0",
                "MessageSid": f"SM{self.n:032x}", "AccountSid": SID, "From": f"whatsapp:{self.number}",
                "ApiVersion": "2010-04-01"}
        form.update(extra)
        return form

    def post(self, form, path="/whatsapp/inbound", signed_url=None, token=None, tamper=None):
        url = (signed_url or self.public_url) + path
        signature = RequestValidator(token or self.token).compute_signature(url, form)
        if tamper:
            form = {**form, **tamper}
        return httpx.post(self.app_url + path, data=form, headers={"X-Twilio-Signature": signature}, timeout=30)

    def say(self, body="", **extra):
        resp = self.post(self.form(body, **extra))
        assert resp.status_code == 200 and resp.text.endswith("<Response></Response>"), resp.text
        return resp


async def outbox_rows(db, **where):
    async with db.session() as s:
        q = select(Outbox).order_by(Outbox.id)
        for k, v in where.items():
            q = q.where(getattr(Outbox, k) == v)
        return list(await s.scalars(q))


@pytest.fixture
def peer():
    return TwilioPeer(SID, TOKEN)


def config(peer, public_url, base=None, **kw):
    """The peer stands in for Twilio's API and its media host (plain http on 127.0.0.1, allowed by name)."""
    return TwilioConfig(SID, TOKEN, public_url, FROM, None, kw.pop("templates", {}), 1000.0, base or peer.url,
                        (peer.url,))


async def run_http(fn, *args, **kwargs):
    """Blocking HTTP calls run in a thread so the servers on this event loop can answer them."""
    import asyncio
    return await asyncio.to_thread(fn, *args, **kwargs)


async def test_a_cadre_reports_a_meeting_on_whatsapp(db_url, peer, tmp_path, monkeypatch):
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    port = free_port()
    public = "https://pantau.example.org"       # what Twilio calls; the app sits behind a proxy
    cfg = config(peer, public)
    pipeline = await open_pipeline(db_url)
    async with serving(peer.app(), peer.port), serving(build_app(pipeline, {"whatsapp": cfg}, run_senders=False), port) as app:
        phone = Phone(app, public, peer)
        steps = ["halo", "Siti Aminah", "1", "Kilmury, Kilmury", "ya", "1", "1", "kemarin", "Balai desa", "L 79 P 38",
                 "20", "2"]
        for text in steps:
            await run_http(phone.say, text)
        await run_http(phone.say, "", NumMedia="1", MessageType="image", MediaContentType0="image/jpeg",
                       MediaUrl0=peer.url + "/media/sheet.jpg")
        await run_http(phone.say, "lewati")
        # Twilio retries a webhook: same MessageSid, processed once
        retry = phone.form("kirim")
        for _ in range(2):
            assert (await run_http(phone.post, retry)).status_code == 200
        # a voice note gets a polite "please type"
        await run_http(phone.say, "", NumMedia="1", MessageType="audio", MediaContentType0="audio/ogg",
                       MediaUrl0=peer.url + "/media/sheet.jpg")
        # forged requests: nothing stored
        before = len(await outbox_rows(pipeline.db))
        assert (await run_http(lambda: phone.post(phone.form("x"), tamper={"Body": "1"}))).status_code == 403
        assert (await run_http(lambda: phone.post(phone.form("x"), token="b" * 32))).status_code == 403
        assert (await run_http(lambda: phone.post(phone.form("x"), signed_url="http://127.0.0.1:1"))).status_code == 403
        assert (await run_http(lambda: httpx.post(app + "/whatsapp/inbound", data=phone.form("x")))).status_code == 403
        assert len(await outbox_rows(pipeline.db)) == before

        from bot import media
        await asyncio.gather(*media._tasks)        # the photo is fetched after its message's commit
        async with pipeline.db.session() as s:
            [report] = (await s.scalars(select(Report))).all()
            assert report.answers["men"] == 79 and report.answers["total"] == 117 and report.revision == 1
            [photo] = (await s.scalars(select(Media))).all()
            assert photo.status == "stored" and photo.mime == "image/jpeg"
            assert Path(photo.path).read_bytes() == peer.media["/media/sheet.jpg"] and report.answers["photo"] == photo.sha256
            assert len((await s.scalars(select(InboundMessage))).all()) == len(steps) + 4
        # the replies leave through the outbox, with the real twilio client
        client = make_client(cfg)
        sent = await send_due(pipeline.db, cfg, client, RateLimiter(1000), NOW)
        rows = await outbox_rows(pipeline.db, channel="whatsapp")
        assert sent == len(rows) and all(r.status == "sent" and r.provider_id.startswith("SM") for r in rows)
        bodies = [r["form"]["Body"] for r in peer.requests]
        assert all(r["form"]["To"] == "whatsapp:" + KADER and r["form"]["From"] == FROM for r in peer.requests)
        assert any("1. Kader desa" in b and "Balas 1, 2 atau 3." in b for b in bodies)
        assert sum("Laporan pertemuan sudah tersimpan" in b for b in bodies) == 1
        assert any("pesan suara" in b for b in bodies)
        await client.http_client.close()
        # Twilio's status callback updates the row
        sid = rows[0].provider_id
        cb = {"MessageSid": sid, "MessageStatus": "delivered", "AccountSid": SID, "To": "whatsapp:" + KADER,
              "From": FROM, "ApiVersion": "2010-04-01"}
        assert (await run_http(lambda: phone.post(cb, path="/whatsapp/status"))).status_code == 200
        assert (await outbox_rows(pipeline.db, provider_id=sid))[0].status == "delivered"
        # a coordinator asks for the summary: the chart goes as media, fetchable from the public URL
        from flows.types import NewContact
        from storage.repo import Tx
        async with pipeline.db.session() as s, s.begin():
            await Tx(s).create_contact("whatsapp", "+6281111111111",
                                                       NewContact("Pak Koordinator", "koordinator", "81.05", "id"), NOW)
        coord = Phone(app, public, peer, number="+6281111111111")
        coord.n = 500
        await run_http(coord.say, "ringkasan")
        from bot.reports.jobs import run_due
        assert await run_due(pipeline.db, pipeline.forms) == 1       # the chart is rendered by the job worker
        start = len(peer.requests)
        client = make_client(cfg)
        await send_due(pipeline.db, cfg, client, RateLimiter(1000), NOW)
        await client.http_client.close()
        [chart] = [r["form"] for r in peer.requests[start:] if r["form"].get("MediaUrl")]
        assert chart["Body"].startswith("Ringkasan Kab. Seram Bagian Timur")
        path = chart["MediaUrl"].removeprefix(public)
        got = await run_http(httpx.get, app + path)
        assert got.status_code == 200 and got.content[:4] == b"\x89PNG"
        assert got.headers["x-content-type-options"] == "nosniff" and "sandbox" in got.headers["content-security-policy"]
        assert got.headers["content-disposition"].startswith("attachment;")   # a coordinator's file, never a page
        assert (await run_http(httpx.get, app + "/files/..%2Fpantau.db")).status_code == 404
    await pipeline.db.close()


async def test_the_24_hour_window_and_error_handling(db_url, peer):
    public = "https://pantau.example.org"
    template = "HX" + "2" * 32
    cfg = config(peer, public, templates={"reminder_before": template})
    pipeline = await open_pipeline(db_url)
    from bot.payloads import reply_payload
    from flows.types import Inbound, Reply
    from storage.repo import Tx
    await pipeline.handle(Inbound("whatsapp", KADER, "SMa", text="halo"))
    async with pipeline.db.session() as s, s.begin():
        tx = Tx(s)
        later = NOW + timedelta(hours=30)
        await tx.enqueue("whatsapp", KADER, {"text": "Pengingat", "template": "reminder_before",
                                             "variables": {"name": "Siti", "round": "Juli 2024"}}, later)
        await tx.enqueue("whatsapp", KADER, reply_payload(Reply("Pesan bebas")), later)
        await tx.enqueue("whatsapp", "+6281200021610", {"text": "y"}, NOW)   # before x: a 429 holds back the
        await tx.enqueue("whatsapp", "+6281200000429", {"text": "x"}, NOW)   # whole channel for that round
    async with pipeline.db.session() as s, s.begin():   # both numbers wrote to us recently
        tx = Tx(s)
        for n in ("+6281200000429", "+6281200021610"):
            await tx.record_inbound("whatsapp", "SM" + n, n, {}, NOW)
    peer.fail = {"whatsapp:+6281200000429": (429, 20429), "whatsapp:+6281200021610": (400, 21610)}
    async with serving(peer.app(), peer.port):
        client = make_client(cfg)
        await send_due(pipeline.db, cfg, client, RateLimiter(1000), NOW)        # greeting replies, inside 24 h
        first = len(peer.requests)
        retried = {r.payload.get("text"): r for r in await outbox_rows(pipeline.db)}["x"]
        assert retried.status == "pending" and retried.attempts == 1             # 429: tried again later
        await send_due(pipeline.db, cfg, client, RateLimiter(1000), NOW + timedelta(hours=30))
        late = [r["form"] for r in peer.requests[first:] if r["form"]["To"] == "whatsapp:" + KADER]
        assert late == [{**late[0], "ContentSid": template}] and "Body" not in late[0]
        assert late[0]["ContentVariables"] == '{"1": "Siti", "2": "Juli 2024"}'
        await client.http_client.close()
    rows = {r.payload.get("text"): r for r in await outbox_rows(pipeline.db)}
    assert rows["Pesan bebas"].status == "failed" and "24-hour" in rows["Pesan bebas"].error
    assert rows["x"].status == "failed"     # by its retry its 24 hours had passed: not tried free-form
    assert rows["y"].status == "failed" and "21610" in rows["y"].error        # unsubscribed: never again
    await pipeline.db.close()


PRISM = Path(__file__).resolve().parent.parent / "node_modules" / ".bin" / "prism"
SPEC = (Path(__file__).resolve().parent.parent / "node_modules" / "@twilio-alpha" / "mcp" / "twilio-oai" / "spec"
        / "json" / "twilio_api_v2010.json")


@pytest.mark.skipif(not (PRISM.exists() and SPEC.exists()),
                    reason="prism and Twilio's OpenAPI spec are installed by .ci/run (npm ci)")
async def test_every_request_matches_twilios_published_contract(db_url, peer):
    """prism proxy --errors checks each request the bot makes against twilio_api_v2010.json."""
    port = free_port()
    async with serving(peer.app(), peer.port):
        proc = subprocess.Popen([str(PRISM), "proxy", str(SPEC), peer.url, "--errors", "-p", str(port), "-h",
                                 "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)   # nobody read it
        try:
            for _ in range(300):
                try:
                    httpx.get(f"http://127.0.0.1:{port}/", timeout=0.5)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            cfg = config(peer, "https://pantau.example.org", base=f"http://127.0.0.1:{port}",
                         templates={"reminder_before": "HX" + "2" * 32})
            pipeline = await open_pipeline(db_url)
            from flows.types import Inbound
            from storage.repo import Tx
            for i, text in enumerate(["halo", "Siti", "1"]):
                await pipeline.handle(Inbound("whatsapp", KADER, f"SMp{i}", text=text))
            async with pipeline.db.session() as s, s.begin():
                await Tx(s).enqueue("whatsapp", KADER, {"text": "r", "template": "reminder_before",
                                                                        "variables": {"a": "b"}}, NOW)
            client = make_client(cfg)
            await send_due(pipeline.db, cfg, client, RateLimiter(1000), NOW)
            await send_due(pipeline.db, cfg, client, RateLimiter(1000), NOW + timedelta(hours=30))
            await client.http_client.close()
            rows = await outbox_rows(pipeline.db)
            assert rows and all(r.status == "sent" for r in rows), [(r.status, r.error) for r in rows]
            assert len(peer.requests) == len(rows)
            # and the check is real: a request that breaks the contract (no To) is refused by prism
            bad = httpx.post(f"http://127.0.0.1:{port}/2010-04-01/Accounts/{SID}/Messages.json",
                             data={"Body": "x"}, auth=(SID, TOKEN), timeout=10)
            assert bad.status_code in (400, 422) and len(peer.requests) == len(rows)
            await pipeline.db.close()
        finally:
            proc.terminate()
            proc.wait(10)


@pytest.mark.parametrize("signed_url, token, header, accepted", [
    ("https://pantau.example.org/whatsapp/inbound", "secret-token", None, True),          # the URL we gave Twilio
    ("https://pantau.example.org:443/whatsapp/inbound", "secret-token", None, True),      # signed with its port
    ("https://pantau.example.org/whatsapp/inbound", "another-token", None, False),        # not our account
    ("https://evil.example.org/whatsapp/inbound", "secret-token", None, False),           # another URL
    ("https://pantau.example.org/whatsapp/inbound", "secret-token", "bukan tanda tangan ✓", False),   # not ASCII
    ("https://pantau.example.org/whatsapp/inbound", "secret-token", "", False)])
def test_a_webhook_is_accepted_only_with_twilios_signature_of_our_url(signed_url, token, header, accepted):
    from bot.channels.whatsapp import signed
    params = {"From": "whatsapp:+6281234567890", "Body": "L 79 P 38 ✓", "MessageSid": "SM" + "a" * 32}
    signature = RequestValidator(token).compute_signature(signed_url, params) if header is None else header
    ours = RequestValidator("secret-token")
    assert signed(ours, "https://pantau.example.org/whatsapp/inbound", params, signature) is accepted
    tampered = {**params, "Body": "L 79 P 39"}
    assert signed(ours, "https://pantau.example.org/whatsapp/inbound", tampered, signature) is False
