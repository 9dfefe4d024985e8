"""Context read only for the messages that need it (issue 29), through the real pipeline: what ``needs()``
leaves out is not read, and a message that reaches it anyway still gets the right answer."""
from storage.counting import counting
from storage.repo import upsert_round

from .conftest import open_pipeline
from .test_pipeline import MEETING, register_kader, send


async def test_choosing_ubah_at_the_menu_by_its_number_lists_the_reports_sent(db_url):
    """The menu's messages do not read the last reports; "4" (Ubah laporan) still lists them."""
    p = await open_pipeline(db_url)
    await register_kader(p)
    for text in MEETING:
        await send(p, text)
    with counting(p.db) as statements:
        replies = await send(p, "menu")
    assert statements["SELECT reports"] == 0        # neither the last reports nor the previous answers
    replies = await send(p, "4")
    assert replies[-1].text == "Laporan mana yang ingin diperbaiki?"
    assert replies[-1].choices[0].startswith("Laporan pertemuan — Musyawarah desa")
    await p.db.close()


async def test_a_monitoring_reports_answers_after_the_round_read_no_rounds(db_url):
    p = await open_pipeline(db_url)
    async with p.db.session() as s:
        await upsert_round(s, "Juli 2024", "2024-07-01", "2024-08-31")
        await upsert_round(s, "Agustus 2024", "2024-08-01", "2024-09-30")
    await register_kader(p)
    replies = await send(p, "2")
    assert replies[-1].choices == ("Juli 2024", "Agustus 2024")     # two open rounds: asked which
    with counting(p.db) as at_round:
        await send(p, "juli")
    with counting(p.db) as after:
        replies = await send(p, "Kebun sayur")
    assert at_round["SELECT rounds"] == 1 and after["SELECT rounds"] == 0
    assert "Bidang kegiatannya?" in replies[-1].text
    replies = await send(p, "kembali")                              # back to the activity's name…
    replies = await send(p, "kembali")                              # …and to the round: asked again
    assert replies[-1].choices == ("Juli 2024", "Agustus 2024")
    await p.db.close()
