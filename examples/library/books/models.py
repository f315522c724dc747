from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=250)
    subtitle = models.CharField(max_length=250)
    author = models.CharField(max_length=100)
    # Unique: one record per edition. The API also checks it is 13 digits (api/serializers.py).
    isbn = models.CharField(max_length=13, unique=True)

    def __str__(self):
        return self.title
