"""Forms that refuse to save over what someone else saved since the page was opened.

No lost edits: every admin form and inline row remembers the version of its object when the
page was opened (history/versions.py), and a save over what someone else saved since is
refused, showing what they changed (VersionedModelForm, VersionedInlineFormSet).
"""

import datetime

from django import forms
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.forms.boundfield import BoundField
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.models import BaseInlineFormSet, model_to_dict
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext
from simple_history.models import is_historic

from history.versions import (
    VERSION_ATTR,
    Changes,
    changes_since,
    is_versioned,
    latest_version,
    version_of,
)
from history.writer import HistoryWriter

# The hidden field that carries the version a form opened its object at, and the
# management-form field that lists the rows an inline showed when the page was opened.
VERSION_FIELD = "opened_version"
OPENED_ROWS = "OPENED_ROWS"
NOT_SUBMITTED = object()
# Set on an object deleted since its change form was opened, to the history record of its
# deletion, when that form is saved (HistoryAdmin.get_object): the form refuses the save.
DELETION_ATTR = "history_deletion"

SAVE_AGAIN = (
    "Nothing was saved. The form now shows their changes, with yours kept on top: check it, "
    "then save again."
)
REVERT_AGAIN = "Nothing was reverted. Revert again to undo their changes as well."
SAVE_ROWS_AGAIN = (
    "Nothing was saved. The rows now show the others' changes, with yours kept on top: check "
    "them, then save again."
)


class VersionField(forms.CharField):
    """The version a form opened its object at: bookkeeping, never an edit of its own."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, label="", **kwargs)

    def has_changed(self, initial, data):
        return False


class RebasedBoundField(BoundField):
    """A bound field that shows the value its form was rebased onto, when it was."""

    def value(self):
        rebased = getattr(self.form, "rebased", {})
        if self.name in rebased:
            return self.field.prepare_value(rebased[self.name])
        return super().value()


def submitted_version(form):
    """Return the version a bound form says it was opened at: NOT_SUBMITTED when the page
    had no version field, None when the object had no history record yet."""
    raw = form.data.get(form.add_prefix(VERSION_FIELD))
    if raw is None:
        return NOT_SUBMITTED
    try:
        return int(raw)
    except ValueError:
        return None


def conflict_message(subject: str, changes, theirs, both) -> str:
    """Say who changed `subject` since the page was opened, when, and each field they changed
    (`theirs`, None when unknown) from what to what; name the fields `both` changed."""
    model = changes.latest.instance_type
    details = "."
    if theirs:
        details = format_html(
            ":<ul>{}</ul>",
            format_html_join("", "<li>{}: {} → {}</li>", changes.field_changes(theirs)),
        )
    message = format_html(
        "{} changed {} after you opened this page{}", changes.writers(), subject, details
    )
    if both:
        labels = ", ".join(capfirst(model._meta.get_field(name).verbose_name) for name in both)
        message = format_html("{} You both changed {}: the form keeps yours.", message, labels)
    return message


def deleted_message(obj, deletion) -> str:
    """Say who deleted obj while it was being edited, that nothing was saved, and where obj
    can be restored from (its history in the admin)."""
    opts = obj._meta
    name = opts.verbose_name
    restore = f"restore the {name} from its history"
    try:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])
    except NoReverseMatch:
        pass
    else:
        restore = format_html('<a href="{}">{}</a>', url, restore)
    return format_html(
        "This {} was deleted by {} while you were editing it. Nothing was saved: what you "
        "typed is still in the form below. Copy it, or {} and then save this form again.",
        name,
        Changes(base=None, since=[deletion]).writers(),
        restore,
    )


class VersionedModelForm(forms.ModelForm):
    """A model form that refuses to save over what others saved since it was opened.

    The form carries its object's version when the page was opened. A save that would change
    the object locks it and compares (in clean(), so nothing is written): when someone else
    has since changed a field this form edits, the save is refused with what they changed,
    and the form is rebased onto their version. It then shows their values in the fields this
    editor left alone, keeps this editor's own, and carries the new version, so that saving
    again applies this editor's changes without undoing theirs. Changes to fields the form
    does not edit (a review, a publication) are no conflict. Inline rows are checked together
    by VersionedInlineFormSet.

    A save of an object someone deleted since the page was opened is refused too, whatever
    it changes, keeping what was typed (deleted_message()).
    """

    bound_field_class = RebasedBoundField
    opened_version = VersionField()
    # Set by VersionedInlineFormSet, which checks its rows in one go.
    checked_by_formset = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rebased = {}
        # simple-history's revert page edits an object built from one of its records.
        self.reverting = is_historic(self.instance)
        if self.versioned:
            self.initial.setdefault(VERSION_FIELD, version_of(self.instance))

    @property
    def versioned(self) -> bool:
        instance = self.instance
        return (
            not instance._state.adding and instance.pk is not None and is_versioned(type(instance))
        )

    def clean(self):
        cleaned_data = super().clean()
        if not self.checked_by_formset:
            self._refuse_stale_save()
        return cleaned_data

    def _refuse_stale_save(self):
        deletion = getattr(self.instance, DELETION_ATTR, None)
        if deletion is not None:
            raise ValidationError(deleted_message(self.instance, deletion))
        opened = submitted_version(self)
        if opened is NOT_SUBMITTED or not self.versioned:
            return
        if not (self.has_changed() or self.reverting):
            return  # the save writes nothing
        pk = self.instance.pk
        changes = changes_since(type(self.instance), {pk: opened}).get(pk)
        if changes and changes.deleted and not self.reverting:
            # Deleted after the admin loaded the object, before this check locked it; saving
            # would insert it again. (Reverting a deleted object is how it is restored.)
            raise ValidationError(deleted_message(self.instance, changes.latest))
        rebased = self.rebase(changes) if changes else None
        if rebased:
            subject = f"this {self.instance._meta.verbose_name}"
            message = conflict_message(subject, changes, *rebased)
            closing = REVERT_AGAIN if self.reverting else SAVE_AGAIN
            raise ValidationError(format_html("{} {}", message, closing))

    def edited_fields(self) -> list[str]:
        """Return the names of the model fields this form edits."""
        opts = self.instance._meta
        names = {f.name for f in opts.concrete_fields if f.editable and not f.primary_key}
        return [name for name in self.fields if name in names]

    def rebase(self, changes):
        """If `changes` touch a field this form edits, rebase the form onto them and return
        (the fields they changed, or None when unknown; those this form changed too).
        Otherwise return None."""
        names = self.edited_fields()
        theirs = changes.changed_fields(names)
        if theirs == []:
            return None
        mine = self._changed_since(changes.base, names)
        if theirs and not self.reverting:
            latest = model_to_dict(changes.latest, fields=theirs)
            self.rebased.update({name: latest[name] for name in theirs if name not in mine})
        self.rebased[VERSION_FIELD] = changes.version
        return theirs, [name for name in theirs or [] if name in mine]

    def _changed_since(self, record, names) -> list[str]:
        """Return the fields among `names` whose submitted value differs from the record's."""
        if record is None:
            return [name for name in self.changed_data if name in names]
        then = model_to_dict(record, fields=names)
        return [
            name for name in names if self.fields[name].has_changed(then.get(name), self[name].data)
        ]


