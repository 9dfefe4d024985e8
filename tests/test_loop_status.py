"""Status usulan: a kader asks what became of their desa's proposals (typed or from the menu) and sees only their
own desa, with the recommendation, OPD, target and history in their own zone; news quotes the recommendation."""
from __future__ import annotations

from datetime import datetime, timezone

from .test_loop_e2e import FASIL, KA, KB, KOORD, OPD_KOP, run, texts, village_reports


async def _status(w) -> None:
    await village_reports(w)
    # nothing discussed yet: the kader still sees what the desa asked
    out = texts(await w.say(KB, "status usulan", record=False))
    assert "Usulan Desa Nekan dan tindak lanjutnya:" in out
    assert "Tenun — modal usaha tenun" in out and "belum dibahas di rapat kecamatan" in out
    kop = await w.invite("opd", "81.05", "Dinas Koperasi")
    await w.script(FASIL, "tindak lanjut", "2", "1", "Bantuan modal usaha untuk kelompok tenun", "3",
                   "Dinas Koperasi, Oktober 2024", "menu", record=False)
    await w.script(KOORD, "halo", "Koordinator SBT", await w.invite("koordinator", "81.05"), "tindak lanjut", "terima",
                   record=False)
    w.at(datetime(2024, 8, 16, 23, 30, tzinfo=timezone.utc))          # 08:30 on the 17th in Maluku (WIT)
    await w.script(OPD_KOP, "halo", "Hasan", kop, "tindak lanjut", "2", "Proposal sedang diverifikasi", record=False)
    # from the menu (a number, not the command): the kader's own desa only
    menu = await w.say(KB, "menu", record=False)
    number = next(i for i, c in enumerate(menu[-1].choices, 1) if c == "Status usulan desa")
    out = texts(await w.say(KB, str(number), record=False))
    assert "Rekomendasi: Bantuan modal usaha untuk kelompok tenun" in out
    assert "Status: Dalam proses; OPD: Dinas Koperasi; target Oktober 2024" in out
    assert "17 Agustus 2024 08:30 WIT: Dalam proses (Proposal sedang diverifikasi)" in out
    assert "Kebun sayur" not in out                                   # Kilmury's, not Nekan's
    # the news quotes the recommendation itself
    news = (await w.notices(KA))[-1].payload["text"]
    assert "Rekomendasi: Bantuan modal usaha untuk kelompok tenun" in news
    # other roles are pointed to their own command
    assert "ketik \"tindak lanjut\"" in texts(await w.say(FASIL, "status usulan", record=False))


def test_a_kader_reads_the_status_of_their_desas_proposals(db_url, tmp_path, monkeypatch):
    run(db_url, _status, tmp_path, monkeypatch)


def test_pantau_opd_add_list_alias(cli_env):
    from .test_cli_e2e import run as cli
    add = cli(cli_env, "opd", "add", "Dinas Pemberdayaan Masyarakat dan Desa (BPMD)", "--area", "81.05").stdout
    assert add.startswith("OPD ditambahkan di 81.05: Dinas Pemberdayaan Masyarakat dan Desa (BPMD)")
    again = cli(cli_env, "opd", "add", "bpmd", "--area", "81.05", check=False)
    assert again.returncode == 2 and "sudah terdaftar sebagai \"Dinas Pemberdayaan" in again.stderr
    cli(cli_env, "opd", "add", "Dinas PMD", "--area", "81.05")            # registered apart by mistake
    cli(cli_env, "opd", "add", "Dinas Perikanan", "--area", "81.05", "--alias", "DKP")
    assert "DKP" in cli(cli_env, "opd", "list", "--area", "81.05").stdout
    merged = cli(cli_env, "opd", "alias", "BPMD", "Dinas PMD", "--area", "81.05").stdout
    assert "\"Dinas PMD\" digabungkan ke \"Dinas Pemberdayaan Masyarakat dan Desa (BPMD)\"" in merged
    listed = cli(cli_env, "opd", "list", "--area", "81.05").stdout.splitlines()
    assert listed == ["Dinas Pemberdayaan Masyarakat dan Desa (BPMD)  (juga: BPMD, Dinas Pemberdayaan Masyarakat dan "
                      "Desa, Dinas PMD)", "Dinas Perikanan  (juga: DKP)"]
    out = cli(cli_env, "invite", "--role", "opd", "--area", "81.05", "--agency", "BPMD").stdout
    assert "(Dinas Pemberdayaan Masyarakat dan Desa (BPMD))" in out
    assert cli(cli_env, "opd", "list", "--area", "81.05.08", check=False).returncode == 2


