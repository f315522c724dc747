"""`python -m dockdjango` runs the command line."""

from dockdjango.cli import main

raise SystemExit(main())
