"""The role matrix: who may open and post to which admin and public page.

Staff get their powers from the Editors, Fact-checkers and Publishers groups; the superuser
is the only account with every permission without a group.
"""

import pytest
from django.contrib.auth.models import Group

from citations.models import Citation
from profiles.models import Claim
from profiles.publishing import profile_publish
from profiles.roles import EDITORS, FACT_CHECKERS, PUBLISHERS
from tests.conftest import ANONYMOUS, SUPERUSER
from tests.factories import changeform_data

pytestmark = pytest.mark.django_db

ROLES = [ANONYMOUS, "editor", "fact-checker", "publisher", SUPERUSER]
GROUPS = {"editor": EDITORS, "fact-checker": FACT_CHECKERS, "publisher": PUBLISHERS}
PROFILE = "/countries/mali/cluster-munition-ban-policy"


def expect(anonymous, editor, checker, publisher, superuser) -> dict[str, int]:
    return dict(zip(ROLES, [anonymous, editor, checker, publisher, superuser], strict=True))


LOGIN = 302  # the admin sends anonymous visitors to its login page

# (label, method, url template, expected status by role). {profile}, {claim}, {citation} and
# {publication} are filled in from the Mali profile.
MATRIX = [
    # Public pages: the same for everyone, and never a form.
    ("home", "get", "/", expect(200, 200, 200, 200, 200)),
    ("countries", "get", "/countries/", expect(200, 200, 200, 200, 200)),
    ("country", "get", "/countries/mali/", expect(200, 200, 200, 200, 200)),
    ("report", "get", f"{PROFILE}/", expect(200, 200, 200, 200, 200)),
    ("report json", "get", f"{PROFILE}.json", expect(200, 200, 200, 200, 200)),
    ("report txt", "get", f"{PROFILE}.txt", expect(200, 200, 200, 200, 200)),
    ("editions", "get", f"{PROFILE}/editions/", expect(200, 200, 200, 200, 200)),
    ("treaty", "get", "/treaties/convention-on-cluster-munitions/", expect(*[200] * 5)),
    ("search", "get", "/search/?q=Lomé", expect(200, 200, 200, 200, 200)),
    ("report post", "post", f"{PROFILE}/", expect(405, 405, 405, 405, 405)),
    ("search post", "post", "/search/", expect(405, 405, 405, 405, 405)),
    # The admin: everyone on the staff reads; editors and publishers write.
    ("admin index", "get", "/admin/", expect(LOGIN, 200, 200, 200, 200)),
    ("profiles", "get", "/admin/profiles/profile/", expect(LOGIN, 200, 200, 200, 200)),
    (
        "profile",
        "get",
        "/admin/profiles/profile/{profile}/change/",
        expect(LOGIN, 200, 200, 200, 200),
    ),
    ("profile add", "get", "/admin/profiles/profile/add/", expect(LOGIN, 200, 403, 200, 200)),
    (
        "profile save",
        "post-form",
        "/admin/profiles/profile/{profile}/change/",
        expect(LOGIN, 302, 403, 302, 302),
    ),
    (
        "claim save",
        "post-form",
        "/admin/profiles/claim/{claim}/change/",
        expect(LOGIN, 302, 403, 302, 302),
    ),
    (
        "citation save",
        "post-form",
        "/admin/citations/citation/{citation}/change/",
        expect(LOGIN, 302, 403, 302, 302),
    ),
    (
        "claim history",
        "get",
        "/admin/profiles/claim/{claim}/history/",
        expect(LOGIN, 200, 200, 200, 200),
    ),
    (
        "revert citation",
        "post-revert",
        "/admin/citations/citation/{citation}/history/{citation_version}/",
        expect(LOGIN, 302, 403, 302, 302),
    ),
    # History records are never edited or deleted through the admin: they are not registered.
    (
        "historical records",
        "get",
        "/admin/profiles/historicalclaim/",
        expect(LOGIN, 404, 404, 404, 404),
    ),
    (
        "publish page",
        "get",
        "/admin/profiles/profile/{profile}/publish/",
        expect(LOGIN, 403, 403, 200, 200),
    ),
    (
        "publish",
        "post",
        "/admin/profiles/profile/{profile}/publish/",
        expect(LOGIN, 403, 403, 302, 302),
    ),
    (
        "withdraw",
        "post",
        "/admin/profiles/profile/{profile}/withdraw/",
        expect(LOGIN, 403, 403, 302, 302),
    ),
    (
        "publication delete",
        "post",
        "/admin/profiles/publication/{publication}/delete/",
        expect(LOGIN, 403, 403, 403, 403),
    ),
    ("users", "get", "/admin/auth/user/", expect(LOGIN, 403, 403, 403, 200)),
    # Fact-checking.
    ("review queue", "get", "/admin/review/", expect(LOGIN, 200, 200, 200, 200)),
    ("disputes", "get", "/admin/review/disputes/", expect(LOGIN, 200, 200, 200, 200)),
    ("review", "post-review", "/admin/review/{citation}/", expect(LOGIN, 403, 302, 403, 302)),
]