class DateInput(forms.DateInput):
    """A date box showing a date as people read it, "7 June 2016" (the input formats,
    monitor/formats/, also take "7 Jun 2016", "2016-06-07" and "07/06/2016"), never the
    browser's own picker, whose order of day and month follows the browser's locale."""

    def __init__(self, attrs=None, format=None):
        attrs = {"size": "16", "placeholder": "7 June 2016", **(attrs or {})}
        super().__init__(attrs=attrs, format=format)

    def format_value(self, value):
        if isinstance(value, datetime.date):
            return dateformat.format(value, "j F Y")
        return super().format_value(value)


class AdminDateInput(DateInput, AdminDateWidget):
    """The same date box with the admin's calendar and "Today" shortcut."""


class KeyCheckedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete widget that redisplays a posted value only if it can be a key.

    The stock widget looks the posted value up to show it again with the form's errors, and
    a value that is no key at all ("x", "²", 10**30) makes that lookup raise: an error page
    instead of the form's "Select a valid choice".
    """

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [v for v in value if self._is_key(v)], attr)

    def _is_key(self, value) -> bool:
        target = self.field.target_field
        try:
            target.run_validators(target.to_python(value))
        except ValidationError:
            return False
        return True


class PreloadedAutocompleteSelect(KeyCheckedAutocompleteSelect):
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


class InlineForm(VersionedModelForm):
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


def _as_opened(changes):
    """Return the object as the page showed it, to name it as the editor knows it."""
    return (changes.base or changes.latest).instance


def _label_inputs_for_rows(form) -> None:
    """Name each input of an inline row for screen readers: a tabular inline shows its labels
    once, as column headings, so the inputs in its rows would otherwise have none."""
    for name, field in form.fields.items():
        if not field.widget.is_hidden:
            label = field.label or (gettext("Delete") if name == DELETION_FIELD_NAME else name)
            field.widget.attrs.setdefault("aria-label", capfirst(str(label)))


class VersionedInlineFormSet(BaseInlineFormSet):
    """Inline rows that refuse to save over what others saved since the page was opened.

    Each row carries its version (VersionedModelForm), read with the rows in one query, and
    the management form lists the rows the page was opened with. A save that would write
    any row (change, delete or add one) checks them all in one go: a row someone else
    changed since (in a field the form edits), deleted, moved elsewhere or added refuses the
    save, which lists what they did. The rows are then rebased like a VersionedModelForm; a
    row someone else deleted comes back ticked for deletion, the only way it can be saved,
    and a row someone else added is left as they saved it.
    """

    def __init__(
        self,
        data=None,
        files=None,
        instance=None,
        save_as_new=False,
        prefix=None,
        queryset=None,
        **kwargs,
    ):
        if is_versioned(self.model):
            if queryset is None:
                queryset = self.model._default_manager.all()
            queryset = queryset.annotate(**{VERSION_ATTR: latest_version(self.model)})
        self._gone = {}  # the keys of rows deleted or moved since, by index
        self._gone_as_opened = {}  # those rows as the page showed them, by index
        super().__init__(data, files, instance, save_as_new, prefix, queryset, **kwargs)

    def get_queryset(self):
        rows = super().get_queryset()
        if not self.is_bound or "forms" not in self.__dict__:
            return rows
        # Once the submitted rows are built, the admin pairs each with the object at its index
        # here: keep them paired when rows were added or deleted since the page was opened.
        # A row posted without its key (a tampered form) has no object to show: None, as for
        # a new row, rather than a blank object that cannot even name itself.
        return [
            self._gone_as_opened.get(index, None if form.instance._state.adding else form.instance)
            for index, form in enumerate(self.initial_forms)
        ]

    def stored_rows(self):
        """Return the parent's rows as stored, whatever rows were submitted."""
        return super().get_queryset()

    @cached_property
    def management_form(self):
        form = super().management_form
        form.fields[OPENED_ROWS] = forms.CharField(
            required=False, widget=forms.HiddenInput, bound_field_class=RebasedBoundField
        )
        form.rebased = {}
        if not self.is_bound:
            form.initial[OPENED_ROWS] = " ".join(str(obj.pk) for obj in self.stored_rows())
        return form

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.checked_by_formset = True
        _label_inputs_for_rows(form)
        pk = self._missing_pk(form, index)
        if pk is not None:
            # The row was deleted or moved since the page was opened: keep its key as plain
            # data, for the refusal to name the row, rather than reject it as an unknown one.
            self._gone[index] = pk
            form.fields[self.model._meta.pk.name] = forms.CharField(
                required=False, widget=forms.HiddenInput
            )

    def _missing_pk(self, form, index):
        """Return the key an existing row was submitted with when no such row is left."""
        if not form.is_bound or index is None or index >= self.initial_form_count():
            return None
        if not form.instance._state.adding:
            return None
        pk_field = self.model._meta.pk
        raw = self.data.get(f"{form.prefix}-{pk_field.name}")
        try:
            return pk_field.to_python(raw) if raw else None
        except ValidationError:
            return None

    def clean(self):
        try:
            super().clean()
        except ValidationError as error:
            problems = error.error_list
        else:
            problems = []
        conflicts = self._refuse_stale_rows()
        if conflicts or problems:
            raise ValidationError([*conflicts, *problems])

    def _deleting(self, form) -> bool:
        return self.can_delete and self._should_delete_form(form)

    def _opened_rows(self):
        raw = self.data.get(self.management_form.add_prefix(OPENED_ROWS))
        if raw is None:
            return None
        pks = set()
        for part in raw.split():
            try:
                pks.add(self.model._meta.pk.to_python(part))
            except ValidationError:
                continue
        return pks

    def _refuse_stale_rows(self) -> list:
        """Check the rows this save writes; rebase them and describe what others did, if
        they did anything since the page was opened."""
        if not self.is_bound or not is_versioned(self.model) or self.instance.pk is None:
            return []
        if getattr(self.instance, DELETION_ATTR, None) is not None:
            return []  # the parent was deleted, and its rows with it: its form says so
        written, gone = [], {}
        for index, form in enumerate(self.initial_forms):
            if index in self._gone:
                if not self._deleting(form):
                    gone[self._gone[index]] = form
            elif form.instance.pk is not None and (form.has_changed() or self._deleting(form)):
                written.append(form)
        adding = any(form.has_changed() and not self._deleting(form) for form in self.extra_forms)
        if not (written or gone or adding):
            return []

        opened = {}
        for form in written:
            version = submitted_version(form)
            if version is not NOT_SUBMITTED:
                opened[form.instance.pk] = version
        for pk, form in gone.items():
            version = submitted_version(form)
            opened[pk] = None if version is NOT_SUBMITTED else version
        shown = self._opened_rows()
        on_page = {form.instance.pk for form in self.initial_forms} | set(gone)
        added = [
            obj
            for obj in self.stored_rows()
            if shown is not None and obj.pk not in shown and obj.pk not in on_page
        ]
        opened.update({obj.pk: None for obj in added})
        changes = changes_since(self.model, opened)

        conflicts = []
        for form in written:
            if form.instance.pk not in changes:
                continue
            rebased = form.rebase(changes[form.instance.pk])
            if rebased:
                form.add_error(None, "Someone else changed this row: see above.")
                subject = self._name(_as_opened(changes[form.instance.pk]))
                message = conflict_message("it", changes[form.instance.pk], *rebased)
                conflicts.append(format_html("{}: {}", subject, message))
        for index, form in enumerate(self.initial_forms):
            pk = self._gone.get(index)
            if pk not in gone:
                continue
            form.rebased[DELETION_FIELD_NAME] = True
            if pk in changes:
                self._gone_as_opened[index] = _as_opened(changes[pk])
            conflicts.append(self._gone_message(changes.get(pk)))
        for obj in added:
            conflicts.append(self._added_message(obj, changes.get(obj.pk)))
        if conflicts:
            rows = " ".join(str(obj.pk) for obj in self.stored_rows())
            self.management_form.rebased[OPENED_ROWS] = rows
            conflicts.append(SAVE_ROWS_AGAIN)
        return conflicts

    def _name(self, obj) -> str:
        return f"{capfirst(self.model._meta.verbose_name)} “{_label_in_parent(obj)}”"

    def _gone_message(self, changes) -> str:
        if changes is None:
            return format_html(
                "A {} was deleted after you opened this page. It is ticked for deletion below.",
                self.model._meta.verbose_name,
            )
        if changes.deleted:
            done = (
                "deleted it after you opened this page. It is ticked for deletion below: your "
                "changes to it will not be saved, so add it again as a new row to keep them."
            )
        else:
            done = (
                "moved it elsewhere after you opened this page. It is ticked for deletion "
                "below, which leaves it where they moved it, without your changes to it."
            )
        return format_html("{}: {} {}", self._name(_as_opened(changes)), changes.writers(), done)

    def _added_message(self, obj, changes) -> str:
        who = changes.writers() if changes else "someone"
        done = "added it" if changes is None or changes.created else "moved it here"
        return format_html(
            "{}: {} {} after you opened this page. It is not in the form and is kept as it "
            "is: reload the page after saving to edit it.",
            self._name(obj),
            who,
            done,
        )


