"""Channels, the pipeline, the outbox, the CLI and the dashboard around the pure engine (flows/)."""
from .channels import registry as _registry  # noqa: F401 - installs the channels' identity rules in storage
from . import lexicon_files as _lexicon_files  # noqa: F401 - installs the parsers' base words and lexicons in flows
