"""Full-text search over published claims and footnotes."""

from django.shortcuts import render

from profiles.caching import public_page
from profiles.search import MAX_QUERY_LENGTH, MAX_QUERY_TERMS, search_profile, search_public


@public_page()
def search(request):
    """Show the public profiles whose latest edition matches ?q=, best first, by pages; with
    ?profile=<country>/<topic>, every matching passage of that one profile."""
    query, page = request.GET.get("q", ""), request.GET.get("page")
    if address := request.GET.get("profile", "").strip():
        results = search_profile(query, address=address, page=page)
    else:
        results = search_public(query, page=page)
    return render(
        request,
        "profiles/search.html",
        {
            "query": results.query,
            "results": results,
            "max_length": MAX_QUERY_LENGTH,
            "max_terms": MAX_QUERY_TERMS,
        },
    )
