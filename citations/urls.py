"""The fact-checkers' pages, mounted under /admin/review/ and guarded like the admin's own."""

from django.contrib import admin
from django.urls import path

from citations import admin_views

app_name = "citations"

urlpatterns = [
    path("", admin.site.admin_view(admin_views.review_queue), name="review_queue"),
    path("disputes/", admin.site.admin_view(admin_views.disputes), name="disputes"),
    path("bulk/", admin.site.admin_view(admin_views.review_bulk), name="review_bulk"),
    path("<int:pk>/", admin.site.admin_view(admin_views.review), name="review"),
    path(
        "comments/claim/<int:pk>/",
        admin.site.admin_view(admin_views.claim_comments),
        name="claim_comments",
    ),
    path(
        "comments/footnote/<int:pk>/",
        admin.site.admin_view(admin_views.footnote_comments),
        name="footnote_comments",
    ),
    path(
        "comments/<int:pk>/<slug:act>/",
        admin.site.admin_view(admin_views.comment_act),
        name="comment_act",
    ),
]
