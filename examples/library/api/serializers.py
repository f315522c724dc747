from rest_framework import serializers

from books.models import Book


class BookSerializer(serializers.ModelSerializer):
    # Declared here rather than generated from the model so that the hyphens people type
    # ("978-1-7354-6720-7") are removed before the length and uniqueness checks.
    isbn = serializers.CharField(
        max_length=32, help_text="ISBN-13: 13 digits; hyphens and spaces are ignored."
    )

    class Meta:
        model = Book
        fields = ("id", "title", "subtitle", "author", "isbn")
        read_only_fields = ("id",)

    def validate_isbn(self, value):
        """An ISBN-13: 13 digits once hyphens and spaces are removed, not used by another book."""
        digits = value.replace("-", "").replace(" ", "")
        if len(digits) != 13 or not digits.isascii() or not digits.isdigit():
            raise serializers.ValidationError("An ISBN must have exactly 13 digits.")
        others = Book.objects.filter(isbn=digits)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError("A book with this ISBN already exists.")
        return digits
