"""Admin base classes for versioned models, shared by every app's admin.

HistoryAdmin gives each change page a History button listing who changed which fields, from
what to what, and a change form that refuses to save over what someone else saved since it was
opened. Ordered children (sections, claims, citations and their sources) are edited in inlines
that share PositionedInline, which lets editors reorder rows by editing their positions.
Its change lists and History pages cost the same whatever the number of rows or records
(history/changelist.py).
"""

import contextlib
import dataclasses
import datetime
import difflib
import re

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Concat
from django.http import Http404
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format, get_format
from django.utils.html import conditional_escape, format_html
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import ModelChange, ModelDelta
from simple_history.template_utils import HistoricalRecordContextHelper, ObjDiffDisplay
from simple_history.utils import get_history_manager_for_model

from history.changelist import (
    ChangeList,
    ChangeListPaginator,
    DateTimeFormat,
    UncountedPage,
    asked_page,
    url_maker,
)
from history.forms import (
    DELETION_ATTR,
    VERSION_FIELD,
    AdminDateInput,
    InlineForm,
    KeyCheckedAutocompleteSelect,
    PositionedInlineForm,
    PositionedInlineFormSet,
    PreloadedAutocompleteSelect,
    VersionedInlineFormSet,
    VersionedModelForm,
)
from history.save_messages import add_save_messages
from history.versions import VERSION_ATTR, is_versioned, latest_version
from history.writer import record_as


def change_link(obj, text=None):
    """Return a link to obj's admin change page."""
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text or obj)


class RowCount(models.Func):
    """COUNT(*), which Django does not take for an aggregate: a subquery annotated with it
    counts its rows with no GROUP BY."""

    template = "COUNT(*)"
    output_field = models.IntegerField()


def subquery_count(queryset, field, *, outer=None):
    """Return an expression counting queryset's rows whose `field` is the outer row
    (or `outer`, when given).

    A correlated subquery, unlike Count() over a join, costs nothing for rows that are not
    displayed and does not multiply when two counts are annotated together. COUNT(*) with no
    GROUP BY lets PostgreSQL count from the index on `field` alone, without reading the rows
    (a source's 124 citations, 2.8 ms a page of sources, became 0.4 ms).
    """
    counted = queryset.filter(**{field: outer if outer is not None else OuterRef("pk")})
    return Coalesce(Subquery(counted.order_by().annotate(count=RowCount()).values("count")), 0)


def joined_names(model, key, *fields, separator: str):
    """Return an expression joining with `separator` the names of what the `model` row whose
    primary key is `key` (an OuterRef) refers to by `fields`, foreign keys to models with a
    `name`: e.g. a profile's country and topic, as str(profile) names it.

    For change lists that name each row's profile: joining the profile, its country and its
    topic to the rows made PostgreSQL spend longer planning the page's query (5 ms at full
    scale) than running it, and a join of one profile with the countries read them all. Here
    each name is read by its primary key in a subquery of its own, for the page's rows only.
    """
    names = [
        Subquery(
            field.related_model._default_manager.filter(pk=OuterRef(field.attname))
            .order_by()
            .values("name")
        )
        for field in map(model._meta.get_field, fields)
    ]
    parts = names[:1]
    for name in names[1:]:
        parts += [Value(separator), name]
    joined = Concat(*parts) if len(parts) > 1 else parts[0]
    return Subquery(model._default_manager.filter(pk=key).order_by().values(joined=joined))


def show_whitespace(value):
    """Return layout white space in a form an editor can see, e.g. "' '" for one space."""
    if value == "":
        return "(none)"
    return repr(value) if value.isspace() else value


def word_diff(old: str, new: str) -> str:
    """Return the words `new` has that `old` had not, and those it lost, marked with <ins>
    and <del> (escaped HTML)."""
    old_words, new_words = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    parts = []
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if tag == "equal":
            parts.append(conditional_escape("".join(new_words[new_start:new_end])))
            continue
        if old_end > old_start:
            parts.append(format_html("<del>{}</del>", "".join(old_words[old_start:old_end])))
        if new_end > new_start:
            parts.append(format_html("<ins>{}</ins>", "".join(new_words[new_start:new_end])))
    return mark_safe("".join(parts))  # every part is escaped above


