"""The one-page editor's document as HTML: the sections, their paragraphs, each claim with its
text box, footnotes and buttons (profiles/editor.py holds the draft it shows), and the links
to each claim's and footnote's comment threads with their open counts (citations/comments.py).

Written in Python rather than with template includes: the largest profile has 300 claims and
340 footnotes, and their markup through the template engine took ~130 ms a page against ~2 ms
here. What is the same for every claim is written once (the badges, the claim form's
address); the rest is joined from f-strings, every value from the database escaped with
html.escape (Django's escape() is the same function behind a lazy-string wrapper that costs
more than the escaping, called ~1,300 times a page).

The markup is lean: one hidden field per claim carries where it stands (ClaimRow.state()),
buttons take their look from their group (static/monitor/editor.css) rather than a class
each, and carry no address of their own: when the page comes back, the browser scrolls to
the element that has the focus (`autofocus`: what the button added, or the button pressed,
EditorDraft.apply()), without JavaScript.
"""

from __future__ import annotations

from html import escape

from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.safestring import mark_safe

from citations.comments import profile_thread_counts
from citations.models import ReviewState
from profiles.editor import ClaimRow, EditorDraft, FootnoteRow, HeadingRow

CLAIM_PLACEHOLDER = (
    ' placeholder="Write the new claim: one or two sentences, ending where its footnote marker'
    ' stands."'
)
FOOTNOTE_PLACEHOLDER = (
    ' placeholder="Write the footnote as readers see it: who, what, date, pages."'
)
BADGES = {
    state: f'<span class="review-badge review-badge--{state}">{escape(str(label))}</span>'
    for state, label in ReviewState.choices
}
FOOTNOTE_UNDO = {"footnote-delete", "footnote-restore"}
NEW_FOOTNOTE = '<span class="editor-footnote__review">New footnote</span>'
REVIEW_NOTE_LENGTH = 140
# A placeholder for the claim's key in its form's address, reversed once a page.
KEY_SLOT = "0000000000"
# Where the page's template shows the document (see add_document()).
DOCUMENT_SLOT = mark_safe("<!-- the editor's document -->")


def editor_document(draft: EditorDraft, *, can_edit: bool) -> str:
    """Return the draft's sections as HTML: text boxes and buttons for those who may edit
    (`can_edit`), the text to read for the others."""
    return _Document(draft, can_edit=can_edit).html()


def add_document(response: TemplateResponse, draft: EditorDraft, *, can_edit: bool) -> None:
    """Put the draft's document into `response`, where its template shows DOCUMENT_SLOT.

    The document of a long profile is ~700 KB: passed through the template as a variable it
    is copied at every block it is nested in (~1.5 ms for the largest profile); put into the
    rendered page it is encoded and copied once.
    """
    document = editor_document(draft, can_edit=can_edit).encode(response.charset)
    slot = DOCUMENT_SLOT.encode(response.charset)

    def put(rendered: TemplateResponse) -> None:
        rendered.content = rendered.content.replace(slot, document, 1)

    response.add_post_render_callback(put)


