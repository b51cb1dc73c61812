"""Forms for the editors' admin."""

import json

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.forms.models import BaseInlineFormSet

from profiles.models import Profile


class PreloadedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete widget that shows its selected object from `preloaded` when it can.

    The stock widget fetches its selected object with a query of its own, which in a formset
    costs a query a row; InlineForm hands it the object its row already holds.
    """

    preloaded = None

    def optgroups(self, name, value, attr=None):
        selected = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        to_field = getattr(self.field.remote_field, "field_name", None)
        preloaded = self.preloaded or {}
        if (
            not selected
            or to_field not in (None, self.field.related_model._meta.pk.name)
            or not all(pk in preloaded for pk in selected)
        ):
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required and not self.allow_multiple_selected:
            options.append(self.create_option(name, "", "", False, 0))
        for pk in selected:
            label = self.choices.field.label_from_instance(preloaded[pk])
            options.append(self.create_option(name, pk, label, True, len(options)))
        return [(None, options, 0)]


class InlineForm(forms.ModelForm):
    """An inline row whose autocomplete widgets show the related objects the row holds."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = getattr(field.widget, "widget", field.widget)  # unwrap the admin's wrapper
            if not isinstance(widget, PreloadedAutocompleteSelect):
                continue
            model_field = self.instance._meta.get_field(name)
            if model_field.is_cached(self.instance):
                related = getattr(self.instance, name)
                if related is not None:
                    widget.preloaded = {str(related.pk): related}


class PositionedInlineForm(InlineForm):
    """An inline row ordered by `position`; a new row may leave it empty to go last."""

    position_field = "position"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get(self.position_field)
        if field is not None and self.instance._state.adding:
            field.required = False


class PositionedInlineFormSet(BaseInlineFormSet):
    """Edit a parent's children ordered by a position that is unique within the parent.

    Editors reorder rows by editing positions, so one save may swap or shift several rows. The
    database checks the (parent, position) constraint after each UPDATE, so saving the rows one
    by one would collide midway. Instead, rows marked for deletion go first, rows whose position
    changed are parked at unused positions without a history record, then every changed row is
    saved at its new position: each moved row gets exactly one history record.

    Positions must still be unique among the submitted rows: BaseModelFormSet.validate_unique()
    checks the (parent, position) constraint across the rows, with the message below. Each row
    is not checked against the database rows that are about to move, since Django leaves the
    inline's parent key out of a row's own model validation.
    """

    position_field = "position"

    def clean(self):
        super().clean()
        self._number_new_rows()

    def get_unique_error_message(self, unique_check):
        if self.position_field in unique_check:
            opts = self.model._meta
            return (
                f"Two {opts.verbose_name_plural} have the same position. "
                f"Give each {opts.verbose_name} its own position."
            )
        return super().get_unique_error_message(unique_check)

    def save_existing_objects(self, commit=True):
        if not commit:
            # The caller saves the rows, and so decides their order.
            return super().save_existing_objects(commit=False)
        self.changed_objects = []
        self.deleted_objects = []
        forms_to_delete = self.deleted_forms
        changed_forms = []
        for form in self.initial_forms:
            obj = form.instance
            if not obj._is_pk_set() or obj._state.adding:
                continue
            if form in forms_to_delete:
                self.deleted_objects.append(obj)
                self.delete_existing(obj, commit=True)
            elif form.has_changed():
                changed_forms.append(form)
        self._park(
            [form.instance for form in changed_forms if self.position_field in form.changed_data]
        )
        saved = []
        for form in changed_forms:
            self.changed_objects.append((form.instance, form.changed_data))
            saved.append(self.save_existing(form, form.instance, commit=True))
        return saved

    def _kept_forms(self):
        forms_to_delete = self.deleted_forms
        return [
            form
            for form in self.forms
            if form.is_valid()
            and form not in forms_to_delete
            and (form in self.initial_forms or form.has_changed())
        ]

    def _number_new_rows(self):
        """Give each new row left without a position the next free one."""
        kept = self._kept_forms()
        taken = [form.cleaned_data.get(self.position_field) for form in kept]
        next_position = max((p for p in taken if p is not None), default=0) + 1
        for form in kept:
            if form.instance._state.adding and form.cleaned_data.get(self.position_field) is None:
                form.cleaned_data[self.position_field] = next_position
                setattr(form.instance, self.position_field, next_position)
                next_position += 1

    def _park(self, objs):
        """Move objs to positions no row holds or will hold, leaving no history record."""
        if not objs:
            return
        field = self.position_field
        in_database = self.model._default_manager.filter(**{self.fk.name: self.instance})
        highest = max(
            in_database.aggregate(highest=Max(field))["highest"] or 0,
            *(getattr(form.instance, field) or 0 for form in self.forms),
        )
        for offset, obj in enumerate(objs, start=1):
            final = getattr(obj, field)
            setattr(obj, field, highest + offset)
            try:
                # This intermediate state is not worth a history record.
                obj.save_without_historical_record(update_fields=[field])
            finally:
                setattr(obj, field, final)


class StatusBoxField(forms.JSONField):
    """A list of [label, value] pairs, shown one pair a line so editors can read it."""

    def prepare_value(self, value):
        if isinstance(value, list) and value and all(isinstance(row, list) for row in value):
            rows = ",\n".join(f" {json.dumps(row, ensure_ascii=False)}" for row in value)
            return f"[\n{rows}\n]"
        return super().prepare_value(value)


class ProfileAdminForm(forms.ModelForm):
    status_box = StatusBoxField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 90}),
        help_text="Older layout only. One row per line, label then value, as JSON: "
        '<code>[["Convention on Cluster Munitions status", "State Party"], '
        '["Key developments", "Submitted its initial report in March 2012"]]</code>. '
        "Leave as <code>[]</code> for profiles without a status box.",
    )

    class Meta:
        model = Profile
        fields = [
            "country",
            "topic",
            "last_updated",
            "status_box_heading",
            "status_box",
            "compact_footnotes",
            "notes",
        ]

    def clean_status_box(self):
        rows = self.cleaned_data["status_box"]
        if rows in (None, ""):
            return []
        if not isinstance(rows, list) or not all(
            isinstance(row, list) and len(row) == 2 and all(isinstance(v, str) for v in row)
            for row in rows
        ):
            raise ValidationError(
                "Write the status box as a list of [label, value] pairs of text, e.g. "
                '[["Convention on Cluster Munitions status", "State Party"]].'
            )
        return rows
