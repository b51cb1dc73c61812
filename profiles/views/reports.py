"""Reading a report: the latest edition, past editions, comparisons, and exports."""

from django.http import Http404


def _not_yet(*args, **kwargs):
    raise Http404("This page is being built.")


profile_detail = profile_json = profile_text = edition_list = edition_detail = _not_yet
edition_compare = _not_yet
