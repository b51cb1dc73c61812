from django.urls import path

from profiles.views import (
    alerts,
    corrections,
    directory,
    discovery,
    documents,
    drafts,
    reports,
    search,
)

app_name = "profiles"

profile = "countries/<slug:country>/<slug:topic>"

urlpatterns = [
    path("", directory.home, name="home"),
    path("countries/", directory.country_list, name="country_list"),
    path("countries/<slug:country>/", directory.country_detail, name="country_detail"),
    path(f"{profile}/", reports.profile_detail, name="profile_detail"),
    path(f"{profile}/draft/", drafts.profile_draft, name="profile_draft"),
    path(f"{profile}.json", reports.profile_json, name="profile_json"),
    path(f"{profile}.txt", reports.profile_text, name="profile_text"),
    path(f"{profile}.pdf", documents.profile_pdf, name="profile_pdf"),
    path(f"{profile}/report-error/", corrections.report_error, name="report_error"),
    path(f"{profile}/editions/", reports.edition_list, name="edition_list"),
    path(f"{profile}/editions/<int:number>/", reports.edition_detail, name="edition_detail"),
    path(f"{profile}/editions/<int:number>.pdf", documents.edition_pdf, name="edition_pdf"),
    path(
        f"{profile}/editions/<int:number>/compare/<int:other>/",
        reports.edition_compare,
        name="edition_compare",
    ),
    path("treaties/", directory.treaty_list, name="treaty_list"),
    path("treaties/<slug:treaty>/", directory.treaty_detail, name="treaty_detail"),
    path("treaties/<slug:treaty>.csv", directory.treaty_csv, name="treaty_csv"),
    path("search/", search.search, name="search"),
    path("robots.txt", discovery.robots_txt, name="robots_txt"),
    path("sitemap.xml", discovery.sitemap, name="sitemap"),
    path("feeds/editions.atom", discovery.editions_feed, name="editions_feed"),
    path("countries/<slug:country>/feed.atom", discovery.country_feed, name="country_feed"),
    path("topics/<slug:topic>/feed.atom", discovery.topic_feed, name="topic_feed"),
    path("alerts/", alerts.subscribe, name="alerts_subscribe"),
    path("alerts/confirm/<str:token>/", alerts.confirm, name="alerts_confirm"),
    path("alerts/unsubscribe/<str:token>/", alerts.unsubscribe, name="alerts_unsubscribe"),
]
