"""The admin's change lists at full scale: a page costs the same whatever the number of rows
behind it, and little more than the admin's own frame.

Profiled on the citations list (83,000 rows, PostgreSQL: 42 ms a request), Django's change
list spent its time in places this module takes over for every HistoryAdmin:

- Counting: Django counts the filtered rows, then every row (`show_full_result_count`, which
  HistoryAdmin turns off); ChangeListPaginator takes an unfiltered table's size from
  PostgreSQL's statistics instead of counting it (3 ms of index scan at 83,000 rows), and
  counts an unfiltered table on other databases without the list's joins.
- Rendering the rows: `items_for_result` looks each column up again for every cell (the field,
  the empty value, the link by `reverse()`, number and date formats through the translation
  machinery), two fifths of the request; `results()` decides each column once a page and
  renders the same HTML. DateTimeFormat and url_maker() serve the History pages too.
- Paging a long history: UncountedPage reads a page and the row after it, uncounted.
"""

import datetime

from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    _boolean_icon,
    _coerce_field_name,
    items_for_result,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
)
from django.contrib.admin.views import main
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.core.paginator import EmptyPage, Paginator
from django.db import connections, models
from django.db.models.sql.datastructures import Join
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import dateformat, formats, timezone
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

# Below this many rows by the statistics a table is counted: counting is cheap there, and
# small tables' statistics may be missing or stale.
ESTIMATE_FROM = 10_000

# Stands for a primary key in an address reversed once for many keys.
PK_PLACEHOLDER = "0PK0PLACEHOLDER0"

# One query either way: the table's size from the statistics when they say it is large
# (scaled to the table's current number of pages, as PostgreSQL's planner does, so rows added
# since the last ANALYZE are counted in), else an exact count, an InitPlan that runs only
# when the CASE takes its branch.
ESTIMATE_SQL = """
SELECT CASE WHEN c.reltuples >= %(least)s AND c.relpages > 0
    THEN (c.reltuples / c.relpages
          * (pg_relation_size(c.oid) / current_setting('block_size')::integer))::bigint
    ELSE (SELECT COUNT(*) FROM {table}) END,
    c.reltuples >= %(least)s AND c.relpages > 0
FROM pg_class c WHERE c.oid = %(table)s::regclass
"""


def counts_whole_table(queryset) -> bool:
    """Return whether queryset.count() is the number of rows in its model's table: nothing
    filtered, made distinct or grouped, and joined (for an annotation) only along foreign
    keys, which neither drop nor repeat rows."""
    query = queryset.query
    opts = queryset.model._meta
    if (
        query.where
        or query.distinct
        or query.is_sliced
        or query.combinator
        or query.group_by
        or query.extra
        or query._filtered_relations
        or opts.proxy
        or opts.parents
    ):
        return False
    return all(
        join.join_field.concrete and (join.join_field.many_to_one or join.join_field.one_to_one)
        for join in query.alias_map.values()
        if isinstance(join, Join)
    )


class ChangeListPaginator(Paginator):
    """A paginator that takes an unfiltered PostgreSQL table's length from the statistics
    (`estimated` then says so), except when the page asked for lies in the table's second
    half, where it counts: the last page is then where the links say.

    A page number past the last page means the last page (an estimate may overshoot).
    """

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, page=1):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.asked_page = page
        self.estimated = False

    @cached_property
    def count(self):
        queryset = self.object_list
        if not counts_whole_table(queryset):
            return super().count
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            # The table's rows, without the joins the list's annotations bring (an exact
            # count of citations through their claims and sections took SQLite 9 ms).
            return models.QuerySet(queryset.model, using=queryset.db).count()
        table = connection.ops.quote_name(queryset.model._meta.db_table)
        least = max(ESTIMATE_FROM, 2 * self.asked_page * self.per_page)
        with connection.cursor() as cursor:
            cursor.execute(ESTIMATE_SQL.format(table=table), {"least": least, "table": table})
            count, self.estimated = cursor.fetchone()
        return count

    def validate_number(self, number):
        try:
            return super().validate_number(number)
        except EmptyPage:
            if int(number) > 1:  # an integer: Paginator refused it for its size only
                return self.num_pages
            raise


def asked_page(request) -> int:
    """Return the page number a change list's address asks for (1 when it names none)."""
    try:
        return max(int(request.GET.get(PAGE_VAR, 1)), 1)
    except ValueError:
        return 1  # Django's change list refuses it


