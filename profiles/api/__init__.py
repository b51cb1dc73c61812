"""The read API under /api/v1/: published data as JSON, with an OpenAPI document and a page
for people (docs/public-site.md).

`urlpatterns` is meant for `include("profiles.api")` at /api/v1/: ninja's operations
(profiles.api.endpoints), the OpenAPI document and the docs page (profiles.api.docs), and a
JSON 404 for any other address beneath. Every address but the docs page answers GET and HEAD
from any origin, a CORS preflight, and any other method with a JSON 405
(profiles.api.http.open_for_reading).
"""

from django.urls import path, re_path

from profiles.api.docs import api_docs, openapi
from profiles.api.endpoints import NAMESPACE, api
from profiles.api.http import not_found, open_for_reading

app_name = NAMESPACE


def _api_urlpatterns() -> list:
    operations, _app_name, _namespace = api.urls
    patterns = [
        path("openapi.json", openapi, name="openapi"),
        *operations,
        re_path(r"^(?P<rest>.+)$", not_found, name="not_found"),
    ]
    for pattern in patterns:
        pattern.callback = open_for_reading(pattern.callback)
    return [path("docs/", api_docs, name="docs"), *patterns]


urlpatterns = _api_urlpatterns()
