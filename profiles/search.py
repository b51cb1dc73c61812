"""The public search index: the claims and footnotes of each public profile's latest edition."""


def search_index_publication(*, publication) -> None:
    """Index a profile's newly public edition, replacing what was indexed for the profile."""


def search_index_remove(*, profile) -> None:
    """Remove a withdrawn profile from the search index."""
