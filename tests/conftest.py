from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(autouse=True)
def empty_cache():
    """Start every test with an empty cache: rendered pages must not leak between tests."""
    from django.core.cache import cache

    cache.clear()
