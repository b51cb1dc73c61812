"""Change sets: the history records of one request, import, publish or review belong together."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from citations.models import Citation
from citations.services import citation_review
from history.changesets import change_set
from profiles.models import ChangeSet, Claim, Profile
from profiles.publishing import profile_publish
from tests.conftest import MALI
from tests.factories import changeform_data, make_claim, make_user

pytestmark = pytest.mark.django_db


def records_of(change_set_row) -> int:
    versioned = [model for model in apps.get_models() if hasattr(model, "history")]
    return sum(model.history.filter(change_set=change_set_row).count() for model in versioned)


def test_an_import_is_one_change_set_holding_every_record():
    call_command("import_profile", str(MALI), stdout=StringIO())

    imported = ChangeSet.objects.get()
    assert imported.action == ChangeSet.Action.IMPORT
    assert imported.reason == f"Imported {MALI.name}"
    # The profile, 3 sections, 14 claims, 8 citations, and the sources and links they cite.
    assert records_of(imported) >= 1 + 3 + 14 + 8
    assert not Claim.history.filter(change_set__isnull=True).exists()


def test_publishing_and_reviewing_are_change_sets_of_their_own():
    call_command("import_profile", str(MALI), stdout=StringIO())
    profile = Profile.objects.get()
    checker = make_user("checker")
    checker.user_permissions.add(
        *apps.get_model("auth", "Permission").objects.filter(codename="review_citation")
    )

    profile_publish(profile=profile, user=checker)
    citation_review(citation=Citation.objects.first(), reviewer=checker, state="verified")

    assert list(ChangeSet.objects.values_list("action", flat=True)) == [
        "review",
        "publish",
        "import",
    ]
    assert ChangeSet.objects.first().user == checker


def test_one_admin_save_with_inline_rows_is_one_change_set(client):
    claim = make_claim()
    citation = Citation.objects.create(claim=claim, position=1, text="Email, 1 May 2013.")
    editor = make_user("boss", superuser=True)
    client.force_login(editor)
    url = f"/admin/profiles/claim/{claim.pk}/change/"
    form = changeform_data(client.get(url))
    form["text"] = "Edited claim."
    form["citations-0-text"] = "Email, 2 May 2013."
    before = ChangeSet.objects.count()

    assert client.post(url, form).status_code == 302

    assert ChangeSet.objects.count() == before + 1
    edit = ChangeSet.objects.first()
    assert (edit.action, edit.user) == ("edit", editor)
    assert claim.history.first().change_set == edit
    assert citation.history.first().change_set == edit


def test_nested_scopes_share_one_change_set_and_empty_scopes_leave_none():
    with change_set(action="edit"):
        pass
    assert not ChangeSet.objects.exists()

    with change_set(action="edit"), change_set(action="revert", reason="Undo"):
        make_claim()
    assert list(ChangeSet.objects.values_list("action", "reason")) == [("revert", "Undo")]


def test_a_record_written_outside_any_scope_gets_its_own_change_set():
    first, second = make_claim(), make_claim()

    assert first.history.get().change_set != second.history.get().change_set
