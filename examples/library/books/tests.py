import os
from io import StringIO
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from django.test import TestCase
from django.urls import reverse

from .models import Book


class BookTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.book = Book.objects.create(
            title="A good title",
            subtitle="An excellent subtitle",
            author="Tom Christie",
            isbn="1234567890123",
        )

    def test_book_content(self):
        self.assertEqual(self.book.title, "A good title")
        self.assertEqual(self.book.subtitle, "An excellent subtitle")
        self.assertEqual(self.book.author, "Tom Christie")
        self.assertEqual(self.book.isbn, "1234567890123")
        self.assertEqual(str(self.book), "A good title")

    def test_book_listview(self):
        response = self.client.get(reverse("home"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "excellent subtitle")
        self.assertTemplateUsed(response, "books/book_list.html")

    def test_home_url_is_root(self):
        self.assertEqual(reverse("home"), "/")

    def test_isbn_is_unique(self):
        with self.assertRaises(IntegrityError):
            Book.objects.create(
                title="Another", subtitle="Copy", author="Someone", isbn="1234567890123"
            )


class EmptyLibraryTests(TestCase):
    def test_database_starts_empty(self):
        # Sample books come from a command, never a data migration.
        self.assertEqual(Book.objects.count(), 0)

    def test_empty_list_page(self):
        response = self.client.get(reverse("home"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "No books yet.")


class SampleBooksTests(TestCase):
    def test_load_sample_books_fills_an_empty_library_once(self):
        call_command("load_sample_books", verbosity=0, stdout=StringIO())
        loaded = Book.objects.count()
        self.assertGreaterEqual(loaded, 3)
        self.assertTrue(Book.objects.filter(title="Django for APIs").exists())
        call_command("load_sample_books", verbosity=0, stdout=StringIO())
        self.assertEqual(Book.objects.count(), loaded)

    def test_load_sample_books_when_another_process_won_the_race(self):
        call_command("load_sample_books", stdout=StringIO())
        out = StringIO()
        # As if this process had counted before the other one committed its books.
        with mock.patch("django.db.models.query.QuerySet.count", return_value=0):
            call_command("load_sample_books", stdout=out)
        self.assertIn("loaded by another process", out.getvalue())
        self.assertEqual(Book.objects.count(), 4)

    def test_load_sample_books_leaves_a_used_library_alone(self):
        Book.objects.create(title="Mine", subtitle="Only", author="Me", isbn="9990000000001")
        call_command("load_sample_books", verbosity=0, stdout=StringIO())
        self.assertEqual(list(Book.objects.values_list("title", flat=True)), ["Mine"])


class EnsureSuperuserTests(TestCase):
    env = {"DJANGO_SUPERUSER_USERNAME": "librarian", "DJANGO_SUPERUSER_PASSWORD": "s3cret-pass"}

    def test_creates_the_superuser_once(self):
        with mock.patch.dict(os.environ, self.env):
            call_command("ensure_superuser", stdout=StringIO())
            call_command("ensure_superuser", stdout=StringIO())
        users = get_user_model().objects.filter(username="librarian")
        self.assertEqual(users.count(), 1)
        self.assertTrue(users[0].is_superuser)
        self.assertTrue(users[0].check_password("s3cret-pass"))

    def test_does_nothing_without_the_variables(self):
        with mock.patch.dict(os.environ, {"DJANGO_SUPERUSER_USERNAME": ""}):
            call_command("ensure_superuser", stdout=StringIO())
        self.assertEqual(get_user_model().objects.count(), 0)

    def test_refuses_a_username_without_password(self):
        env = {"DJANGO_SUPERUSER_USERNAME": "librarian", "DJANGO_SUPERUSER_PASSWORD": ""}
        with mock.patch.dict(os.environ, env), self.assertRaises(CommandError):
            call_command("ensure_superuser", stdout=StringIO())


class PrepareLibraryTests(TestCase):
    def test_prepares_an_empty_library_once(self):
        env = {"DJANGO_SUPERUSER_USERNAME": "admin", "DJANGO_SUPERUSER_PASSWORD": "pw-long-enough"}
        with mock.patch.dict(os.environ, env):
            call_command("prepare_library", stdout=StringIO())
            call_command("prepare_library", stdout=StringIO())
        self.assertEqual(Book.objects.count(), 4)
        self.assertTrue(get_user_model().objects.get(username="admin").is_superuser)
