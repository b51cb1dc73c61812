"""Full-text search over published claims and footnotes."""

from django.shortcuts import render

from profiles.caching import public_page
from profiles.search import MAX_QUERY_LENGTH, MAX_QUERY_TERMS, search_public


@public_page()
def search(request):
    """Show the public profiles whose latest edition matches ?q=, best first, by pages."""
    results = search_public(request.GET.get("q", ""), page=request.GET.get("page"))
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
