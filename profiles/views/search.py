"""Full-text search over published claims and footnotes."""

from django.http import Http404


def search(request):
    raise Http404("This page is being built.")
