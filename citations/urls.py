"""The fact-checkers' pages, mounted under /admin/review/ and guarded like the admin's own."""

from django.contrib import admin
from django.urls import path

from citations import views

app_name = "citations"

urlpatterns = [
    path("", admin.site.admin_view(views.review_queue), name="review_queue"),
    path("disputes/", admin.site.admin_view(views.disputes), name="disputes"),
    path("bulk/", admin.site.admin_view(views.review_bulk), name="review_bulk"),
    path("<int:pk>/", admin.site.admin_view(views.review), name="review"),
]
