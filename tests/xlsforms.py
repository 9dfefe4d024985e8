"""XLSForms written for the tests, built with openpyxl the way Excel saves them."""
from __future__ import annotations

from pathlib import Path

import openpyxl

ID, EN = "Indonesian (id)", "English (en)"


def write_book(path: Path, survey: list[list], choices: list[list] | None = None,
               settings: list[list] | None = None) -> Path:
    book = openpyxl.Workbook()
    book.active.title = "survey"
    for row in survey:
        book.active.append(row)
    for name, rows in (("choices", choices), ("settings", settings)):
        if rows:
            sheet = book.create_sheet(name)
            for row in rows:
                sheet.append(row)
    book.save(path)
    return path


# Every supported type and column, in Indonesian and English.
HOUSEHOLD_SURVEY = [
    ["type", "name", f"label::{ID}", f"label::{EN}", f"hint::{ID}", f"hint::{EN}", "required", "relevant",
     "constraint", f"constraint_message::{ID}", f"constraint_message::{EN}", "calculation", "default",
     "choice_filter", "repeat_count", "appearance"],
    ["start", "start"],
    ["note", "intro", "Survei rumah tangga. Terima kasih atas waktu Anda.", "Household survey. Thank you for your time."],
    ["select_one_from_file rounds.csv", "round", "Putaran pemantauan?", "Monitoring round?", "", "", "yes"],
    ["text", "head", "Siapa nama kepala keluarga?", "Name of the head of household?", "Nama lengkap.",
     "Full name.", "yes", "", "string-length(.) >= 3", "Nama terlalu pendek.", "Name too short."],
    ["integer", "members", "Berapa anggota keluarga?", "How many household members?", "", "", "yes", "",
     ". >= 1 and . <= 30", "Anggota keluarga 1 sampai 30 orang.", "Members: 1 to 30."],
    ["decimal", "land", "Berapa luas lahan (hektar)?", "Land area (hectares)?", "", "", "yes", "", ". >= 0",
     "Luas lahan tidak boleh negatif.", "Land cannot be negative.", "", "0.5"],
    ["date", "visit", "Tanggal kunjungan?", "Date of the visit?", "", "", "yes", "", ". <= today()",
     "Tanggal kunjungan tidak boleh setelah hari ini.", "The visit cannot be after today."],
    ["select_one yesno", "has_water", "Ada sumber air bersih?", "Is there clean water?", "", "", "yes", "", "", "",
     "", "", "", "", "", "minimal"],
    ["begin_group", "water", "Air bersih", "Clean water", "", "", "", "${has_water} = 'ya'"],
    ["select_multiple source", "sources", "Dari mana airnya?", "Where does the water come from?", "", "", "yes",
     "", "count-selected(.) <= 2", "Pilih paling banyak dua.", "Choose at most two."],
    ["decimal", "distance", "Berapa km ke sungai?", "How many km to the river?", "", "", "yes",
     "selected(${sources}, 'sungai')", ". > 0", "Jarak harus lebih dari 0.", "Distance must be more than 0."],
    ["end_group", "water"],
    ["select_one kab", "kabupaten", "Kabupaten?", "District?", "", "", "yes"],
    ["select_one kec", "kecamatan", "Kecamatan?", "Sub-district?", "", "", "yes", "", "", "", "", "", "",
     "kab = ${kabupaten}"],
    ["select_one crop or_other", "crop", "Tanaman utama?", "Main crop?", "", "", "yes"],
    ["integer", "children", "Berapa anak di bawah 5 tahun?", "Children under 5?", "", "", "yes", "",
     ". <= ${members}", "Tidak boleh lebih dari anggota keluarga (${members}).", "Not more than the members."],
    ["begin_repeat", "child", "Anak", "Child", "", "", "", "", "", "", "", "", "", "", "${children}"],
    ["text", "child_name", "Nama anak?", "Child's name?", "", "", "yes"],
    ["integer", "child_age", "Umur anak (tahun)?", "Child's age (years)?", "", "", "yes", "", ". < 5",
     "Umur harus di bawah 5 tahun.", "Age must be under 5."],
    ["end_repeat", "child"],
    ["calculate", "per_person", "", "", "", "", "", "", "", "", "", "${land} div ${members}"],
    ["calculate", "size", "", "", "", "", "", "", "", "", "", "if(${members} > 5, 'besar', 'kecil')"],
    ["note", "land_note", "Lahan per orang: ${per_person} hektar. Keluarga ${size}.",
     "Land per person: ${per_person} ha. A ${size} household."],
    ["geopoint", "home", "Kirim lokasi rumah.", "Send the home's location.", "", "", "yes"],
    ["image", "photo", "Kirim foto rumah.", "Send a photo of the house."],
    ["text", "comment", "Ada catatan?", "Any notes?", "", "", "", "not(${has_water} = 'ya') or ${land} > 1"],
    ["end", "end"],
]
CROPS = ["padi", "jagung", "singkong", "sagu", "kelapa", "cengkeh", "pala", "kakao", "kopi", "sayur", "pisang", "ubi"]
CROP_CHOICES = [["crop", c, c.capitalize()] for c in CROPS]
HOUSEHOLD_CHOICES = [
    ["list_name", "name", f"label::{ID}", f"label::{EN}", "kab"],
    ["yesno", "ya", "Ya", "Yes"], ["yesno", "tidak", "Tidak", "No"],
    ["source", "sumur", "Sumur", "Well"], ["source", "pam", "Air PAM", "Piped water"],
    ["source", "sungai", "Sungai", "River"], ["source", "hujan", "Air hujan", "Rain water"],
    ["kab", "sbt", "Seram Bagian Timur", "East Seram"], ["kab", "malteng", "Maluku Tengah", "Central Maluku"],
    ["kec", "bula", "Bula", "Bula", "sbt"], ["kec", "werinama", "Werinama", "Werinama", "sbt"],
    ["kec", "amahai", "Amahai", "Amahai", "malteng"], ["kec", "tehoru", "Tehoru", "Tehoru", "malteng"],
    *[["crop", c, c.capitalize(), c.capitalize()] for c in CROPS],
]
HOUSEHOLD_SETTINGS = [
    ["form_id", "version", "default_language", "form_title", f"pantau_title::{EN}", "pantau_roles", "pantau_key"],
    ["rumah_tangga", "2024081501", ID, "Survei rumah tangga", "Household survey", "kader fasilitator",
     "head visit"],
]

