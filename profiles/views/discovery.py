"""For crawlers and feed readers: /robots.txt, /sitemap.xml and the Atom feeds of new editions,
all public pages (cached, answered 304 while nothing public changed)."""

from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.http import HttpResponse
from django.urls import reverse

from monitor.site import absolute_url
from profiles.caching import public_page
from profiles.feeds import CountryEditionsFeed, EditionsFeed, TopicEditionsFeed
from profiles.sitemaps import SITEMAPS

# Not worth crawling: search results are endless combinations of words, and drafts and the
# admin are not public (a draft preview answers 404 to anyone else anyway); the readers' forms
# (report an error, alerts) are not content.
DISALLOWED = [
    "/search/",
    "/admin/",
    "/countries/*/draft/",
    "/countries/*/report-error/",
    "/alerts/",
]


@public_page()
def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED)]
    lines.append(f"Sitemap: {absolute_url(reverse('profiles:sitemap'), request)}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@public_page()
def sitemap(request):
    response = sitemap_view(request, sitemaps=SITEMAPS)
    response.render()
    # The page's own validators name it; the sitemap view's Last-Modified would be the newest
    # lastmod, which a withdrawal does not move.
    del response["Last-Modified"]
    return response


editions_feed = public_page()(EditionsFeed())
country_feed = public_page()(CountryEditionsFeed())
topic_feed = public_page()(TopicEditionsFeed())
