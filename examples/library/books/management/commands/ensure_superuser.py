"""``manage.py ensure_superuser``: create a superuser from the environment at start, once.

Reads ``DJANGO_SUPERUSER_USERNAME``, ``DJANGO_SUPERUSER_PASSWORD`` and optionally
``DJANGO_SUPERUSER_EMAIL`` (the names ``createsuperuser --noinput`` uses). Does nothing
when they are unset or the user already exists, so it is safe on every start.
"""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create the superuser named in DJANGO_SUPERUSER_* variables if it does not exist."

    def handle(self, *args, **options):
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "").strip()
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        if not username:
            self.stdout.write("DJANGO_SUPERUSER_USERNAME not set; no superuser created.")
            return
        if not password:
            raise CommandError(
                "DJANGO_SUPERUSER_USERNAME is set but DJANGO_SUPERUSER_PASSWORD is not: set both"
            )
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            self.stdout.write(f"Superuser {username!r} already exists.")
            return
        email = os.environ.get("DJANGO_SUPERUSER_EMAIL", "")
        User.objects.create_superuser(username=username, email=email, password=password)
        self.stdout.write(self.style.SUCCESS(f"Created superuser {username!r}."))