class ChangeList(main.ChangeList):
    """Django's change list, where a page number past the end shows the last page,
    `result_count_estimated` says whether result_count is an estimate and `narrowed` whether
    a search or filter narrows the list."""

    def get_results(self, request):
        super().get_results(request)
        self.result_count_estimated = getattr(self.paginator, "estimated", False)
        # Searched or filtered (Django tells so by comparing with the full count).
        self.narrowed = self.queryset.query.where != self.root_queryset.query.where
        if self.multi_page and not self.show_all:
            self.page_num = min(self.page_num, self.paginator.num_pages)


class DateTimeFormat:
    """Format date-times in one format as django.utils.dateformat.format() does, for a page
    of them: the parts of the format that depend on the day alone are formatted once a day.

    dateformat.format() splits its format string anew for each value, and naming a month
    goes through the translation machinery: 15-30 µs a value in the site's format ("j F Y,
    H:i"), up to a millisecond and a half for a page of 50; 2 µs this way.
    """

    DAY = frozenset("bdDEFjlLmMnNoStwWyYz")

    def __init__(self, format_string):
        self.parts = []  # (format character or None, text)
        for index, piece in enumerate(dateformat.re_formatchars.split(str(format_string))):
            if index % 2:
                self.parts.append((piece, ""))
            elif piece:
                self.parts.append((None, dateformat.re_escaped.sub(r"\1", piece)))
        self.days = {}

    @property
    def of_day(self) -> bool:
        """Whether the format shows a day only (so that it formats dates, too)."""
        return all(char is None or char in self.DAY for char, _ in self.parts)

    def __call__(self, value: datetime.date) -> str:
        day = value.date() if isinstance(value, datetime.datetime) else value
        shown = []
        formatter = None
        for char, text in self.parts:
            if char is None:
                shown.append(text)
            elif char in self.DAY:
                try:
                    shown.append(self.days[day, char])
                except KeyError:
                    formatter = formatter or dateformat.DateFormat(value)
                    self.days[day, char] = part = str(getattr(formatter, char)())
                    shown.append(part)
            else:
                formatter = formatter or dateformat.DateFormat(value)
                shown.append(str(getattr(formatter, char)()))
        return "".join(shown)


class UncountedPage:
    """A page of a list paged without counting the list (a history of 10,000 records): the
    page's rows, and the row after them, which says whether there is a next page and which
    the page's last row may need, all in one query.

    A page past the end is empty; its links lead back.
    """

    def __init__(self, queryset, number: int, per_page: int):
        self.number = number
        self.per_page = per_page
        offset = (number - 1) * per_page
        rows = list(queryset[offset : offset + per_page + 1])
        self.object_list = rows[:per_page]
        self.next_row = rows[per_page] if len(rows) > per_page else None
        self.start_index = offset + 1 if self.object_list else offset
        self.end_index = offset + len(self.object_list)

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_next(self) -> bool:
        return self.next_row is not None

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def count(self) -> int | None:
        """The length of the whole list, when this page shows that it ends here."""
        return None if self.has_next() or not self.object_list else self.end_index


def url_maker(viewname: str, *, args=(), current_app: str = "admin"):
    """Return a function of an integer primary key that returns reverse(viewname,
    args=[*args, pk]) at a fraction of reverse()'s cost (20 µs; a millisecond for a column of
    50 links): the address around the key is reversed once."""
    path = reverse(viewname, args=[*args, PK_PLACEHOLDER], current_app=current_app)
    before, after = path.split(PK_PLACEHOLDER)
    return lambda pk: f"{before}{int(pk)}{after}"


_URL_MAKERS = {}


def url_with_pk(viewname: str, pk: int, *, current_app: str = "admin") -> str:
    """Return reverse(viewname, args=[pk]) for an integer pk, with url_maker() kept for each
    view, script prefix and URLconf."""
    key = (viewname, current_app, get_script_prefix(), get_urlconf())
    make = _URL_MAKERS.get(key)
    if make is None:
        make = _URL_MAKERS[key] = url_maker(viewname, current_app=current_app)
    return make(pk)