# One language only (no ::language suffix), a repeat named by its first question, or_other, defaults.
SIMPLE_SURVEY = [
    ["type", "name", "label", "hint", "required", "default"],
    ["select_one kind or_other", "kind", "Jenis kegiatan?", "", "yes"],
    ["begin_repeat", "items", "Barang"],
    ["text", "item", "Barang apa yang dibagikan? Ketik selesai jika sudah.", "", "yes"],
    ["integer", "amount", "Berapa jumlahnya?", "", "yes", "10"],
    ["end_repeat"],
]
SIMPLE_CHOICES = [["list_name", "name", "label"], ["kind", "bagi", "Pembagian bantuan"],
                  ["kind", "latih", "Pelatihan"]]
SIMPLE_SETTINGS = [["form_id", "version"], ["bantuan", "3"]]

# What the chat adds for XLSForm: today() on the first question, a labelled group, numbers that are not counts
# (negative allowed by the constraint), a computed default, a long select_multiple in pages, and a calculate
# inside a counted repeat.
FIELD_SURVEY = [
    ["type", "name", "label", "required", "relevant", "constraint", "constraint_message", "calculation", "default",
     "repeat_count"],
    ["date", "visit", "Tanggal kunjungan?", "yes", "today() >= '2024-01-01'", ". <= today()",
     "Tanggal kunjungan tidak boleh setelah hari ini.", "", "today()"],
    ["date", "old_visit", "Tanggal kunjungan lama?", "yes", "today() < '2024-01-01'"],
    ["begin_group", "lahan", "Lahan dan cuaca"],
    ["integer", "temp", "Suhu terendah minggu ini (°C)?", "yes", "", ". >= -20 and . <= 50",
     "Suhu harus antara -20 dan 50 °C."],
    ["integer", "plots", "Berapa petak lahan?", "yes"],
    ["decimal", "seed", "Berapa kg benih?", "yes", "", "", "", "", "${plots} * 2.5"],
    ["end_group"],
    ["select_multiple crop", "crops", "Tanaman apa saja?", "yes"],
    ["begin_repeat", "plot", "Petak", "", "", "", "", "", "", "${plots}"],
    ["integer", "harvest", "Panen berapa karung?", "yes"],
    ["calculate", "harvest_kg", "", "", "", "", "", "${harvest} * 50"],
    ["note", "harvest_note", "Petak ini: ${harvest_kg} kg."],
    ["end_repeat"],
]
FIELD_CHOICES = [["list_name", "name", "label"], *[["crop", c, c.capitalize()] for c in CROPS]]
FIELD_SETTINGS = [["form_id", "version", "form_title"], ["lapangan", "1", "Kunjungan lapangan"]]


