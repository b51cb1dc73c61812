"""The footnote's admin form: the length limit every way of writing a footnote shares."""

from django.core.exceptions import ValidationError
from django.utils.text import capfirst

from history.forms import VersionedModelForm
from profiles.textformat import written_text_problem


class CitationAdminForm(VersionedModelForm):
    """A footnote's own admin page: refuse a text longer than a profile allows, as the
    importer, "Edit as text" and the claim page's footnote rows do."""

    def clean_text(self):
        text = self.cleaned_data["text"]
        if problem := written_text_problem(text, "the footnote", footnote=True):
            raise ValidationError(f"{capfirst(problem)}.")
        return text
