"""The footnote's admin form: the length limit every way of writing a footnote shares."""

from django.core.exceptions import ValidationError
from django.utils.text import capfirst

from history.forms import VersionedModelForm
from profiles.textformat import text_length_problem


class CitationAdminForm(VersionedModelForm):
    """A footnote's own admin page: refuse a text longer than a profile allows, as the
    importer, "Edit as text" and the claim page's footnote rows do."""

    def clean_text(self):
        text = self.cleaned_data["text"]
        if problem := text_length_problem(text, "the footnote"):
            raise ValidationError(f"{capfirst(problem)}. Shorten it, or split it in two.")
        return text
