"""Filters for report pages: dates and treaty status as the Monitor prints them, and web
addresses safe to link to."""

from urllib.parse import urlsplit

from django import template

from profiles.compare import iso_date_text, treaty_status_text

register = template.Library()


@register.filter
def monitor_date(value: str) -> str:
    """Format a snapshot's ISO date: "2016-06-07" → "7 June 2016"."""
    return iso_date_text(value) if value else ""


@register.filter
def treaty_status(status: dict | None) -> str:
    """Describe a snapshot's treaty status: "State party · signed 3 December 2008 · …"."""
    return treaty_status_text(status)


@register.filter
def web_address(url: str) -> str:
    """Return the address if it is an http(s) one, else "": only those become links, so that a
    stored "javascript:" address can never run when clicked."""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return ""
    return url if scheme in {"http", "https"} else ""
