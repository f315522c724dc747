"""``manage.py prepare_library``: what the stack's web service runs before it serves.

Applies migrations, loads the sample books into an empty library, creates the superuser
named in ``DJANGO_SUPERUSER_*`` (if any) and, with ``--collectstatic``, gathers static
files. One process instead of four: each ``manage.py`` start costs about a second.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate, load sample books when empty, ensure the env superuser (stack start-up)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--collectstatic",
            action="store_true",
            help="Also run collectstatic (production, where WhiteNoise serves STATIC_ROOT).",
        )

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, stdout=self.stdout, stderr=self.stderr)
        if options["collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        call_command("load_sample_books", stdout=self.stdout)
        call_command("ensure_superuser", stdout=self.stdout)