async def _co_responsible(w) -> None:
    from .test_loop_e2e import OPD_TANI
    await village_reports(w)
    bpmd = await w.invite("opd", "81.05", "Dinas Pemberdayaan Masyarakat dan Desa (BPMD)")
    kop = await w.invite("opd", "81.05", "Dinas Koperasi")
    tani = await w.invite("opd", "81.05", "Dinas Pertanian")
    # BPMD leads, Koperasi shares; the fasilitator types the abbreviation
    out = texts(await w.script(FASIL, "tindak lanjut", "1", "Pendampingan kelompok tenun", "3",
                               "BPMD, Dinas Koperasi, Oktober 2024", record=False))
    assert "- OPD: Dinas Pemberdayaan Masyarakat dan Desa (BPMD) (utama), Dinas Koperasi" in out
    await w.script(FASIL, "menu", record=False)
    await w.script(KOORD, "halo", "Koordinator SBT", await w.invite("koordinator", "81.05"), "tindak lanjut", "terima",
                   record=False)
    await w.script(OPD_KOP, "halo", "Hasan", kop, record=False)
    out = texts(await w.say(OPD_KOP, "tindak lanjut", record=False))
    assert "Rekomendasi 1 dari 1" in out and "OPD: Dinas Pemberdayaan Masyarakat dan Desa (BPMD), Dinas Koperasi" in out
    await w.script(OPD_TANI, "halo", "Maria", tani, record=False)
    assert "Tidak ada rekomendasi" in texts(await w.say(OPD_TANI, "tindak lanjut", record=False))
    await w.script("+6281500000003", "halo", "Yusuf", bpmd, record=False)
    assert "Rekomendasi 1 dari 1" in texts(await w.say("+6281500000003", "tindak lanjut", record=False))
    # the co-responsible agency answers; the kader hears it
    await w.script(OPD_KOP, "2", "Pelatihan dijadwalkan", record=False)
    assert "sedang memproses" in (await w.notices(KB))[-1].payload["text"]


def test_the_lead_and_co_responsible_agencies_see_and_answer_the_item(db_url, tmp_path, monkeypatch):
    run(db_url, _co_responsible, tmp_path, monkeypatch)


async def test_free_text_agencies_are_migrated_by_matching_aliases(tmp_path):
    from alembic import command
    from sqlalchemy import text

    from storage.db import Database, alembic_config
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    at = "'2024-08-15 00:00:00.000000'"
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), "0012"))
            await conn.execute(text("INSERT INTO areas (code, name, level) VALUES ('81.05', 'Seram Bagian Timur', 2)"))
            for cid, name, agency in ((1, "Fasil", None), (2, "Yusuf", "BPMD"), (3, "Ani", "Dinas Koperasi")):
                await conn.execute(text(f"INSERT INTO contacts (id, name, role, area_code, lang, created_at, verified, "
                                        f"agency) VALUES ({cid}, '{name}', 'opd', '81.05', 'id', {at}, 1, :a)"),
                                   {"a": agency})
            await conn.execute(text(f"INSERT INTO invites (code, role, area_code, created_at, agency) VALUES "
                                    f"('ABC', 'opd', '81.05', {at}, 'dinas pemberdayaan masyarakat dan desa')"))
            await conn.execute(text(f"INSERT INTO recommendations (id, kec, text, level, agency, status, created_by, "
                                    f"created_at, updated_at) VALUES (1, '81.05.08', 'Pendampingan', 'kabupaten', "
                                    f"'Dinas Pemberdayaan Masyarakat dan Desa (BPMD)', 'dibawa', 1, {at}, {at})"))
        await db.migrate()
        async with db.engine.connect() as conn:
            agencies = (await conn.execute(text("SELECT id, name FROM agencies ORDER BY name"))).all()
            assert [n for _, n in agencies] == ["Dinas Koperasi", "Dinas Pemberdayaan Masyarakat dan Desa (BPMD)"]
            bpmd = agencies[1][0]
            assert (await conn.execute(text("SELECT agency_id, agency FROM contacts WHERE id = 2"))).one() == (
                bpmd, "Dinas Pemberdayaan Masyarakat dan Desa (BPMD)")
            assert (await conn.execute(text("SELECT agency_id FROM invites"))).scalar() == bpmd
            assert (await conn.execute(text("SELECT agency_id, lead FROM recommendation_agencies"))).one() == (bpmd, 1)
    finally:
        await db.close()
