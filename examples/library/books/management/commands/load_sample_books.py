"""``manage.py load_sample_books``: a few books for a fresh stack, only when there are none.

A command rather than a data migration so that test databases start empty.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, IntegrityError

from books.models import Book


class Command(BaseCommand):
    help = "Load the sample books (books/fixtures/sample_books.json) when the library is empty."

    def add_arguments(self, parser):
        parser.add_argument(
            "--database", default="default", help="Database alias to load into (default: default)."
        )

    def handle(self, *args, **options):
        database = options["database"]
        try:
            existing = Book.objects.using(database).count()
        except DatabaseError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise CommandError(
                f"cannot count books ({first}): run `manage.py migrate` first"
            ) from None
        if existing:
            self.stdout.write(f"Library has {existing} book(s); sample books not loaded.")
            return
        try:  # loaddata is atomic: all four books or none
            call_command("loaddata", "sample_books", database=database, verbosity=0)
        except IntegrityError:
            # Two web containers starting at once both saw an empty library; the other won.
            self.stdout.write("Sample books were loaded by another process meanwhile.")
            return
        loaded = Book.objects.using(database).count()
        self.stdout.write(self.style.SUCCESS(f"Loaded {loaded} sample books."))