# Rows: Django's items_for_result, decided once a column.
#
# Private Django names used here (_get_non_gfk_field, _boolean_icon, _coerce_field_name) are
# those items_for_result itself uses; tests/history/test_changelist.py renders every admin's
# rows both ways and fails if the HTML differs.


class Column:
    """One column of a change list, and how its cells render."""

    def __init__(self, cl, name, index):
        model_admin = cl.model_admin
        self.name = name
        self.classes = [f"field-{_coerce_field_name(name, index)}"]
        self.empty = model_admin.get_empty_value_display()
        self.field = self.attr = self.choices = self.datetime_format = self.date_format = None
        self.boolean = False
        self.general = False  # lookup_field() for each cell, as Django does
        self.link = False  # set by RowRenderer
        self.cache = {}  # value -> its HTML, for values that render alike on every row
        try:
            if callable(name):
                raise FieldDoesNotExist
            self.field = _get_non_gfk_field(cl.lookup_opts, name)
        except FieldDoesNotExist:
            pass
        except Exception:  # FieldIsAForeignKeyColumnName and the like
            self.general = True
            return
        if self.field is not None:
            field = self.field
            if field.auto_created or field.many_to_many:
                self.general = True
                return
            if isinstance(field, (models.DateField, models.TimeField, models.ForeignKey)):
                self.classes.append("nowrap")
            if isinstance(field, models.DateTimeField):
                self.datetime_format = DateTimeFormat(formats.get_format("DATETIME_FORMAT"))
            elif isinstance(field, models.DateField):
                date_format = DateTimeFormat(formats.get_format("DATE_FORMAT"))
                self.date_format = date_format if date_format.of_day else None
            if getattr(field, "flatchoices", None):
                try:
                    self.choices = {value: str(label) for value, label in field.flatchoices}
                except TypeError:  # list-like choices: Django's path
                    self.general = True
            return
        if callable(name):
            attr = self.attr = name
        elif name != "__str__" and hasattr(model_admin, name):
            attr = self.attr = getattr(model_admin, name)
        elif name == "__str__":
            attr = self.attr = cl.model.__str__
        else:  # a model attribute, maybe a dotted path
            self.general = True
            attr = getattr(cl.model, name, None)
        if name == "action_checkbox":
            self.classes = ["action-checkbox"]
        self.empty = getattr(attr, "empty_value_display", self.empty)
        self.boolean = getattr(attr, "boolean", False)
        if isinstance(attr, property) and hasattr(attr, "fget"):
            self.boolean = getattr(attr.fget, "boolean", False)

    def cell(self, cl, obj) -> tuple[str, list[str]]:
        """Return the cell's HTML, escaped, and its classes."""
        if self.general:
            return self._general(cl, obj)
        if self.field is None:
            value = str(obj) if self.name == "__str__" else self.attr(obj)
            return self._value(value)
        field = self.field
        try:
            value = getattr(obj, field.name)
        except ObjectDoesNotExist:
            return self.empty, self.classes
        if field.is_relation:  # a foreign key: the related object, or the empty value
            return (self.empty if value is None else escape(value)), self.classes
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if self.choices is not None:
            return conditional_escape(self.choices.get(value, self.empty)), self.classes
        if isinstance(value, datetime.datetime) and self.datetime_format:
            shown = self.datetime_format(timezone.template_localtime(value))
            return escape(shown), self.classes
        if isinstance(value, datetime.date) and self.date_format:
            return escape(self.date_format(value)), self.classes
        if isinstance(
            field, (models.BooleanField, models.DateField, models.IntegerField, models.FloatField)
        ):
            return self._cached(value, field), self.classes
        return conditional_escape(
            display_for_field(value, field, self.empty, avoid_link=self.link)
        ), self.classes

    def _cached(self, value, field):
        try:
            return self.cache[value]
        except KeyError:
            shown = conditional_escape(display_for_field(value, field, self.empty))
            self.cache[value] = shown
            return shown

    def _value(self, value):
        """Render what an admin method returned, as display_for_value() would."""
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if self.boolean:
            return _boolean_icon(value), self.classes
        if isinstance(value, str):  # safe or not
            return (conditional_escape(value) if value else self.empty), self.classes
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                return self.cache[value], self.classes
            except KeyError:
                shown = self.cache[value] = conditional_escape(display_for_value(value, self.empty))
                return shown, self.classes
        classes = self.classes
        if isinstance(value, (datetime.date, datetime.time)):
            classes = [*classes, "nowrap"]
        return conditional_escape(display_for_value(value, self.empty)), classes

    def _general(self, cl, obj):
        """items_for_result's own steps, for columns the fast paths do not cover."""
        classes = self.classes
        try:
            field, attr, value = lookup_field(self.name, obj, cl.model_admin)
        except ObjectDoesNotExist:
            return self.empty, classes
        empty = getattr(attr, "empty_value_display", self.empty)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if field is None or field.auto_created:
            boolean = getattr(attr, "boolean", False)
            if isinstance(attr, property) and hasattr(attr, "fget"):
                boolean = getattr(attr.fget, "boolean", False)
            shown = display_for_value(value, empty, boolean)
            if isinstance(value, (datetime.date, datetime.time)):
                classes = [*classes, "nowrap"]
        elif isinstance(field.remote_field, models.ManyToOneRel):
            related = getattr(obj, field.name)
            shown = empty if related is None else related
        else:
            shown = display_for_field(value, field, empty, avoid_link=self.link)
        return conditional_escape(shown), classes


