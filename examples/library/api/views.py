from rest_framework import generics

from books.models import Book

from .serializers import BookSerializer


class BookAPIView(generics.ListCreateAPIView):
    """List the books (anyone), or add one (signed-in users)."""

    queryset = Book.objects.order_by("id")
    serializer_class = BookSerializer


class BookDetailAPIView(generics.RetrieveUpdateDestroyAPIView):
    """Read one book (anyone), or change or delete it (signed-in users)."""

    queryset = Book.objects.all()
    serializer_class = BookSerializer
