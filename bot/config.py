"""Settings from the environment, read once at start into one ``Settings`` object and checked with a
message naming the variable and its shape. Every variable Pantau reads is listed in ``VARIABLES``
(and in the README's table); nothing else reads them: storage/ gets the database URL from here
(``Settings.database_url()``, ``database()``). ``pantau chat --as`` defaults to ``$USER``."""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storage.db import Database


class ConfigError(SystemExit):
    def __init__(self, message: str):
        super().__init__(f"Konfigurasi salah: {message}")


def _get(name: str, pattern: str, shape: str, required: bool = True,
         env: Mapping[str, str] | None = None) -> str | None:
    value = (env if env is not None else os.environ).get(name, "").strip()
    if not value:
        if required:
            raise ConfigError(f"{name} belum diisi (contoh: {shape})")
        return None
    if not re.fullmatch(pattern, value):
        raise ConfigError(f"{name} tidak sesuai bentuknya (contoh: {shape})")
    return value


def _need(name: str, pattern: str, shape: str, env: Mapping[str, str] | None = None) -> str:
    """A required variable: its value, or ConfigError naming it."""
    value = _get(name, pattern, shape, env=env)
    assert value is not None     # required: _get raised when it is missing
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
    # where inbound media may be fetched from with the account's credentials: https hosts ("*." for any
    # subdomain) or, for tests, a full origin such as "http://127.0.0.1:8123"
    media_hosts: tuple[str, ...] = ("api.twilio.com", "*.twilio.com", "*.twiliocdn.com")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "TwilioConfig":
        env = env if env is not None else os.environ
        sid = _need("TWILIO_ACCOUNT_SID", r"AC[0-9a-f]{32}", "AC followed by 32 hex characters", env=env)
        token = _need("TWILIO_AUTH_TOKEN", r"[0-9a-zA-Z]{32}", "32 letters and digits from the Twilio console",
                     env=env)
        public = _need("PANTAU_PUBLIC_URL", r"https?://[^\s/]+(/[^\s]*)?", "https://pantau.example.org", env=env)
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
        # messages to someone other than the sender (approvals, competing reports): variable message
        value = _get("TWILIO_TEMPLATE_NOTICE", r"HX[0-9a-f]{32}", "HX followed by 32 hex characters",
                     required=False, env=env)
        if value:
            templates["notice"] = value
        rate = env.get("TWILIO_RATE_PER_SECOND", "80")
        try:
            rate_value = float(rate)
            assert rate_value > 0
        except (ValueError, AssertionError):
            raise ConfigError("TWILIO_RATE_PER_SECOND harus angka lebih dari 0 (contoh: 80)") from None
        hosts = tuple(h.strip().rstrip("/") for h in (env.get("TWILIO_MEDIA_HOSTS") or "").split(",") if h.strip())
        return cls(sid, token, public.rstrip("/"), sender, service, templates, rate_value,
                   env.get("TWILIO_API_BASE_URL") or None, *((hosts,) if hosts else ()))


@dataclass(frozen=True)
class TelegramConfig:
    token: str
    api_base_url: str
    public_url: str | None
    webhook_secret: str | None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, webhook: bool = False) -> "TelegramConfig":
        env = env if env is not None else os.environ
        token = _need("TELEGRAM_BOT_TOKEN", r"\d{5,}:[A-Za-z0-9_-]{30,}", "123456789:AA… dari BotFather", env=env)
        base = (env.get("TELEGRAM_API_BASE_URL") or "https://api.telegram.org/bot").strip()
        if not re.fullmatch(r"https?://\S+", base):
            raise ConfigError("TELEGRAM_API_BASE_URL tidak sesuai bentuknya (contoh: https://api.telegram.org/bot)")
        public = _get("PANTAU_PUBLIC_URL", r"https?://[^\s/]+(/[^\s]*)?", "https://pantau.example.org",
                      required=webhook, env=env)
        secret = _get("TELEGRAM_WEBHOOK_SECRET", r"[A-Za-z0-9_-]{16,256}", "16 or more letters, digits, _ or -",
                      required=webhook, env=env)
        return cls(token, base.rstrip("/"), public.rstrip("/") if public else None, secret)


