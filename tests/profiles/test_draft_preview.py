"""The draft preview: staff read the working copy as its public page would show it; nobody
else learns that it exists."""

import pytest
from django.contrib.auth.models import Permission

from profiles.models import Claim
from tests.conftest import ANONYMOUS
from tests.factories import make_user

pytestmark = pytest.mark.django_db

DRAFT = "/countries/mali/cluster-munition-ban-policy/draft/"
PUBLIC = "/countries/mali/cluster-munition-ban-policy/"


def test_staff_read_a_never_published_profile_as_its_page_would_show(mali, editor_client):
    response = editor_client.get(DRAFT)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Draft preview — not public." in page
    assert "Nothing of this profile is public yet." in page
    assert "Mali has stated several times" in page
    assert 'id="fn-6"' in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_draft_shows_unpublished_changes_the_public_page_does_not(
    published_mali, editor_client, client
):
    claim = Claim.objects.filter(text__startswith="Mali has stated several times").first()
    claim.text = claim.text.replace("several times", "repeatedly")
    claim.save()

    draft = editor_client.get(DRAFT).content.decode()
    public = client.get(PUBLIC).content.decode()

    assert "Mali has stated repeatedly" in draft
    assert "The public reads" in draft and "edition 1" in draft
    assert "Mali has stated several times" in public
    assert "Mali has stated repeatedly" not in public


@pytest.mark.parametrize("who", [ANONYMOUS, "staff without permissions", "not staff"])
def test_anyone_else_gets_the_same_404_as_for_no_profile(mali, client, client_for, who):
    if who == ANONYMOUS:
        reader = client_for(ANONYMOUS)
    else:
        user = make_user("visitor", staff=who != "not staff")
        if who == "not staff":
            user.user_permissions.add(Permission.objects.get(codename="view_profile"))
        reader = client
        reader.force_login(user)

    draft = reader.get(DRAFT)
    missing = reader.get("/countries/mali/no-such-topic/draft/")

    assert draft.status_code == missing.status_code == 404
    assert "Mali has stated" not in draft.content.decode()