class RowRenderer:
    """Render the rows of a change list's page as Django's items_for_result would."""

    def __init__(self, cl):
        from history.admin import HistoryAdmin

        self.cl = cl
        self.columns = [Column(cl, name, index) for index, name in enumerate(cl.list_display)]
        links = cl.list_display_links
        first = True
        for column in self.columns:
            column.link = links is not None and ((first and not links) or column.name in links)
            first = first and not column.link
        # HistoryAdmin's checkbox, with its label translated once a page, not once a row.
        self.checkbox = type(cl.model_admin).action_checkbox is HistoryAdmin.action_checkbox
        self.checkbox_label = gettext("Select this object for an action - {}")
        self.url = self._url_around_pk()

    def _url_around_pk(self) -> tuple[str, str] | None:
        """Return the change page's address before and after the primary key, with the list's
        filters kept, escaped; None when the change page has no address."""
        cl = self.cl
        opts = cl.opts
        try:
            path = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change",
                args=(PK_PLACEHOLDER,),
                current_app=cl.model_admin.admin_site.name,
            )
        except NoReverseMatch:
            return None
        url = self._preserving_filters(path)
        before, after = path.split(PK_PLACEHOLDER)
        return escape(before), escape(after + url[len(path) :])

    def _preserving_filters(self, url):
        context = {"preserved_filters": self.cl.preserved_filters, "opts": self.cl.opts}
        return add_preserved_filters(context, url)

    def row(self, obj) -> str:
        cells = []
        first = True
        for column in self.columns:
            if column.name == "action_checkbox" and self.checkbox:
                html, classes = self._checkbox(obj), column.classes
            else:
                html, classes = column.cell(self.cl, obj)
            class_attr = " ".join(classes)
            if not column.link:
                cells.append(f'<td class="{class_attr}">{html}</td>')
                continue
            tag = "th" if first else "td"
            first = False
            if self.url is not None:
                html = f'<a href="{self._href(obj)}">{html}</a>'
            cells.append(f'<{tag} class="{class_attr}">{html}</{tag}>')
        return mark_safe("".join(cells))  # every cell is escaped above

    def _href(self, obj):
        pk = getattr(obj, self.cl.pk_attname)
        if isinstance(pk, int):
            return f"{self.url[0]}{pk}{self.url[1]}"
        return escape(self._preserving_filters(self.cl.url_for_result(obj)))

    def _checkbox(self, obj):
        label = self.checkbox_label.format(escape(obj))
        return (
            f'<input type="checkbox" name="_selected_action" value="{escape(obj.pk)}" '
            f'class="action-select" aria-label="{label}">'
        )


def results(cl):
    """Yield each row of the change list's page: a list holding the row's HTML."""
    if cl.formset or cl.is_popup:
        # Editable rows, and pop-up choosers (whose links carry the row's key for the
        # opener): Django's own rendering.
        forms = cl.formset.forms if cl.formset else [None] * len(cl.result_list)
        for obj, form in zip(cl.result_list, forms, strict=True):
            yield ResultList(form, items_for_result(cl, obj, form))
        return
    renderer = RowRenderer(cl)
    for obj in cl.result_list:
        yield ResultList(None, [renderer.row(obj)])