# A household roster: households named by their head, each with a counted repeat of its members inside it
# (a repeat inside a repeat), relevant and constraint reading the member's own answers and the household's.
ROSTER_SURVEY = [
    ["type", "name", f"label::{ID}", f"label::{EN}", "required", "relevant", "constraint",
     f"constraint_message::{ID}", f"constraint_message::{EN}", "calculation", "repeat_count"],
    ["text", "dusun", "Nama dusun?", "Hamlet?", "yes"],
    ["begin_repeat", "households", "Rumah tangga", "Household"],
    ["text", "hh_head", "Nama kepala rumah tangga?", "Name of the head of household?", "yes"],
    ["select_one yesno", "has_land", "Punya sawah atau kebun?", "Owns a field or garden?", "yes"],
    ["integer", "hh_size", "Berapa anggota rumah tangga selain kepala?", "Members besides the head?", "yes", "",
     ". >= 1 and . <= 15", "Anggota 1 sampai 15 orang.", "Members: 1 to 15."],
    ["begin_repeat", "members", "Anggota", "Member", "", "", "", "", "", "", "${hh_size}"],
    ["text", "m_name", "Nama anggota?", "Member's name?", "yes"],
    ["integer", "m_age", "Umur ${m_name} (tahun)?", "Age of ${m_name} (years)?", "yes", "",
     ". >= 0 and . <= 110", "Umur 0 sampai 110 tahun.", "Age: 0 to 110."],
    ["select_one yesno", "m_school", "Apakah ${m_name} masih sekolah?", "Is ${m_name} still at school?", "yes",
     "${m_age} >= 6 and ${m_age} <= 18"],
    ["select_one yesno", "m_farm", "Apakah ${m_name} ikut bekerja di lahan ${hh_head}?",
     "Does ${m_name} work on ${hh_head}'s land?", "yes", "${has_land} = 'ya' and ${m_age} >= 15"],
    ["end_repeat", "members"],
    ["calculate", "n_members", "", "", "", "", "", "", "", "count(${members})"],
    ["text", "hh_note", "Catatan untuk rumah tangga ${hh_head} (${n_members} anggota)?", "Note on ${hh_head}'s household?", "no"],
    ["end_repeat", "households"],
    ["calculate", "people", "", "", "", "", "", "", "", "count(${m_name})"],
]
ROSTER_CHOICES = [
    ["list_name", "name", f"label::{ID}", f"label::{EN}"],
    ["yesno", "ya", "Ya", "Yes"],
    ["yesno", "tidak", "Tidak", "No"],
]
ROSTER_SETTINGS = [["form_title", "form_id", "version", "default_language"],
                   ["Daftar rumah tangga", "daftar_ruta", "1", ID]]
