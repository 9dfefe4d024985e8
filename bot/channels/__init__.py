"""Channel adapters: one module per channel (Telegram, WhatsApp, the terminal)."""
