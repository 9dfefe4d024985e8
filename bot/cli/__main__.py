"""`python -m bot.cli`: the `pantau` command."""
import sys

from .main import main

sys.exit(main())
