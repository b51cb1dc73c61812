"""Small factory functions for tests, importers of the profile files, and a helper to resubmit
admin change forms.

Names and slugs are invented ("Testland") so they never collide with the countries and treaties
the data migrations load; factories for uniquely named rows get or create them.
"""

import datetime
import itertools
import tempfile
from io import StringIO
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db.models import Max

from citations.models import Citation, CitationSource, Source
from profiles.models import Claim, Country, Profile, Section, Topic, Treaty, TreatyStatus
from profiles.publishing import treaty_statuses_publish

_numbers = itertools.count(1)


def _next_position(queryset):
    return (queryset.aggregate(highest=Max("position"))["highest"] or 0) + 1


def make_user(username="editor", *, staff=True, superuser=False, password="password", **fields):
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        user = user_model(username=username, **fields)
        user.set_password(password)
    user.is_staff = staff or superuser
    user.is_superuser = superuser
    user.save()
    return user


def make_member(username, role, **fields):
    """Make (or get) a staff user and put it in the group of `role` (profiles/roles.py)."""
    user = make_user(username, **fields)
    user.groups.add(Group.objects.get(name=role))
    return user


def make_country(name="Testland", *, slug=None, **fields):
    slug = slug or name.lower().replace(" ", "-")
    country, _created = Country.objects.get_or_create(slug=slug, defaults={"name": name, **fields})
    return country


def make_treaty(name="Treaty on Testing", *, slug=None, **fields):
    slug = slug or name.lower().replace(" ", "-")
    treaty, _created = Treaty.objects.get_or_create(slug=slug, defaults={"name": name, **fields})
    return treaty


def make_treaty_status(*, country=None, treaty=None, status=TreatyStatus.Status.STATE_PARTY, **f):
    return TreatyStatus.objects.create(
        country=country or make_country(),
        treaty=treaty or make_treaty(),
        status=status,
        **f,
    )


def make_public_treaty_status(**fields):
    """A treaty status, published on its own as a publisher would (the public reads it)."""
    status = make_treaty_status(**fields)
    treaty_statuses_publish(statuses=[status])
    return status


def make_topic(name="Test Topic Policy", *, slug=None, **fields):
    slug = slug or name.lower().replace(" ", "-")
    topic, _created = Topic.objects.get_or_create(slug=slug, defaults={"name": name, **fields})
    return topic


def make_profile(*, country=None, topic=None, last_updated=datetime.date(2016, 6, 7), **fields):
    """Create a profile; without a topic, each call gets a topic of its own."""
    return Profile.objects.create(
        country=country or make_country(),
        topic=topic or make_topic(f"Test Topic {next(_numbers)}"),
        last_updated=last_updated,
        **fields,
    )


def make_section(*, profile=None, position=None, heading="Policy", **fields):
    profile = profile or make_profile()
    if position is None:
        position = _next_position(profile.sections.all())
    return Section.objects.create(profile=profile, position=position, heading=heading, **fields)


def make_claim(*, section=None, position=None, text="Testland signed the treaty.", **fields):
    section = section or make_section()
    if position is None:
        position = _next_position(section.claims.all())
    return Claim.objects.create(section=section, position=position, text=text, **fields)


def make_citation(*, claim=None, position=None, text="Statement of Testland, 1 May 2013.", **f):
    claim = claim or make_claim()
    if position is None:
        position = _next_position(claim.citations.all())
    return Citation.objects.create(claim=claim, position=position, text=text, **f)


def make_source(*, kind=Source.Kind.STATEMENT, author="Testland", title="Opening statement", **f):
    return Source.objects.create(kind=kind, author=author, title=title, **f)


def make_citation_source(*, citation=None, source=None, position=None, **fields):
    citation = citation or make_citation()
    if position is None:
        position = _next_position(citation.source_links.all())
    return CitationSource.objects.create(
        citation=citation, source=source or make_source(), position=position, **fields
    )


def make_tree(number):
    """Make a profile with a claim citing a source, and its country's treaty status."""
    country = make_country(f"Testland {number}")
    claim = make_claim(section=make_section(profile=make_profile(country=country)))
    make_citation_source(citation=make_citation(claim=claim))
    make_treaty_status(country=country, treaty=make_treaty(f"Treaty {number}"))
    return claim


def import_profiles(*paths, publish=False, **options) -> str:
    """Import profile files with the import_profile command, in one run; return its output."""
    out = StringIO()
    arguments = [str(path) for path in paths] + (["--publish"] if publish else [])
    call_command("import_profile", *arguments, stdout=out, **options)
    return out.getvalue()


def import_profile_file(path, *, publish=False) -> Profile:
    """Import one profile file (publish it if asked) and return its profile, found by the
    country slug that starts the file name ("mali-cluster-munition-ban-policy.txt")."""
    import_profiles(path, publish=publish)
    return Profile.objects.select_related("country", "topic__treaty").get(
        country__slug=Path(path).name.split("-")[0]
    )


def import_text(text: str, name: str) -> str:
    """Import `text` as a profile file called `name`; return the command's output."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_text(text)
        return import_profiles(path)


def changeform_data(response, changes=None):
    """Return the POST data that resubmits the admin change form in response unchanged.

    Reads the rendered form and every inline formset (management forms included) from the
    response context. `changes` then overrides fields by their HTML names, e.g.
    `{"sections-0-position": 2}`; a value of None removes the field (an unticked checkbox).
    """
    forms = [response.context["adminform"].form]
    for inline in response.context.get("inline_admin_formsets", []):
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    data = {}
    for form in forms:
        for bound_field in form:
            value = bound_field.value()
            if isinstance(value, bool):
                if value:
                    data[bound_field.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound_field.html_name] = [str(item) for item in value]
            else:
                data[bound_field.html_name] = "" if value is None else str(value)
    for name, value in (changes or {}).items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = str(value)
    return data