class _Document:
    def __init__(self, draft: EditorDraft, *, can_edit: bool):
        self.draft = draft
        self.can_edit = can_edit
        claim_url = reverse("admin:profiles_claim_change", args=[KEY_SLOT])
        self.claim_url = claim_url.split(KEY_SLOT)
        # Comment threads (citations/comments.py): counted in one query for the page; each
        # claim and footnote links to its threads, whose page comes back here, to it (its
        # default: the link names no page to go back to, which kept each claim's markup small).
        self.threads = profile_thread_counts(draft.profile.pk)
        self.claim_comments = reverse("citations:claim_comments", args=[KEY_SLOT]).split(KEY_SLOT)
        self.footnote_comments = reverse("citations:footnote_comments", args=[KEY_SLOT]).split(
            KEY_SLOT
        )
        self.pressed = draft.pressed
        self.pressed_key = draft.pressed.partition(":")[2]
        self.first = draft.rows[0] if draft.rows else None
        self.last = draft.rows[-1] if draft.rows else None
        self.out: list[str] = []

    def html(self) -> str:
        out = self.out
        if self.can_edit:
            out.append(f'<input type="hidden" name="next_new" value="{self.draft.next_new}">')
            for section in self.draft.sections:
                opened = escape(self.draft.opened.get(section.pk, ""))
                out.append(f'<input type="hidden" name="opened-{section.pk}" value="{opened}">')
        out.append(_threads_total(self.threads.open))
        rows: dict[int, list[ClaimRow]] = {section.pk: [] for section in self.draft.sections}
        for row in self.draft.rows:
            rows[row.section_id].append(row)
        for section in self.draft.sections:
            self.section(section, rows[section.pk])
        # Every value is escaped as it is written.
        return "".join(out)

    # Sections and paragraphs ----------------------------------------------------------------

    def section(self, section, rows: list[ClaimRow]) -> None:
        out = self.out
        pk = section.pk
        title = escape(section.heading or section.get_kind_display())
        heading = self.draft.headings.get(pk) if self.can_edit else None
        tag = "h3" if section.level == 2 else "h2"
        hidden = " visually-hidden" if heading else ""
        out.append(
            f'<section class="editor-section editor-section--{escape(section.kind)}"'
            f' id="section-{pk}" aria-labelledby="section-{pk}-title">'
            f'<{tag} class="editor-heading{hidden}" id="section-{pk}-title">{title}</{tag}>'
        )
        if heading:
            self.heading(section, heading)
        if not rows:
            out.append('<p class="editor-empty">No text in this section yet.</p>')
            if self.can_edit:
                out.append(
                    f'<div class="editor-paragraph-tools"><button name="op"'
                    f' value="paragraph-end:{pk}">+ Paragraph</button></div>'
                )
        paragraphs: list[list[ClaimRow]] = []
        for row in rows:
            if not paragraphs or paragraphs[-1][0].paragraph != row.paragraph:
                paragraphs.append([])
            paragraphs[-1].append(row)
        for index, paragraph in enumerate(paragraphs):
            out.append(
                f'<div class="editor-paragraph" role="group"'
                f' aria-label="Paragraph {paragraph[0].paragraph} of {title}">'
            )
            if self.can_edit and index == 0:
                key = paragraph[0].key
                out.append(
                    f'<div class="editor-paragraph-tools"><button name="op"'
                    f' value="paragraph-before:{key}">+ Paragraph before</button></div>'
                )
            if self.can_edit:
                for row in paragraph:
                    self.claim(row)
                key = paragraph[-1].key
                out.append(
                    f'<div class="editor-paragraph-tools"><button name="op"'
                    f' value="paragraph-after:{key}">+ Paragraph after</button></div>'
                )
            else:
                for row in paragraph:
                    self.claim_to_read(row)
            out.append("</div>")
        out.append("</section>")

    def heading(self, section, heading: HeadingRow) -> None:
        pk = section.pk
        sub = section.level == 2
        problem = " has-problem" if heading.error or heading.conflict else ""
        out = self.out
        out.append(
            f'<div class="editor-heading-field{" editor-heading-field--sub" if sub else ""}'
            f'{problem}">'
        )
        if heading.conflict:
            out.append(f'<div class="editor-error" role="alert">{heading.conflict}</div>')
        invalid = ""
        if heading.error:
            out.append(
                f'<p class="editor-error" id="section-{pk}-heading-error">'
                f"{escape(heading.error)}</p>"
            )
            invalid = f' aria-invalid="true" aria-describedby="section-{pk}-heading-error"'
        version = "" if heading.version is None else heading.version
        out.append(
            f'<label for="section-{pk}-heading">{"Sub-heading" if sub else "Heading"}</label>'
            f'<input type="text" class="editor-text editor-text--heading"'
            f' id="section-{pk}-heading" name="s-{pk}-heading" value="{escape(heading.text)}"'
            f' maxlength="300"{invalid}>'
            f'<input type="hidden" name="s-{pk}-version" value="{version}"></div>'
        )

    # Claims -----------------------------------------------------------------------------------

    def claim(self, row: ClaimRow) -> None:
        """Write a claim to edit: its text box, its buttons and its footnotes."""
        out = self.out
        key = row.key
        up = down = delete = restore = add = ""  # " autofocus" on the button pressed last
        if key == self.pressed_key:
            up, down, delete, restore, add = (
                " autofocus" if self.pressed == f"{op}:{key}" else ""
                for op in ("up", "down", "delete", "restore", "footnote-add")
            )
        is_new = row.is_new
        classes = "editor-claim"
        if row.deleted:
            classes += " is-deleted"
        if is_new:
            classes += " is-new"
        if row.errors or row.conflict:
            classes += " has-problem"
        out.append(
            f'<div class="{classes}" id="claim-{key}" data-claim>'
            f'<div class="editor-claim__main"><input type="hidden" name="claim"'
            f' value="{row.state()}">'
        )
        if row.errors or row.conflict:
            self.problems(row.conflict, row.errors, f"claim-{key}-error")
        label = "New claim" if is_new else "Claim"
        numbers = [f"[{f.number}]" for f in row.footnotes if f.number]
        if numbers:
            label += f" with footnote{'s' if len(numbers) > 1 else ''} {''.join(numbers)}"
        extra = ""
        if row.deleted:
            extra += " readonly"
        if row.focus:
            extra += " autofocus"
        if row.errors:
            extra += f' aria-invalid="true" aria-describedby="claim-{key}-error"'
        if is_new:
            extra += CLAIM_PLACEHOLDER
        out.append(
            f'<textarea id="claim-{key}-text" name="c-{key}-text" rows="{row.rows}"'
            f' aria-label="{label}"{extra}>\n{escape(row.text)}</textarea>'
        )
        if row.deleted:
            out.append(
                '<p class="editor-note">Deleted when you save'
                f"{_with_footnotes(len(row.footnotes))}.</p>"
                '<div class="editor-tools" role="group" aria-label="Claim tools">'
                f'<button name="op" value="restore:{key}"{restore}>Undo delete</button> '
            )
        else:
            if row is self.first:
                up = " disabled"
            if row is self.last:
                down = " disabled"
            out.append(
                '<div class="editor-tools" role="group" aria-label="Claim tools">'
                f'<button name="op" value="up:{key}" data-move="up"{up}>↑ Up'
                '<span class="visually-hidden"> (move this claim)</span></button> '
                f'<button name="op" value="down:{key}" data-move="down"{down}>↓ Down'
                '<span class="visually-hidden"> (move this claim)</span></button> '
                f'<button name="op" value="insert-before:{key}">+ Claim before</button> '
                f'<button name="op" value="insert-after:{key}">+ Claim after</button> '
                f'<button name="op" value="delete:{key}" class="editor-tool--delete"{delete}>'
                "Delete</button> "
            )
        if row.claim is not None and not is_new:
            # Its form comes back here, to this claim, when saved (ClaimAdmin).
            before, after = self.claim_url
            out.append(
                f'<a href="{before}{key}{after}">Footnotes and sources →'
                '<span class="visually-hidden"> (the claim\'s full form)</span></a> '
            )
            out.append(self.claim_threads(row))
        out.append('</div></div><div class="editor-claim__notes">')
        for footnote in row.footnotes:
            self.footnote(row, footnote)
        if not row.footnotes:
            out.append(_no_footnote(row))
        if not row.deleted:
            out.append(
                f'<div class="editor-tools"><button name="op" value="footnote-add:{key}"{add}>'
                '+ Footnote<span class="visually-hidden"> (to this claim)</span></button></div>'
            )
        if row.asks_citation:
            checked = " checked" if row.no_citation_needed else ""
            out.append(
                f'<label class="editor-check"><input type="checkbox"'
                f' name="c-{key}-no_citation_needed"{checked}> No citation needed</label>'
            )
        out.append("</div></div>")

    def footnote(self, row: ClaimRow, footnote: FootnoteRow) -> None:
        out = self.out
        key = footnote.key
        is_new = footnote.pk is None
        classes = "editor-footnote"
        if footnote.deleted:
            classes += " is-deleted"
        if is_new:
            classes += " is-new"
        out.append(f'<div class="{classes}" id="footnote-{key}">{_footnote_head(footnote)}')
        if footnote.conflict or footnote.error:
            errors = [footnote.error] if footnote.error else []
            self.problems(footnote.conflict, errors, f"footnote-{key}-error")
        text = escape(footnote.text)
        if row.deleted or footnote.deleted:
            out.append(
                f'<input type="hidden" name="f-{key}-text" value="{text}">'
                f'<p class="editor-reading editor-reading--footnote">{text}</p>'
            )
        else:
            extra = ""
            if footnote.focus:
                extra += " autofocus"
            if footnote.error:
                extra += f' aria-invalid="true" aria-describedby="footnote-{key}-error"'
            if is_new:
                extra += FOOTNOTE_PLACEHOLDER
            label = "New footnote" if is_new else "Footnote"
            out.append(
                f'<textarea id="footnote-{key}-text" name="f-{key}-text" rows="{footnote.rows}"'
                f' aria-label="{label} [{footnote.number}]"{extra}>\n{text}</textarea>'
            )
        if footnote.deleted:
            out.append('<p class="editor-note">Removed when you save, with its source links.</p>')
        if not row.deleted:
            focus = ""
            if key == self.pressed_key and self.pressed.partition(":")[0] in FOOTNOTE_UNDO:
                focus = " autofocus"
            if footnote.deleted:
                button = f'value="footnote-restore:{key}"{focus}>Undo remove'
            else:
                button = (
                    f'value="footnote-delete:{key}" class="editor-tool--delete"{focus}>Remove'
                    '<span class="visually-hidden"> (this footnote)</span>'
                )
            out.append(
                f'<div class="editor-tools"><button name="op" {button}</button>'
                f"{self.footnote_threads(footnote)}</div>"
            )
        elif not is_new:
            out.append(f'<div class="editor-tools">{self.footnote_threads(footnote)}</div>')
        out.append("</div>")

    def problems(self, conflict: str, errors: list[str], error_id: str) -> None:
        """Write what others changed (`conflict`, HTML) and what is wrong (`errors`); the
        first error carries `error_id`, which the text box points to."""
        if conflict:
            self.out.append(f'<div class="editor-error" role="alert">{conflict}</div>')
        for index, error in enumerate(errors):
            id_attribute = f' id="{error_id}"' if index == 0 and error_id else ""
            self.out.append(f'<p class="editor-error"{id_attribute}>{escape(error)}</p>')

    def claim_to_read(self, row: ClaimRow) -> None:
        """Write a claim for those who may only read: its text and footnotes."""
        out = self.out
        markers = "".join(f"<sup>[{footnote.number}]</sup>" for footnote in row.footnotes)
        out.append(
            f'<div class="editor-claim" id="claim-{row.key}" data-claim>'
            f'<div class="editor-claim__main"><p class="editor-reading">{escape(row.text)}'
            f'{markers}</p><div class="editor-tools">{self.claim_threads(row)}</div></div>'
            '<div class="editor-claim__notes">'
        )
        for footnote in row.footnotes:
            out.append(
                f'<div class="editor-footnote" id="footnote-{footnote.key}">'
                f"{_footnote_head(footnote)}"
                f'<p class="editor-reading editor-reading--footnote">{escape(footnote.text)}</p>'
                f'<div class="editor-tools">{self.footnote_threads(footnote)}</div></div>'
            )
        if not row.footnotes:
            out.append(_no_footnote(row))
        out.append("</div></div>")

    def claim_threads(self, row: ClaimRow) -> str:
        """The link to a stored claim's comment threads, with its open ones counted."""
        if row.pk is None:
            return ""
        before, after = self.claim_comments
        url = f"{before}{row.pk}{after}"
        return _threads_link(url, self.threads.claim(row.pk), "claim")

    def footnote_threads(self, footnote: FootnoteRow) -> str:
        """The link to a stored footnote's comment threads, with its open ones counted."""
        if footnote.pk is None:
            return ""
        before, after = self.footnote_comments
        url = f"{before}{footnote.pk}{after}"
        return _threads_link(url, self.threads.footnote(footnote.pk), "footnote")


