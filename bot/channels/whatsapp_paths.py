"""Where Twilio calls us: the inbound webhook (bot/channels/whatsapp.py) and the status callback the sender
names on each message (bot/channels/whatsapp_sender.py). Here so that neither module imports the other's
platform client."""
INBOUND_PATH, STATUS_PATH = "/whatsapp/inbound", "/whatsapp/status"
