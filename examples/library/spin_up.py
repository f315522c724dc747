"""Bring the Library stack up through dockdjango's Python API, as your own script would.

    python spin_up.py        # from anywhere; Ctrl-C or Enter takes the stack down

Not part of the Django project (which imports nothing from dockdjango).
"""

from pathlib import Path

from dockdjango import Stack, postgres_environ

COMPOSE = Path(__file__).resolve().with_name("compose.yaml")

# postgres:16 where a registry serves it, else PostgreSQL built from Debian's package.
env = postgres_environ([COMPOSE], on_choice=lambda pg: print(f"✓ postgres image: {pg.summary}"))
with Stack.load(COMPOSE, environ=env) as stack:  # up: builds web if needed, waits until healthy
    site = stack.url("web", 8000)
    print(f"Library is up:\n  site   {site}/\n  API    {site}/api/\n  admin  {site}/admin/")
    print("  (create a user: python -m dockdjango exec web python manage.py createsuperuser)")
    try:
        input("Press Enter to stop it (the database volume is kept) ")
    except (KeyboardInterrupt, EOFError):
        print()
# down on leaving the block; named volumes are kept
