"""Tell an editor what their save did beyond what they typed.

A save can change rows the editor never touched: changing a footnote's text sends its review
back to the fact-checkers. The app that makes such a knock-on change says so by connecting a
receiver to `save_reported`; it is sent with the id of the change set the save wrote, and
each receiver returns the messages to add, as (level, text) pairs (an empty list when its
rows were not touched). History knows no domain app: the messages come from theirs.

Every page that saves for an editor calls add_save_messages(request) once the save is done,
after its own success message: HistoryAdmin does for the admin's change forms and reverts;
a custom page (edit as text, the one-page editor) does the same after its save.
"""

from django.contrib import messages
from django.dispatch import Signal

from history.changesets import open_change_set_id

# Sent with `change_set_id`; receivers return a list of (message level, text).
save_reported = Signal()


def add_save_messages(request, *, change_set_id: int | None = None) -> None:
    """Add the messages apps have about the change set just saved (by default, the one the
    current request is writing) to the request's messages."""
    if change_set_id is None:
        change_set_id = open_change_set_id()
    if change_set_id is None:
        return  # nothing was written
    for _receiver, reported in save_reported.send(sender=None, change_set_id=change_set_id):
        for level, text in reported or ():
            messages.add_message(request, level, text)
