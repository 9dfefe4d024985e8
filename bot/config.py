"""Settings from the environment, checked at start with a message naming the variable and its shape."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path


class ConfigError(SystemExit):
    def __init__(self, message: str):
        super().__init__(f"Konfigurasi salah: {message}")


def _get(name: str, pattern: str, shape: str, required: bool = True, env=None) -> str | None:
    value = (env if env is not None else os.environ).get(name, "").strip()
    if not value:
        if required:
            raise ConfigError(f"{name} belum diisi (contoh: {shape})")
        return None
    if not re.fullmatch(pattern, value):
        raise ConfigError(f"{name} tidak sesuai bentuknya (contoh: {shape})")
    return value


@dataclass(frozen=True)
class TwilioConfig:
    account_sid: str
    auth_token: str
    public_url: str
    whatsapp_from: str | None
    messaging_service_sid: str | None
    templates: dict[str, str] = field(default_factory=dict)   # reminder kind → content sid (HX…)
    rate_per_second: float = 80.0
    api_base_url: str | None = None                            # tests: a local server instead of Twilio

    @classmethod
    def from_env(cls, env=None) -> "TwilioConfig":
        env = env if env is not None else os.environ
        sid = _get("TWILIO_ACCOUNT_SID", r"AC[0-9a-f]{32}", "AC followed by 32 hex characters", env=env)
        token = _get("TWILIO_AUTH_TOKEN", r"[0-9a-zA-Z]{32}", "32 letters and digits from the Twilio console",
                     env=env)
        public = _get("PANTAU_PUBLIC_URL", r"https?://[^\s/]+(/[^\s]*)?", "https://pantau.example.org", env=env)
        sender = _get("TWILIO_WHATSAPP_FROM", r"whatsapp:\+[1-9]\d{6,14}", "whatsapp:+6281234567890",
                      required=False, env=env)
        service = _get("TWILIO_MESSAGING_SERVICE_SID", r"MG[0-9a-f]{32}", "MG followed by 32 hex characters",
                       required=False, env=env)
        if not sender and not service:
            raise ConfigError("isi TWILIO_WHATSAPP_FROM (contoh: whatsapp:+6281234567890) "
                              "atau TWILIO_MESSAGING_SERVICE_SID (contoh: MG…)")
        templates = {}
        for kind in ("before", "due", "after", "escalate"):
            value = _get(f"TWILIO_TEMPLATE_REMINDER_{kind.upper()}", r"HX[0-9a-f]{32}",
                         "HX followed by 32 hex characters", required=False, env=env)
            if value:
                templates[f"reminder_{kind}"] = value
        # follow-up and story news back to the village (bot/loop): variables name, message
        value = _get("TWILIO_TEMPLATE_FOLLOWUP_UPDATE", r"HX[0-9a-f]{32}", "HX followed by 32 hex characters",
                     required=False, env=env)
        if value:
            templates["followup_update"] = value
        rate = env.get("TWILIO_RATE_PER_SECOND", "80")
        try:
            rate_value = float(rate)
            assert rate_value > 0
        except (ValueError, AssertionError):
            raise ConfigError("TWILIO_RATE_PER_SECOND harus angka lebih dari 0 (contoh: 80)") from None
        return cls(sid, token, public.rstrip("/"), sender, service, templates, rate_value,
                   env.get("TWILIO_API_BASE_URL") or None)


def outbox_in_doubt_after() -> timedelta:
    """How long a row may stay "sending" before its sender is taken for dead (PANTAU_OUTBOX_IN_DOUBT_SECONDS,
    default 120 s: requests time out long before)."""
    return timedelta(seconds=float(os.environ.get("PANTAU_OUTBOX_IN_DOUBT_SECONDS", "120")))


def data_dir(env=None) -> Path:
    """Where Pantau keeps its files (PANTAU_DATA_DIR, default ~/.local/share/pantau)."""
    env = env if env is not None else os.environ
    return Path(env.get("PANTAU_DATA_DIR") or Path.home() / ".local" / "share" / "pantau")


def forms_dirs(env=None) -> list[Path]:
    """Folders of program forms (PANTAU_FORMS_DIR, several joined by ':'; default <data dir>/forms), read
    besides the built-in flows/forms. `pantau form import` writes into the first."""
    env = env if env is not None else os.environ
    dirs = [Path(p) for p in (env.get("PANTAU_FORMS_DIR") or "").split(os.pathsep) if p.strip()]
    return dirs or [data_dir(env) / "forms"]

# ---------------------------------------------------------------- dashboard (bot/web)

def public_url(env=None) -> str:
    """Where people open the dashboard: PANTAU_PUBLIC_URL, else this machine on $PORT (a local trial)."""
    env = env if env is not None else os.environ
    url = env.get("PANTAU_PUBLIC_URL", "").strip().rstrip("/")
    return url or f"http://127.0.0.1:{env.get('PORT', '8080')}"


def web_secret(env=None) -> bytes:
    """The key that signs dashboard cookies: PANTAU_WEB_SECRET (set it when several machines serve), else
    a random key kept in the data folder (created once, readable by the owner only)."""
    env = env if env is not None else os.environ
    value = env.get("PANTAU_WEB_SECRET", "").strip()
    if value:
        if len(value) < 16:
            raise ConfigError("PANTAU_WEB_SECRET terlalu pendek (paling sedikit 16 karakter, contoh: "
                              "hasil `python3 -c \"import secrets; print(secrets.token_urlsafe(32))\"`)")
        return value.encode()
    from pathlib import Path
    import secrets
    folder = Path(env.get("PANTAU_DATA_DIR") or Path.home() / ".local" / "share" / "pantau")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "web-secret"
    if not path.exists():
        tmp = folder / f"web-secret.{os.getpid()}"
        tmp.write_text(secrets.token_urlsafe(32))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)          # the first process wins; the others read its key
        except FileExistsError:
            pass
        tmp.unlink()
    return path.read_text().strip().encode()


def reminder_templates(env=None) -> set[str]:
    """Reminder kinds with an approved WhatsApp template (TWILIO_TEMPLATE_REMINDER_*): only those can
    reach a person outside the 24-hour window."""
    env = env if env is not None else os.environ
    return {kind for kind in ("before", "due", "after") if env.get(f"TWILIO_TEMPLATE_REMINDER_{kind.upper()}")}
