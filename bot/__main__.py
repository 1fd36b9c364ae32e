"""`python -m bot` runs the dvcbot CLI."""

from bot.cli import main

raise SystemExit(main())
