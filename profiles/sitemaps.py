"""The sitemap of the public site (django.contrib.sitemaps): published pages only.

Each public profile's latest edition and its list of editions, with `lastmod` from when it last
changed in public (published or withdrawn); the countries the directory lists; the treaties;
the directory pages. Drafts, withdrawn profiles and search pages are never listed.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import reverse

from profiles.models import Country, Profile, Treaty


class PublicSitemap(Sitemap):
    """A sitemap whose addresses are at DJANGO_SITE_URL when it is set (else at the host the
    sitemap was asked for)."""

    def get_protocol(self, protocol=None):
        return (
            urlsplit(settings.SITE_URL).scheme
            if settings.SITE_URL
            else super().get_protocol(protocol)
        )

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc if settings.SITE_URL else super().get_domain(site)


class DirectorySitemap(PublicSitemap):
    changefreq = "weekly"

    def items(self):
        return ["profiles:home", "profiles:country_list", "profiles:treaty_list"]

    def location(self, item):
        return reverse(item)


class ProfileSitemap(PublicSitemap):
    """Every public profile's report page (its latest edition)."""

    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return (
            Profile.objects.public()
            .select_related("country", "topic")
            .annotate(changed=Coalesce("public_changed_at", F("latest_publication__published_at")))
            .only("country__slug", "topic__slug", "public_changed_at")
            .order_by("country__slug", "topic__slug")
        )

    def lastmod(self, profile):
        return profile.changed


class EditionListSitemap(ProfileSitemap):
    """Every public profile's list of editions, each of which keeps its address for good."""

    priority = 0.4

    def location(self, profile):
        return reverse("profiles:edition_list", args=[profile.country.slug, profile.topic.slug])


class CountrySitemap(PublicSitemap):
    changefreq = "monthly"

    def items(self):
        return Country.objects.listed().only("slug").order_by("slug")


class TreatySitemap(PublicSitemap):
    changefreq = "monthly"

    def items(self):
        return Treaty.objects.only("slug").order_by("slug")


SITEMAPS = {
    "directory": DirectorySitemap,
    "profiles": ProfileSitemap,
    "editions": EditionListSitemap,
    "countries": CountrySitemap,
    "treaties": TreatySitemap,
}
