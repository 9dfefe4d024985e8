"""Error answers of the data API: JSON with a machine-readable ``code`` and a short Indonesian ``message``
(English with ``Accept-Language: en``), through gettext like every text Pantau shows."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from flows.problem import N_

from ... import catalog

MESSAGES = {
    "missing_key": (401, N_("Kunci API belum dikirim. Kirim sebagai 'Authorization: Bearer <kunci>' "
                            "atau sebagai kata sandi Basic.")),
    "bad_key": (401, N_("Kunci API tidak dikenal. Periksa kembali kunci yang Anda pakai.")),
    "expired_key": (401, N_("Kunci API sudah kedaluwarsa. Mohon minta kunci baru kepada pengelola Pantau.")),
    "revoked_key": (401, N_("Kunci API sudah dicabut. Mohon minta kunci baru kepada pengelola Pantau.")),
    "forbidden_scope": (403, N_("Kunci API ini tidak berhak membaca data ini (perlu izin %(scope)s).")),
    "forbidden_area": (403, N_("Wilayah %(area)s di luar wilayah kunci API ini.")),
    "forbidden_program": (403, N_("Program %(program)s di luar program kunci API ini.")),
    "rate_limited": (429, N_("Terlalu banyak permintaan. Mohon coba lagi dalam %(seconds)s detik.")),
    "bad_cursor": (400, N_("Kursor tidak valid. Pakai nilai 'next_cursor' dari jawaban sebelumnya.")),
    "bad_parameter": (400, N_("Parameter %(name)s tidak valid.")),
    "not_found": (404, N_("Data tidak ditemukan.")),
    "invalid_package": (500, N_("Paket data tidak lolos pemeriksaan Frictionless. Mohon beri tahu pengelola "
                                "Pantau.")),
}


def language(request: Request) -> str:
    accept = request.headers.get("accept-language", "")
    return "en" if accept.lower().startswith("en") else "id"


class ApiError(Exception):
    def __init__(self, code: str, headers: dict[str, str] | None = None, **values: str):
        super().__init__(code)
        self.code, self.values, self.headers = code, values, headers or {}


def error_response(request: Request, exc: ApiError) -> JSONResponse:
    status, text = MESSAGES[exc.code]
    message = catalog.gettext_for(language(request))(text)
    if exc.values:
        message = message % exc.values
    headers = dict(exc.headers)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="pantau", Basic realm="pantau"'
    return JSONResponse({"error": {"code": exc.code, "message": message}}, status_code=status, headers=headers)


class Json(JSONResponse):
    """JSON through orjson (several times faster than the standard library on a page of 1,000 reports)."""

    def render(self, content: object) -> bytes:
        import orjson
        return orjson.dumps(content)
