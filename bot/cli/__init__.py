"""The `pantau` command: one module per command group."""
