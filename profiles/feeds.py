"""Atom feeds of new editions (django.contrib.syndication): every public profile's, one
country's, or one topic's, newest first. An edition of a withdrawn profile leaves the feeds
with it; a draft never enters them."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from monitor.site import site_url
from profiles.models import Country, Publication, Topic

FEED_ITEMS = 50


class ComparingAtomFeed(Atom1Feed):
    """Atom, with each entry's link to the comparison with the edition before it."""

    def latest_post_date(self):
        # A feed without entries would say it was updated now, at every request: it says when
        # the public site last changed instead, so that it stays the same until then.
        if not self.items and self.feed.get("site_changed_at"):
            return self.feed["site_changed_at"]
        return super().latest_post_date()

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("comparison"):
            handler.addQuickElement(
                "link",
                "",
                {
                    "rel": "related",
                    "title": "What changed since the edition before",
                    "href": item["comparison"],
                },
            )


class EditionsFeed(Feed):
    """Every new edition of every public profile."""

    feed_type = ComparingAtomFeed
    title = "Monitor: new editions"
    subtitle = "Each new edition of a published country profile, with what changed."

    def link(self, obj=None):
        return reverse("profiles:home")

    def editions(self, obj):
        return Publication.objects.public()

    def items(self, obj=None):
        return (
            self.editions(obj)
            .select_related("profile__country", "profile__topic")
            .defer("snapshot")
            .order_by("-published_at", "-pk")[:FEED_ITEMS]
        )

    def item_title(self, edition):
        return f"{edition.profile}: edition {edition.number}"

    def item_description(self, edition):
        parts = [f"What changed: {edition.note}"] if edition.note else []
        parts.append(f"Last updated: {edition.last_updated:%-d %B %Y}.")
        return " ".join(parts)

    def item_link(self, edition):
        return edition.get_absolute_url()

    def item_pubdate(self, edition):
        return edition.published_at

    def item_updateddate(self, edition):
        return edition.published_at

    def item_extra_kwargs(self, edition):
        return {"comparison": self._comparison(edition)}

    def _comparison(self, edition) -> str | None:
        if edition.number == 1:
            return None
        country, topic = edition.profile.country.slug, edition.profile.topic.slug
        return reverse(
            "profiles:edition_compare", args=[country, topic, edition.number - 1, edition.number]
        )

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        feed.feed["site_changed_at"] = getattr(
            getattr(request, "lookup", None), "last_modified", None
        )
        # Syndication puts the host the feed was asked for in front of every link; the
        # links go to DJANGO_SITE_URL when it is set.
        asked = f"{'https' if request.is_secure() else 'http'}://{request.get_host()}"
        public = site_url(request)
        for key in ("link", "feed_url", "id"):
            feed.feed[key] = _at_site(feed.feed.get(key), asked, public)
        for item in feed.items:
            item["link"] = _at_site(item["link"], asked, public)
            item["unique_id"] = _at_site(item.get("unique_id"), asked, public)
            if item.get("comparison"):
                item["comparison"] = public + item["comparison"]
        return feed


def _at_site(url: str | None, asked: str, public: str) -> str | None:
    if url and url.startswith(asked + "/"):
        return public + url[len(asked) :]
    return url


class CountryEditionsFeed(EditionsFeed):
    """The new editions of one country's public profiles."""

    def get_object(self, request, country):
        return get_object_or_404(Country.objects.listed(), slug=country)

    def title(self, country):
        return f"Monitor: new editions for {country}"

    def link(self, country):
        return country.get_absolute_url()

    def editions(self, country):
        return Publication.objects.public().filter(profile__country=country)


class TopicEditionsFeed(EditionsFeed):
    """The new editions of one topic's public profiles. A topic with drafts only has none to
    show, and its name is not public: 404."""

    def get_object(self, request, topic):
        found = Topic.objects.with_public_profiles().filter(slug=topic).first()
        if found is None:
            raise Http404(f"There is no topic “{topic}” with a published profile.")
        return found

    def title(self, topic):
        return f"Monitor: new editions of {topic}"

    def link(self, topic):
        return reverse("profiles:home")

    def editions(self, topic):
        return Publication.objects.public().filter(profile__topic=topic)
