"""Pair the items of an old list with those of a new one, as a reader of both would.

The importer pairs a profile's stored rows with the rows of the file being imported, so that
an unchanged claim keeps its identity and history; the comparison of two editions pairs
sections, paragraphs and footnotes to show what changed. Both use `align`.
"""

from __future__ import annotations

import difflib
from enum import Enum


class Edits(Enum):
    """How the items left unpaired in a changed stretch are paired, if at all."""

    NONE = "none"  # left unpaired: removed and added
    IN_ORDER = "in order"  # paired in order, as far as both sides go: each one edited
    SIMILAR = "similar"  # each pairs with the most similar text left, in order


# Two texts that share at least this share of their words are one text, edited; below it they
# are one text removed and another added.
SIMILARITY = 0.5


def align(old: list, new: list, *, edits: Edits = Edits.NONE) -> list[tuple]:
    """Pair two lists of keys; return (old index, new index, in place) in reading order.

    Equal keys pair as in a diff (in place); then equal keys that moved; then the keys left in
    each changed stretch pair as `edits` says (in place). Unpaired items have None on one side;
    a removed item comes before the new items of its stretch.
    """
    opcodes = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    pairs: dict[int, tuple[int, bool]] = {}  # new index -> (old index, in place)
    for tag, old_start, old_end, new_start, _new_end in opcodes:
        if tag == "equal":
            for offset in range(old_end - old_start):
                pairs[new_start + offset] = (old_start + offset, True)

    unpaired: dict = {}
    for tag, old_start, old_end, _new_start, _new_end in opcodes:
        if tag != "equal":
            for index in range(old_start, old_end):
                unpaired.setdefault(old[index], []).append(index)
    for tag, _old_start, _old_end, new_start, new_end in opcodes:
        if tag != "equal":
            for index in range(new_start, new_end):
                if unpaired.get(new[index]):
                    pairs[index] = (unpaired[new[index]].pop(0), False)

    if edits is not Edits.NONE:
        used = {old_index for old_index, _in_place in pairs.values()}
        for tag, old_start, old_end, new_start, new_end in opcodes:
            if tag != "replace":
                continue
            candidates = [index for index in range(old_start, old_end) if index not in used]
            for new_index in range(new_start, new_end):
                if new_index in pairs or not candidates:
                    continue
                if edits is Edits.IN_ORDER:
                    best = 0
                else:
                    best = _most_similar(new[new_index], [old[index] for index in candidates])
                    if best is None:
                        continue
                pairs[new_index] = (candidates[best], True)
                used.add(candidates[best])
                # Keep pairs in order: later items pair only with later old items.
                candidates = candidates[best + 1 :]

    used = {old_index for old_index, _in_place in pairs.values()}
    result = []
    for _tag, old_start, old_end, new_start, new_end in opcodes:
        result += [(index, None, False) for index in range(old_start, old_end) if index not in used]
        for index in range(new_start, new_end):
            old_index, in_place = pairs.get(index, (None, False))
            result.append((old_index, index, in_place))
    return result


def _most_similar(text: str, candidates: list[str]) -> int | None:
    """Return the index of the candidate most like `text`, if any is similar enough."""
    words = text.split()
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(words)
    best, best_ratio = None, 0.0
    for index, candidate in enumerate(candidates):
        matcher.set_seq1(candidate.split())
        # The quick ratios are upper bounds of ratio(): skip the hopeless candidates cheaply.
        wanted = max(SIMILARITY, best_ratio + 1e-9)
        if (
            matcher.real_quick_ratio() >= wanted
            and matcher.quick_ratio() >= wanted
            and (ratio := matcher.ratio()) >= wanted
        ):
            best, best_ratio = index, ratio
    return best