def cases():
    for label, method, url, expected in MATRIX:
        for role in ROLES:
            yield pytest.param(method, url, role, expected[role], id=f"{label}-{role}")


@pytest.mark.parametrize(("method", "url", "role", "status"), list(cases()))
def test_role_matrix(published_mali, client_for, method, url, role, status):
    claim = Claim.objects.filter(section__profile=published_mali).first()
    ids = {
        "profile": published_mali.pk,
        "claim": claim.pk,
        "citation": Citation.objects.filter(claim__section__profile=published_mali).first().pk,
        "publication": published_mali.publications.get().pk,
    }
    citation = Citation.objects.get(pk=ids["citation"])
    ids["citation_version"] = citation.history.earliest().history_id
    url = url.format(**ids)
    client = client_for(GROUPS.get(role, role))

    if method == "get":
        response = client.get(url)
    elif method == "post-form":
        # A valid submission of the form as the superuser sees it, posted by `role`.
        form = changeform_data(client_for(SUPERUSER).get(url))
        response = client.post(url, form)
    elif method == "post-revert":
        # Reverting posts the old version's form, here with a changed footnote text.
        form = changeform_data(client_for(SUPERUSER).get(url))
        form["text"] = "Rewritten through the revert form."
        response = client.post(url, form)
        changed = Citation.objects.filter(text="Rewritten through the revert form.").exists()
        assert changed == (role != "anonymous" and status == 302)
    elif method == "post-review":
        response = client.post(url, {"state": "verified", "note": ""})
    else:
        response = client.post(url)

    assert response.status_code == status


def test_the_groups_carry_the_permissions_not_superuser_flags():
    for name in GROUPS.values():
        assert Group.objects.get(name=name).permissions.exists()
    editors = Group.objects.get(name="Editors")
    checkers = Group.objects.get(name="Fact-checkers")
    assert not editors.permissions.filter(codename="publish_profile").exists()
    assert not editors.permissions.filter(codename="review_citation").exists()
    assert set(
        checkers.permissions.exclude(codename__startswith="view_").values_list(
            "codename", flat=True
        )
    ) == {"review_citation"}


def test_a_publisher_publishes_what_an_editor_changed(published_mali, client_for):
    claim = Claim.objects.filter(section__profile=published_mali).first()
    editor, publisher = client_for(EDITORS), client_for(PUBLISHERS)
    form = changeform_data(editor.get(f"/admin/profiles/claim/{claim.pk}/change/"))
    form["text"] = "Edited by the editor."
    assert editor.post(f"/admin/profiles/claim/{claim.pk}/change/", form).status_code == 302

    publisher.post(f"/admin/profiles/profile/{published_mali.pk}/publish/")

    assert published_mali.publications.count() == 2
    assert profile_publish(profile=published_mali).created is False