class ChangeDisplayHelper(HistoricalRecordContextHelper):
    """Show choices by their labels, booleans as yes/no, times in the site's date style,
    empty values as a dash, and a changed text word by word (`diff`), in full.

    One helper serves a page of records (HistoryAdmin.set_history_delta_changes sets its
    `record`), keeping each field's labels and the date format between them.
    """

    def __init__(self, model, historical_record, **kwargs):
        super().__init__(model, historical_record, **kwargs)
        self.labels = {}  # field name -> {value: label}
        self.datetime_format = DateTimeFormat(get_format("DATETIME_FORMAT"))
        date_format = DateTimeFormat(get_format("DATE_FORMAT"))
        self.date_format = date_format if date_format.of_day else None

    def context_for_delta_changes(self, delta):
        context = []
        for change in delta.changes:
            field = self.model._meta.get_field(change.field)
            if isinstance(field, models.TextField) and isinstance(change.new, str):
                diff = word_diff(change.old or "", change.new)
                context.append({"field": capfirst(field.verbose_name), "diff": diff})
                continue
            context.append(super().context_for_delta_changes(_one_change(delta, change))[0])
        return context

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.choices and not isinstance(value, list):
            if field.name not in self.labels:
                self.labels[field.name] = dict(field.flatchoices)
            return self.labels[field.name].get(value, value)
        if isinstance(value, bool):
            return "yes" if value else "no"
        if value is None or value == "":
            return "—"
        if isinstance(value, str) and value.isspace():
            return show_whitespace(value)
        if isinstance(value, datetime.datetime):
            return self.datetime_format(timezone.localtime(value))
        if isinstance(value, datetime.date):
            return self.date_format(value) if self.date_format else date_format(value)
        if isinstance(value, models.Model) and value._meta.model_name == "publication":
            # A publication's own name reads its profile (a query a row): the row is the
            # profile's already.
            return f"edition {value.number}"
        return super().prepare_delta_change_value(change, value)

    def get_obj_diff_display(self):
        # Other values are short (texts are diffed word by word): show them whole.
        return ObjDiffDisplay(max_length=10_000)


def _one_change(delta, change):
    return dataclasses.replace(delta, changes=[change], changed_fields=[change.field])


class OpenedVersionField:
    """Mixin for model and inline admins whose forms carry the version they opened their
    objects at (history/forms.py), as a hidden field for those who may change them."""

    def get_fields(self, request, obj=None):
        return [name for name in super().get_fields(request, obj) if name != VERSION_FIELD]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if (
            obj is None
            or VERSION_FIELD not in getattr(self.form, "base_fields", {})
            or not self.has_change_permission(request, obj)
        ):
            return fieldsets
        if not fieldsets:
            return [(None, {"fields": [VERSION_FIELD]})]
        *others, (name, options) = fieldsets
        return [*others, (name, {**options, "fields": [*options["fields"], VERSION_FIELD]})]


