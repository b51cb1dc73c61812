"""An edition as a PDF document: the latest public edition of a profile, or one by number.

The same lookup as the report pages (reports.EditionLookup: public editions only, so drafts
and withdrawn profiles answer 404; ETag and Last-Modified; the response kept under its
address). Behind it, the PDF itself is kept under the edition's checksum (profiles/pdf.py),
so the latest edition's address and its numbered one share one rendering, and a new edition
of the profile renders only the new PDF. Queries: the lookup, the edition without its
snapshot, and the snapshot only when the PDF has to be rendered.
"""

from django.http import Http404, HttpResponse

from monitor.ratelimit import hit_client
from monitor.site import absolute_url
from profiles import pdf
from profiles.models import Publication
from profiles.views.reports import edition_page

# PDFs laid out for one client an hour: a kept PDF costs nothing, laying one out up to two
# seconds of a worker, so a client walking every edition of every profile is slowed down.
RENDERS_PER_CLIENT_HOUR = 60


@edition_page
def profile_pdf(request, country, topic):
    return _pdf_response(request)


@edition_page
def edition_pdf(request, country, topic, number):
    return _pdf_response(request)


def _pdf_response(request) -> HttpResponse:
    publication = (
        Publication.objects.public()
        .select_related("profile__country", "profile__topic")
        .defer("snapshot")
        .filter(pk=request.lookup.head.pk)
        .first()
    )
    if publication is None:  # withdrawn a moment ago
        raise Http404("This profile is no longer published.")
    # The edition's own address, which never changes, even on the latest edition's PDF.
    url = absolute_url(publication.get_absolute_url(), request)
    try:
        document = pdf.edition_pdf(
            publication,
            url,
            may_render=lambda: hit_client(
                request, "pdf-render", limit=RENDERS_PER_CLIENT_HOUR, window=3600
            ),
        )
    except pdf.RenderRefused:
        return _too_many_renders()
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf.edition_filename(publication)}"'
    return response


def _too_many_renders() -> HttpResponse:
    response = HttpResponse(
        "Too many PDFs not yet made were asked for from your address. Each is made once and"
        " then kept: try again in an hour, or read the report page meanwhile.\n",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = "3600"
    # Never kept by a shared cache, which would refuse everyone else.
    response["Cache-Control"] = "no-store"
    return response
