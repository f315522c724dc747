from django.urls import path

from .views import BookAPIView, BookDetailAPIView

urlpatterns = [
    path("", BookAPIView.as_view(), name="book_list"),
    path("<int:pk>/", BookDetailAPIView.as_view(), name="book_detail"),
]
