"""URL configuration for the Library project."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from .views import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/", include("api.urls")),
    path("api-auth/", include("rest_framework.urls")),
    path("health/", health, name="health"),
    path("", include("books.urls")),
]
