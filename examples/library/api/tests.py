import json

from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework import status
from rest_framework.test import APITestCase

from books.models import Book


class APITests(APITestCase):
    @classmethod
    def setUpTestData(cls):
        cls.book = Book.objects.create(
            title="Django for APIs",
            subtitle="Build web APIs with Python and Django",
            author="William S. Vincent",
            isbn="9781735467221",
        )

    def test_api_listview(self):
        response = self.client.get(reverse("book_list"))
        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertEqual(Book.objects.count(), 1)
        self.assertContains(response, self.book)

    def test_api_list_json(self):
        response = self.client.get(reverse("book_list"), HTTP_ACCEPT="application/json")
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertEqual(
            response.json(),
            {
                "count": 1,
                "next": None,
                "previous": None,
                "results": [
                    {
                        "id": self.book.id,
                        "title": "Django for APIs",
                        "subtitle": "Build web APIs with Python and Django",
                        "author": "William S. Vincent",
                        "isbn": "9781735467221",
                    }
                ],
            },
        )

    def test_api_url_is_api(self):
        self.assertEqual(reverse("book_list"), "/api/")
        self.assertEqual(reverse("book_detail", args=[7]), "/api/7/")

    def test_api_detailview(self):
        response = self.client.get(reverse("book_detail", args=[self.book.id]))
        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertEqual(response.json()["isbn"], "9781735467221")

    def test_api_detailview_missing_book(self):
        response = self.client.get(reverse("book_detail", args=[self.book.id + 1000]))
        self.assertEqual(response.status_code, status.HTTP_404_NOT_FOUND)

    def test_pagination(self):
        Book.objects.bulk_create(
            Book(title=f"Book {n}", subtitle="s", author="a", isbn=f"{n:013d}")
            for n in range(1, 13)
        )
        first = self.client.get(reverse("book_list")).json()
        self.assertEqual(first["count"], 13)
        self.assertEqual(len(first["results"]), 10)
        self.assertIsNotNone(first["next"])
        second = self.client.get(first["next"]).json()
        self.assertEqual(len(second["results"]), 3)
        self.assertIsNone(second["next"])
        seen = [b["id"] for b in first["results"] + second["results"]]
        self.assertEqual(sorted(seen), sorted(Book.objects.values_list("id", flat=True)))

    def test_schema(self):
        response = self.client.get(reverse("schema"), {"format": "json"})
        self.assertEqual(response.status_code, status.HTTP_200_OK)
        schema = json.loads(response.content)
        self.assertEqual(schema["info"]["title"], "Library API")
        self.assertIn("/api/", schema["paths"])
        self.assertIn("/api/{id}/", schema["paths"])
        self.assertIn("post", schema["paths"]["/api/"])

    def test_browsable_api(self):
        response = self.client.get(reverse("book_list"), HTTP_ACCEPT="text/html")
        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertTrue(response["Content-Type"].startswith("text/html"))
        self.assertContains(response, "Django for APIs")
        self.assertContains(response, "Log in")


class AnonymousWriteTests(APITestCase):
    @classmethod
    def setUpTestData(cls):
        cls.book = Book.objects.create(
            title="Kept", subtitle="Unchanged", author="Anyone", isbn="1111111111111"
        )

    def test_anonymous_create_is_refused(self):
        payload = {"title": "T", "subtitle": "S", "author": "A", "isbn": "2222222222222"}
        response = self.client.post(reverse("book_list"), payload, format="json")
        self.assertEqual(response.status_code, status.HTTP_403_FORBIDDEN)
        self.assertEqual(Book.objects.count(), 1)

    def test_anonymous_update_and_delete_are_refused(self):
        url = reverse("book_detail", args=[self.book.id])
        response = self.client.patch(url, {"title": "Changed"}, format="json")
        self.assertEqual(response.status_code, status.HTTP_403_FORBIDDEN)
        response = self.client.delete(url)
        self.assertEqual(response.status_code, status.HTTP_403_FORBIDDEN)
        self.book.refresh_from_db()
        self.assertEqual(self.book.title, "Kept")


class AuthenticatedCRUDTests(APITestCase):
    payload = {
        "title": "Django for Professionals",
        "subtitle": "Production websites with Python and Django",
        "author": "William S. Vincent",
        "isbn": "978-1-7354-6721-4",
    }

    @classmethod
    def setUpTestData(cls):
        cls.user = get_user_model().objects.create_user("reader", password="a-long-password")

    def setUp(self):
        self.client.force_authenticate(self.user)

    def test_create_normalises_isbn(self):
        response = self.client.post(reverse("book_list"), self.payload, format="json")
        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        self.assertEqual(response.json()["isbn"], "9781735467214")
        self.assertEqual(Book.objects.get().title, "Django for Professionals")

    def test_update_and_delete(self):
        book = Book.objects.create(title="Old", subtitle="s", author="a", isbn="3333333333333")
        url = reverse("book_detail", args=[book.id])
        response = self.client.put(
            url, {"title": "New", "subtitle": "s", "author": "a", "isbn": "3333333333333"}
        )
        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        book.refresh_from_db()
        self.assertEqual(book.title, "New")
        response = self.client.patch(url, {"author": "b"}, format="json")
        self.assertEqual(response.status_code, status.HTTP_200_OK)
        response = self.client.delete(url)
        self.assertEqual(response.status_code, status.HTTP_204_NO_CONTENT)
        self.assertFalse(Book.objects.filter(id=book.id).exists())

    def test_isbn_must_have_13_digits(self):
        for bad in ("123456789012", "12345678901234", "97817354672AB", ""):
            with self.subTest(isbn=bad):
                response = self.client.post(
                    reverse("book_list"), {**self.payload, "isbn": bad}, format="json"
                )
                self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
                self.assertIn("isbn", response.json())
        self.assertEqual(Book.objects.count(), 0)

    def test_isbn_must_be_unique(self):
        Book.objects.create(title="First", subtitle="s", author="a", isbn="9781735467214")
        response = self.client.post(reverse("book_list"), self.payload, format="json")
        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertEqual(response.json()["isbn"], ["A book with this ISBN already exists."])
        self.assertEqual(Book.objects.count(), 1)

    def test_basic_auth_can_write(self):
        self.client.force_authenticate(None)
        self.client.credentials(HTTP_AUTHORIZATION="Basic cmVhZGVyOmEtbG9uZy1wYXNzd29yZA==")
        response = self.client.post(reverse("book_list"), self.payload, format="json")
        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
