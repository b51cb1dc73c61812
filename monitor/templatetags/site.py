"""The site's public address in templates (monitor/site.py)."""

from django import template
from django.utils.html import format_html

from monitor.site import absolute_url

register = template.Library()


@register.simple_tag(takes_context=True)
def canonical_link(context, path: str = "") -> str:
    """<link rel="canonical"> to `path`, or this page's path, at the site's public address.
    The query string is left out: filters and page numbers name views of the same page."""
    request = context["request"]
    return format_html(
        '<link rel="canonical" href="{}">', absolute_url(path or request.path, request)
    )