def _threads_link(url: str, counts: tuple[int, int], what: str) -> str:
    """A claim's or footnote's comments control: "Comments (2 open)", "Comments (1 resolved)"
    or "Start a thread"; the page it links to works without JavaScript, comments.js opens
    it in place."""
    open_threads, threads = counts
    if open_threads:
        label = (
            f'Comments <span class="comment-badge">{open_threads} open</span>'
            f'<span class="visually-hidden"> on this {what}</span>'
        )
        return f'<a class="comment-link has-open" href="{url}">{label}</a>'
    if threads:
        label = (
            f'Comments <span class="comment-count">({threads} resolved)</span>'
            f'<span class="visually-hidden"> on this {what}</span>'
        )
    else:
        label = f'Start a thread<span class="visually-hidden"> on this {what}</span>'
    return f'<a class="comment-link" href="{url}">{label}</a>'


def _threads_total(open_threads: int) -> str:
    if not open_threads:
        text = "No open comment threads."
    else:
        text = (
            f'<span class="comment-badge">{open_threads}</span> open comment'
            f" thread{'s' if open_threads != 1 else ''}"
        )
    return f'<p class="editor-comments-total" id="editor-comments-total">{text}</p>'


def _footnote_head(footnote: FootnoteRow) -> str:
    number = f"[{footnote.number}]" if footnote.number else "Footnote"
    badge = NEW_FOOTNOTE if footnote.is_new else BADGES[footnote.review_state]
    review = ""
    citation = footnote.citation
    if citation is not None and citation.review_note:
        who = f"{citation.reviewed_by}: " if citation.reviewed_by else ""
        note = citation.review_note
        if len(note) > REVIEW_NOTE_LENGTH:
            note = f"{note[: REVIEW_NOTE_LENGTH - 1]}…"
        review = f'<span class="editor-footnote__review">{escape(who)}{escape(note)}</span>'
    return (
        f'<p class="editor-footnote__head"><span class="editor-footnote__number">{number}'
        f"</span> {badge} {review}</p>"
    )


def _no_footnote(row: ClaimRow) -> str:
    if row.is_new:
        return '<p class="editor-note">New claim: no footnote yet.</p>'
    if row.no_citation_needed:
        return '<p class="editor-note">No citation needed.</p>'
    return (
        '<p class="editor-note editor-note--unsourced"><span class="review-badge'
        ' review-badge--unsourced">Unsourced</span> No footnote backs this claim.</p>'
    )


def _with_footnotes(count: int) -> str:
    if not count:
        return ""
    return f", with its footnote{'s' if count > 1 else ''}"
