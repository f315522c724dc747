from unittest import mock

from django.db import OperationalError, connection
from django.test import TestCase
from django.urls import reverse


class HealthTests(TestCase):
    def test_health_ok(self):
        response = self.client.get(reverse("health"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok", "database": connection.vendor})
        self.assertIn("no-cache", response["Cache-Control"])

    def test_health_reports_a_database_failure(self):
        refused = OperationalError("connection to server failed: Connection refused\nmore")
        with mock.patch.object(connection, "cursor", side_effect=refused):
            response = self.client.get(reverse("health"))
        self.assertEqual(response.status_code, 503)
        self.assertEqual(
            response.json(),
            {"status": "error", "database": "connection to server failed: Connection refused"},
        )

    def test_health_is_read_only(self):
        self.assertEqual(self.client.post(reverse("health")).status_code, 405)
