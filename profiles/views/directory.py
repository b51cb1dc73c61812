"""Browsing: the home page, countries, treaties."""

from django.http import Http404


def _not_yet(*args, **kwargs):
    raise Http404("This page is being built.")


home = country_list = country_detail = treaty_list = treaty_detail = treaty_csv = _not_yet