def _number(env: Mapping[str, str], name: str, default: float, low: float = 0.0, integer: bool = False) -> float:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if integer else float(raw)
        assert value > low
    except (ValueError, AssertionError):
        raise ConfigError(f"{name} harus angka lebih dari {low:g} (contoh: {default:g})") from None
    return value


# every variable read anywhere in Pantau, all of them here
VARIABLES = (
    "PANTAU_DATABASE_URL", "PANTAU_DATA_DIR", "PANTAU_MEDIA_DIR", "PANTAU_FORMS_DIR", "PANTAU_LOG_LEVEL",
    "PANTAU_NOW", "PANTAU_DEBUG", "PANTAU_PUBLIC_URL", "PORT", "PANTAU_WORKERS", "PANTAU_SCHEDULER",
    "PANTAU_OUTBOX_IN_DOUBT_SECONDS", "PANTAU_OUTBOX_MAX_ATTEMPTS",
    "PANTAU_HTTP_HEADER_TIMEOUT", "PANTAU_HTTP_BODY_TIMEOUT", "PANTAU_HTTP_KEEP_ALIVE", "PANTAU_HTTP_MAX_CONNECTIONS",
    "PANTAU_MEDIA_MAX_BYTES", "PANTAU_MEDIA_TIMEOUT",
    "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "TELEGRAM_WEBHOOK_SECRET",
    "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_FROM", "TWILIO_MESSAGING_SERVICE_SID",
    "TWILIO_TEMPLATE_REMINDER_BEFORE", "TWILIO_TEMPLATE_REMINDER_DUE", "TWILIO_TEMPLATE_REMINDER_AFTER",
    "TWILIO_TEMPLATE_REMINDER_ESCALATE", "TWILIO_TEMPLATE_FOLLOWUP_UPDATE", "TWILIO_TEMPLATE_NOTICE",
    "TWILIO_RATE_PER_SECOND",
    "TWILIO_API_BASE_URL", "TWILIO_MEDIA_HOSTS", "PANTAU_WEB_SECRET",
)


@dataclass(frozen=True)
class Settings:
    """Everything Pantau takes from the environment, read once (``settings()``), checked at start."""
    data_dir: Path
    media_dir: Path
    forms_dirs: tuple[Path, ...] = ()
    log_level: str = "WARNING"
    fixed_now: str | None = None
    port: int = 8080
    workers: int = 1
    scheduler: bool = True
    outbox_in_doubt: timedelta = timedelta(seconds=120)
    outbox_max_attempts: int = 8
    http_header_timeout: float = 10.0      # seconds for a client to send its request line and headers
    http_body_timeout: float = 10.0        # seconds for a webhook body to arrive in full
    http_keep_alive: int = 5               # seconds an idle kept-alive connection stays open
    http_max_connections: int = 500        # concurrent connections (and requests) per process; more get 503
    media_max_bytes: int = 16 * 1024 * 1024   # Twilio's own limit for WhatsApp media
    media_timeout: float = 30.0            # seconds for one media download, start to end
    database: str | None = None            # PANTAU_DATABASE_URL; None: SQLite in the data folder
    env: dict[str, str] = field(default_factory=dict, repr=False, compare=False)   # the snapshot the channels come from

    def channels(self, webhook: bool = True) -> dict[str, Any]:
        """Channel name → configuration, for each channel of the registry (bot/channels/registry.py) configured
        in the environment; wrong values stop the start. ``webhook``: the web server takes their inbound."""
        from .channels.registry import configured
        return configured(self.env, webhook)

    def database_url(self) -> str:
        """PANTAU_DATABASE_URL, else SQLite in the data folder (created if missing)."""
        if self.database:
            return self.database
        from storage.db import sqlite_url
        return sqlite_url(self.data_dir)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = env if env is not None else os.environ
        data = Path(env.get("PANTAU_DATA_DIR") or Path.home() / ".local" / "share" / "pantau")
        forms = tuple(forms_dirs(env))
        kept = set(VARIABLES) | _channel_variables()        # the built-in channels' and any other registered one's
        return cls(
            data_dir=data, media_dir=Path(env.get("PANTAU_MEDIA_DIR") or data / "media"), forms_dirs=forms,
            log_level=(env.get("PANTAU_LOG_LEVEL") or "WARNING").upper(), fixed_now=env.get("PANTAU_NOW") or None,
            port=int(_number(env, "PORT", 8080, integer=True)),
            workers=int(_number(env, "PANTAU_WORKERS", 1, integer=True)),
            scheduler=(env.get("PANTAU_SCHEDULER") or "1") != "0",
            outbox_in_doubt=timedelta(seconds=_number(env, "PANTAU_OUTBOX_IN_DOUBT_SECONDS", 120)),
            outbox_max_attempts=int(_number(env, "PANTAU_OUTBOX_MAX_ATTEMPTS", 8, integer=True)),
            http_header_timeout=_number(env, "PANTAU_HTTP_HEADER_TIMEOUT", 10),
            http_body_timeout=_number(env, "PANTAU_HTTP_BODY_TIMEOUT", 10),
            http_keep_alive=int(_number(env, "PANTAU_HTTP_KEEP_ALIVE", 5, integer=True)),
            http_max_connections=int(_number(env, "PANTAU_HTTP_MAX_CONNECTIONS", 500, integer=True)),
            media_max_bytes=int(_number(env, "PANTAU_MEDIA_MAX_BYTES", 16 * 1024 * 1024, integer=True)),
            media_timeout=_number(env, "PANTAU_MEDIA_TIMEOUT", 30),
            database=(env.get("PANTAU_DATABASE_URL") or "").strip() or None,
            env={k: v for k, v in env.items() if k in kept})