class HistoryAdmin(OpenedVersionField, SimpleHistoryAdmin):
    """A ModelAdmin whose History page lists each change with the fields it changed, and
    whose change form refuses to save over what someone else saved since it was opened.

    simple-history diffs each record on a page against the next (older) one, which it has
    already fetched. This also diffs the page's last record against the one just beyond the page
    (one query), so every row shows its changes, and labels each row from the related objects
    the history query already selected rather than fetching them once a row.

    The change form and its inline rows carry their objects' versions (VersionedModelForm,
    VersionedInlineFormSet); a save that changes nothing writes no history record.
    """

    form = VersionedModelForm
    formfield_overrides = {models.DateField: {"widget": AdminDateInput}}
    history_list_per_page = 50
    list_per_page = 50
    # Change lists at full scale (history/changelist.py): one count, estimated for a whole
    # PostgreSQL table, and rows rendered column by column rather than cell by cell.
    show_full_result_count = False
    # The related objects the change form shows, fetched with its object. The change list
    # joins its own, list_select_related, and no more: a join of many tables costs PostgreSQL
    # more to plan than a page of rows costs to read.
    object_select_related = ()

    @property
    def change_list_template(self):
        """Django's templates for the model and its app, else HistoryAdmin's change list
        (which those for the model and its app extend)."""
        opts = self.model._meta
        return [
            f"admin/{opts.app_label}/{opts.model_name}/change_list.html",
            f"admin/{opts.app_label}/change_list.html",
            "admin/history/change_list.html",
        ]

    def get_changelist(self, request, **kwargs):
        return ChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return ChangeListPaginator(
            queryset, per_page, orphans, allow_empty_first_page, page=asked_page(request)
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = KeyCheckedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def action_checkbox(self, obj):
        """Django's checkbox column, written out directly: rendering a form widget through the
        template engine for each row cost more than all the row's other columns."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(gettext("Select this object for an action - {}"), str(obj)),
        )

    def get_object(self, request, object_id, from_field=None):
        """Return the object with its version (VERSION_ATTR), read in the same query.

        When the change form of an object deleted since it was opened is saved, return the
        object as it was deleted, marked with its deletion (DELETION_ATTR): its form then
        refuses the save and shows what was typed, where Django would redirect and lose it.
        """
        queryset = (
            self.get_queryset(request)
            .select_related(*self.object_select_related)
            .annotate(**{VERSION_ATTR: latest_version(self.model)})
        )
        opts = self.model._meta
        field = opts.pk if from_field is None else opts.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (self.model.DoesNotExist, ValidationError, ValueError):
            pass
        if from_field is None and self._saving_change_form(request):
            return self._as_deleted(object_id)
        return None

    def _saving_change_form(self, request) -> bool:
        opts = self.model._meta
        match = request.resolver_match
        return (
            request.method == "POST"
            and match is not None
            and match.url_name == f"{opts.app_label}_{opts.model_name}_change"
            and issubclass(self.form, VersionedModelForm)
            and is_versioned(self.model)
        )

    def _as_deleted(self, object_id):
        """Return the deleted object as its deletion record holds it, or None when its latest
        record is no deletion (or there is none: a key that never existed)."""
        try:
            pk = self.model._meta.pk.to_python(object_id)
        except ValidationError:
            return None
        records = get_history_manager_for_model(self.model).filter(
            **{self.model._meta.pk.attname: pk}
        )
        deletion = records.select_related("history_user").order_by("-history_id").first()
        if deletion is None or deletion.history_type != "-":
            return None
        obj = deletion.instance
        obj._state.adding = False
        setattr(obj, VERSION_ATTR, deletion.history_id)
        setattr(obj, DELETION_ATTR, deletion)
        return obj

    def has_delete_permission(self, request, obj=None):
        if getattr(obj, DELETION_ATTR, None) is not None:
            return False  # it is deleted already: no Delete link on its refused form
        return super().has_delete_permission(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # A refusal over inline rows is listed above those rows, maybe far down the page.
        stale = [
            inline.formset.model._meta.verbose_name_plural
            for inline in context.get("inline_admin_formsets", [])
            if getattr(inline.formset.management_form, "rebased", None)
        ]
        if stale:
            self.message_user(
                request,
                f"Someone else changed the {' and '.join(stale)} after you opened this page, "
                "so nothing was saved: see what they changed below, then save again.",
                messages.WARNING,
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        add_save_messages(request)  # after the success message: what else the save changed
        return response

    def response_change(self, request, obj):
        # Also after a revert (history_form_view), which ends here too.
        response = super().response_change(request, obj)
        add_save_messages(request)
        back = self.next_url(request)
        if back and "_continue" in request.POST and response.status_code == 302:
            # Saving and going on editing keeps the way back.
            path = response["Location"].split("?")[0]
            response["Location"] = f"{path}?{urlencode({'next': back})}"
        return response

    # After a save, back to where the editor came from: the `next` address that the link to
    # this form gave (the review queue's row, the one-page editor's claim), if it is ours.

    def response_post_save_add(self, request, obj):
        back = self.next_url(request)
        return redirect(back) if back else super().response_post_save_add(request, obj)

    def response_post_save_change(self, request, obj):
        back = self.next_url(request)
        return redirect(back) if back else super().response_post_save_change(request, obj)

    @staticmethod
    def next_url(request) -> str | None:
        back = request.POST.get("next") or request.GET.get("next")
        safe = url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return back if back and safe else None

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history lets anyone who may view the history post its revert form; reverting
        # changes the object, so it needs the permission to change it.
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        # One transaction, as for the change form, in which the stale-save check locks the row.
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change):
        url_name = request.resolver_match.url_name if request.resolver_match else ""
        reverted = url_name.endswith("_simple_history")
        # A save that changes nothing writes no history record. The revert form starts from
        # the old version, so whether it changes anything is told from the stored row.
        changed = self._changed_from_stored(obj) if reverted else form.changed_data
        if change and not changed:
            return
        reason = "Reverted in the admin" if reverted else "Edited in the admin"
        record_as(obj, user=request.user, reason=reason)
        super().save_model(request, obj, form, change)
        if reverted:
            # The revert form has no inlines, so no save_related() follows.
            self.rows_saved(request, [(obj, set(changed))])

    @staticmethod
    def _changed_from_stored(obj) -> list[str]:
        """Return the editable fields whose values differ from obj's stored row (all of them
        when it has none, as for a deleted object being restored)."""
        fields = [field for field in obj._meta.concrete_fields if field.editable]
        names = [field.attname for field in fields]
        stored = type(obj)._default_manager.filter(pk=obj.pk).values(*names).first() or {}
        return [
            field.name
            for field in fields
            if field.attname not in stored or stored[field.attname] != getattr(obj, field.attname)
        ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Once every row of the page is saved: tell each model's admin what was saved of it.
        for formset in formsets:
            model_admin = self._admin_of(formset.model)
            rows = self._saved_rows(formset)
            if model_admin is not None and rows:
                model_admin.rows_saved(request, rows)
        if form.changed_data or not change:
            with_inlines = any(formset.has_changed() for formset in formsets)
            self.rows_saved(
                request, [(form.instance, set(form.changed_data))], with_inlines=with_inlines
            )

    def rows_saved(self, request, rows, *, with_inlines: bool = False) -> None:
        """React to rows of this admin's model that the admin has just saved: on this admin's
        change page (`with_inlines` when the page's inline rows changed too), in an inline on
        another model's page, or by reverting to an earlier version.

        `rows` holds (row, the names of the fields it changed; for a new row, those it was
        given). Runs in the save's transaction and change set, after the whole page is saved.
        Does nothing here: an admin whose model has rows derived from it keeps them in step
        (CitationAdmin reads a footnote's sources from its edited text).
        """

    def _admin_of(self, model):
        try:
            model_admin = self.admin_site.get_model_admin(model)
        except NotRegistered:
            return None
        return model_admin if isinstance(model_admin, HistoryAdmin) else None

    @staticmethod
    def _saved_rows(formset) -> list:
        """Return (row, changed fields) for each row a saved inline formset changed or added."""
        # formset.save() sets both lists; a save_formset() that does not save leaves none.
        rows = [(obj, set(changed)) for obj, changed in getattr(formset, "changed_objects", [])]
        added = {id(obj) for obj in getattr(formset, "new_objects", [])}
        rows += [
            (form.instance, set(form.changed_data))
            for form in formset.forms
            if id(form.instance) in added
        ]
        return rows

    def delete_model(self, request, obj):
        record_as(obj, user=request.user, reason="Deleted in the admin")
        super().delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        parent = form.instance
        reason = f"Edited in the admin from {parent._meta.verbose_name} “{parent}”"
        for row in formset.forms:
            record_as(row.instance, user=request.user, reason=reason)
        super().save_formset(request, form, formset, change)

    def history_view(self, request, object_id, extra_context=None):
        """simple-history's History page, paged without counting the records: the page's
        records and the one after them come in one query (Newer and Older links replace the
        page numbers), and each row's links and date are made without reverse() or the
        template engine's date filter (two milliseconds a page of 50)."""
        request.current_app = self.admin_site.name
        opts = self.model._meta
        pk_name = opts.pk.attname
        object_id = unquote(object_id)
        history = getattr(self.model, opts.simple_history_manager_attribute)
        records = self.get_history_queryset(request, history, pk_name, object_id)
        # The page names the object, no more: its list's related objects (which its name
        # reads) without get_queryset()'s annotations for the list and the change form.
        objects = self.model._default_manager.all()
        if isinstance(self.list_select_related, (list, tuple)):
            objects = objects.select_related(*self.list_select_related)
        try:
            obj = objects.get(**{pk_name: object_id})
        except (ValidationError, ValueError):
            raise Http404 from None
        except self.model.DoesNotExist:
            latest = records.first()  # deleted: as it was deleted
            if latest is None:
                raise Http404 from None
            obj = latest.instance
        if not self.has_view_history_or_change_history_permission(request, obj):
            raise PermissionDenied

        try:
            number = max(int(request.GET.get(PAGE_VAR, 1)), 1)
        except ValueError:
            number = 1
        page = UncountedPage(records, number, self.history_list_per_page)
        if not page.object_list and number > 1:
            return redirect(request.path)  # past the oldest version: back to the newest
        list_display = self.get_history_list_display(request)
        for name in list_display:
            method = getattr(self, name, None)
            if callable(method):
                for record in page:
                    setattr(record, name, method(record))
        self.set_history_delta_changes(request, page)
        self._set_row_links(request, obj, page)

        context = {
            "title": self.history_view_title(request, obj),
            "object_history_list_template": self.object_history_list_template,
            "page_obj": page,
            "page_var": PAGE_VAR,
            "module_name": capfirst(opts.verbose_name_plural),
            "object": obj,
            "root_path": getattr(self.admin_site, "root_path", None),
            "app_label": opts.app_label,
            "opts": opts,
            "history_list_display": list_display,
            "revert_disabled": self.revert_disabled(request, obj),
            **self.admin_site.each_context(request),
            **(extra_context or {}),
        }
        return self.render_history_view(request, self.object_history_template, context)

    def _set_row_links(self, request, obj, page):
        """Give each record its date as the page shows it (`shown_date`), the address of its
        version (`version_url`) and of its author's user page (`changed_by_url`, when the
        viewer may see it)."""
        opts = self.model._meta
        version_url = url_maker(
            f"admin:{opts.app_label}_{opts.model_name}_simple_history",
            args=[quote(obj.pk)],
            current_app=self.admin_site.name,
        )
        user_opts = get_user_model()._meta
        user_url = None
        if request.user.has_perm(f"{user_opts.app_label}.view_{user_opts.model_name}"):
            with contextlib.suppress(NoReverseMatch):  # no admin for users
                user_url = url_maker(
                    f"admin:{user_opts.app_label}_{user_opts.model_name}_change",
                    current_app=self.admin_site.name,
                )
        shown = DateTimeFormat(get_format("DATETIME_FORMAT"))
        for record in page:
            record.shown_date = shown(timezone.template_localtime(record.history_date))
            record.version_url = version_url(record.pk)
            user = record.changed_by
            record.changed_by_url = user_url(user.pk) if user and user_url else None

    def get_historical_record_context_helper(self, request, historical_record):
        return ChangeDisplayHelper(self.model, historical_record)

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        # A record written without a user (by a command, say) may belong to a change set
        # that names one.
        queryset = super().get_history_queryset(request, history_manager, pk_name, object_id)
        return queryset.select_related("change_set__user")

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """Set each record's changes from the one before it, over every field its history
        keeps: simple-history diffs editable fields only, which left the review fields of a
        citation and the public state of a profile out (their rows showed no change)."""
        records = list(historical_records)
        if not records:
            return
        older = [*records[1:], self._record_after_page(historical_records)]
        helper = self.get_historical_record_context_helper(request, records[0])
        kinds = dict(records[0]._meta.get_field("history_type").flatchoices)
        for record, previous in zip(records, older, strict=True):
            self._label_from_selected_relations(record)
            change_set = getattr(record, "change_set", None)
            record.changed_by = record.history_user or getattr(change_set, "user", None)
            record.history_type_label = kinds.get(record.history_type, record.history_type)
            if previous is None:
                continue
            delta = self._delta(record, previous)
            helper.record = record
            record.history_delta_changes = helper.context_for_delta_changes(delta)

    @staticmethod
    def _delta(record, previous) -> ModelDelta:
        """What `record` changed from `previous`, over every field the history keeps, related
        objects as objects (simple-history's diff_against() reads editable fields only)."""

        def related(version, field):
            try:
                return getattr(version, field.name)
            except ObjectDoesNotExist:
                return f"#{getattr(version, field.attname)} (deleted)"

        changes = []
        for field in record.tracked_fields:
            old, new = getattr(previous, field.attname), getattr(record, field.attname)
            if old == new:
                continue
            if field.is_relation:
                old = related(previous, field) if old is not None else None
                new = related(record, field) if new is not None else None
            changes.append(ModelChange(field.name, old, new))
        return ModelDelta(changes, [change.field for change in changes], previous, record)

    @staticmethod
    def _record_after_page(page):
        if isinstance(page, UncountedPage):
            return page.next_row
        if not (hasattr(page, "has_next") and page.has_next()):
            return None
        index = page.end_index()
        return next(iter(page.paginator.object_list[index : index + 1]), None)

    @staticmethod
    def _label_from_selected_relations(record):
        # `history_object` builds a fresh instance on each access, without the related objects
        # select_related() fetched for the record; build one that has them, so its __str__
        # does not query, and let it shadow the (non-data) descriptor.
        instance = record.history_object
        for field in record._meta.concrete_fields:
            if field.is_relation and field.name != "history_user" and field.is_cached(record):
                related = getattr(record, field.name)
                if related is not None:
                    setattr(instance, field.name, related)
        record.history_object = instance


class PreloadedAutocompleteInline(OpenedVersionField):
    """Mixin for inlines whose autocomplete fields render without a query a row, and whose
    rows refuse to save over what someone else saved since the page was opened.

    The inline's get_queryset() must select_related() the autocomplete fields.
    """

    form = InlineForm
    formset = VersionedInlineFormSet
    formfield_overrides = {models.DateField: {"widget": AdminDateInput}}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = PreloadedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PositionedInline(PreloadedAutocompleteInline):
    """Mixin for inlines of children ordered by a position unique within their parent."""

    form = PositionedInlineForm
    formset = PositionedInlineFormSet
    extra = 1
    ordering = ["position"]

    @admin.display(description="")
    def edit_link(self, obj):
        if obj.pk is None:
            return ""
        return change_link(obj, f"Edit {obj._meta.verbose_name} →")
