"""Checks for `pantau invite --role opd --area KAB --agency NAME` (an OPD answers for one agency of a kabupaten)."""
from __future__ import annotations


def check_invite(role: str, area: str, agency: str | None) -> str | None:
    """Why the invite cannot be made, in Indonesian, or None."""
    if role == "opd":
        if area.count(".") != 1:
            return "Undangan OPD untuk satu kabupaten: pakai kode kabupaten, mis. --area 81.05"
        if not agency or len(agency.strip()) < 3:
            return "Undangan OPD perlu nama dinasnya, mis. --agency \"Dinas Koperasi\""
    elif agency:
        return "--agency hanya untuk --role opd"
    return None