def _channel_variables() -> set[str]:
    from .channels.registry import variables
    return variables()


_current: Settings | None = None


def database() -> Database:
    """The database this process's settings name (storage/db.py reads no environment itself)."""
    from storage.db import Database
    return Database(settings().database_url())


def settings() -> Settings:
    """The settings of this process, read from the environment on first use."""
    global _current
    if _current is None:
        _current = Settings.from_env()
    return _current


def reload(env: Mapping[str, str] | None = None) -> Settings:
    """Read the environment again (tests that change it; ``pantau`` at start, to fail early)."""
    global _current
    _current = Settings.from_env(env)
    return _current


def debug() -> bool:
    """PANTAU_DEBUG=1: the CLI shows the traceback of an unexpected error instead of one line."""
    return os.environ.get("PANTAU_DEBUG", "") not in ("", "0")


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where Pantau keeps its files (PANTAU_DATA_DIR, default ~/.local/share/pantau)."""
    env = env if env is not None else os.environ
    return Path(env.get("PANTAU_DATA_DIR") or Path.home() / ".local" / "share" / "pantau")


def forms_dirs(env: Mapping[str, str] | None = None) -> list[Path]:
    """Folders of program forms (PANTAU_FORMS_DIR, several joined by ':'; default <data dir>/forms), read
    besides the built-in flows/forms. `pantau form import` writes into the first."""
    env = env if env is not None else os.environ
    dirs = [Path(p) for p in (env.get("PANTAU_FORMS_DIR") or "").split(os.pathsep) if p.strip()]
    return dirs or [data_dir(env) / "forms"]

# ---------------------------------------------------------------- dashboard (bot/web)

def public_url(env: Mapping[str, str] | None = None) -> str:
    """Where people open the dashboard: PANTAU_PUBLIC_URL, else this machine on $PORT (a local trial)."""
    env = env if env is not None else os.environ
    url = env.get("PANTAU_PUBLIC_URL", "").strip().rstrip("/")
    return url or f"http://127.0.0.1:{env.get('PORT', '8080')}"


def web_secret(env: Mapping[str, str] | None = None) -> bytes:
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


def reminder_templates(env: Mapping[str, str] | None = None) -> set[str]:
    """Reminder kinds with an approved WhatsApp template (TWILIO_TEMPLATE_REMINDER_*): only those can
    reach a person outside the 24-hour window."""
    env = env if env is not None else os.environ
    return {kind for kind in ("before", "due", "after") if env.get(f"TWILIO_TEMPLATE_REMINDER_{kind.upper()}")}


def child_environment(**overrides: str) -> dict[str, str]:
    """The environment for a child process of ours (bot/background.py): this one's, with ``overrides``;
    PYTHONPATH gets the code's own folder first, so the child runs the same code wherever it was started."""
    root = str(Path(__file__).resolve().parents[1])
    path = os.environ.get("PYTHONPATH")
    return dict(os.environ, **overrides, PYTHONPATH=root + (os.pathsep + path if path else ""))
