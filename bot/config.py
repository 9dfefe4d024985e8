"""Settings from the environment, checked at start with a message naming the variable and its shape."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import timedelta


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