class PositionedInlineFormSet(VersionedInlineFormSet):
    """Edit a parent's children ordered by a position that is unique within the parent.

    Editors reorder rows by editing positions, so one save may swap or shift several rows. The
    database checks the (parent, position) constraint after each UPDATE, so saving the rows one
    by one would collide midway. Instead, rows marked for deletion go first, rows whose position
    changed are parked at unused positions without a history record, then every changed row is
    saved at its new position: each moved row gets exactly one history record.

    Positions must still be unique among the submitted rows: BaseModelFormSet.validate_unique()
    checks the (parent, position) constraint across the rows, with the message below. Each row
    is not checked against the database rows that are about to move, since Django leaves the
    inline's parent key out of a row's own model validation. Rows someone added after the page
    was opened are not on it: their positions are refused, and new rows go after them.
    """

    position_field = "position"

    def clean(self):
        super().clean()
        self._refuse_taken_positions()
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

    def _rows_not_shown(self):
        """Return the parent's rows the form does not show: those added since it was opened."""
        shown = {form.instance.pk for form in self.initial_forms}
        return [obj for obj in self.stored_rows() if obj.pk not in shown]

    def _refuse_taken_positions(self):
        held = {getattr(obj, self.position_field): obj for obj in self._rows_not_shown()}
        wanted = (form.cleaned_data.get(self.position_field) for form in self._kept_forms())
        taken = sorted({position for position in wanted if position in held})
        if taken:
            raise ValidationError(
                [
                    format_html(
                        "Position {} is taken by {} “{}”, which someone added after you opened "
                        "this page. Give your row another position, or reload the page.",
                        position,
                        self.model._meta.verbose_name,
                        _label_in_parent(held[position]),
                    )
                    for position in taken
                ]
            )

    def _number_new_rows(self):
        """Give each new row left without a position the next free one."""
        kept = self._kept_forms()
        taken = [form.cleaned_data.get(self.position_field) for form in kept]
        taken += [getattr(obj, self.position_field) for obj in self._rows_not_shown()]
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
            HistoryWriter.park(obj, field=field, at=highest + offset)
            setattr(obj, field, final)


def _label_in_parent(obj) -> str:
    """Name an inline row as it stands within its parent, where its __str__ would repeat the
    parent's name (a section's names its profile)."""
    return getattr(obj, "label_in_parent", None) or str(obj)
