"""The read API described: its OpenAPI document (django-ninja's, with the site's address as
its server) and a page for people made from that document by a template of ours.

ninja's own docs page (Swagger UI) loads its script from a CDN, which the site's Content
Security Policy forbids; this page needs no script at all.
"""

import hashlib
import re
from http import HTTPStatus

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import mark_safe

from monitor.site import absolute_url, site_url
from profiles.api.endpoints import NAMESPACE, api
from profiles.api.http import json_response
from profiles.caching import PageLookup, public_page
from profiles.models import Profile, Treaty

# Query strings the examples add, by operation id.
EXAMPLE_QUERIES = {
    "listCountries": "region=africa",
    "listProfiles": "topic={topic}",
    "search": "q=convention",
    "getTreaty": "status=state-party&sort=-joined",
}
PATH_PARAMETER = re.compile(r"{(\w+)}")
INLINE_CODE = re.compile(r"`([^`]+)`")


class DocumentLookup(PageLookup):
    """The OpenAPI document changes with the code (the ETag carries the release) and with
    the site's address (its server)."""

    validators = ("etag",)

    @cached_property
    def etag(self) -> str:
        return "openapi-" + hashlib.sha256(settings.SITE_URL.encode()).hexdigest()[:12]


def openapi_document(request) -> dict:
    """ninja's OpenAPI document of the API, served from the site's public address."""
    document = api.get_openapi_schema(path_prefix=reverse(f"{NAMESPACE}:index").rstrip("/"))
    document["servers"] = [{"url": site_url(request), "description": "The Monitor"}]
    return document


@public_page(DocumentLookup)
def openapi(request):
    return json_response(openapi_document(request))


@public_page()
def api_docs(request):
    """The API's documentation for people: an introduction, then each operation of the
    OpenAPI document with its parameters and a live example."""
    document = openapi_document(request)
    examples = _example_values()
    operations = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            operations.append(_describe(request, path, method, operation, examples))
    return render(
        request,
        "profiles/api_docs.html",
        {
            "document": document,
            "operations": operations,
            "index_url": absolute_url(reverse(f"{NAMESPACE}:index"), request),
            "openapi_url": absolute_url(reverse(f"{NAMESPACE}:openapi"), request),
            "has_examples": examples is not None,
        },
    )


def _example_values() -> dict | None:
    """Slugs and numbers of real published things, for live examples; None before anything
    is published."""
    profile = (
        Profile.objects.public()
        .for_links()
        .order_by("-latest_publication__published_at", "pk")
        .first()
    )
    if profile is None:
        return None
    treaty = profile.topic.treaty or Treaty.objects.order_by("name").first()
    return {
        "country": profile.country.slug,
        "topic": profile.topic.slug,
        "number": profile.latest_publication.number,
        "treaty": treaty.slug if treaty else "",
    }


def _describe(request, path: str, method: str, operation: dict, examples: dict | None) -> dict:
    parameters = []
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        parameters.append(
            {
                "name": parameter["name"],
                "where": parameter["in"],
                "required": parameter.get("required", False),
                "type": _type_name(schema),
                "choices": _choices(schema),
                "default": schema.get("default"),
                "description": _markdown(
                    parameter.get("description") or schema.get("description", "")
                ),
            }
        )
    example = None
    if examples is not None:
        example = PATH_PARAMETER.sub(lambda match: str(examples[match.group(1)]), path)
        if query := EXAMPLE_QUERIES.get(operation.get("operationId")):
            example += "?" + query.format(**examples)
        example = absolute_url(example, request)
    return {
        "id": operation.get("operationId", ""),
        "method": method.upper(),
        "path": path,
        "summary": operation.get("summary", ""),
        "description": _markdown(operation.get("description", "")),
        "parameters": parameters,
        "example": example,
        "statuses": [
            f"{code} {HTTPStatus(int(code)).phrase}"
            for code in sorted(operation.get("responses", {}))
        ],
    }


def _markdown(text: str) -> str:
    """The little Markdown the descriptions use, `code`, as HTML; the rest escaped."""
    return mark_safe(INLINE_CODE.sub(r"<code>\1</code>", escape(text)))  # escaped first


def _variants(schema: dict) -> list[dict]:
    return schema.get("anyOf") or [schema]


def _type_name(schema: dict) -> str:
    names = [variant.get("type", "") for variant in _variants(schema) if variant.get("type")]
    return " or ".join(name for name in names if name != "null") or "string"


def _choices(schema: dict) -> list[str]:
    return [value for variant in _variants(schema) for value in variant.get("enum", [])]
