// Review queue (/admin/review/). A file rather than an inline script: the Content Security
// Policy allows no inline script. The queue works without it; this only helps:
// - "Select all on this page" ticks or clears every row's box;
// - a row that refused a review (a dispute without a note) gets its note field focused, in
//   view with its error; after a review, the next row's note field is focused, so that a
//   keyboard user carries on where they are. (Browsers skip `autofocus` on a page opened at
//   an anchor, which is how the queue comes back after each review.)
"use strict";

document.getElementById("select-all")?.addEventListener("change", (event) => {
  for (const box of document.querySelectorAll(".select-citation")) {
    box.checked = event.target.checked;
  }
});

function focusNote(row) {
  const note = row?.querySelector(".review-form textarea");
  if (!note) {
    return;
  }
  note.focus({ preventScroll: true });
  const box = note.getBoundingClientRect();
  if (box.top < 0 || box.bottom > window.innerHeight) {
    // A stacked row can be taller than the window: bring the error and the field into view.
    (row.querySelector(".review-error") || note).scrollIntoView({ block: "center" });
  }
}

function focusRow() {
  const refused = document.querySelector(".review-row--error");
  if (refused) {
    focusNote(refused);
    return;
  }
  const target = window.location.hash.match(/^#citation-[0-9]+$/)
    ? document.getElementById(window.location.hash.slice(1))
    : null;
  if (target?.classList.contains("review-row")) {
    focusNote(target);
  }
}

// After the browser has scrolled to the anchor, so as not to undo its scroll.
window.addEventListener("load", () => requestAnimationFrame(focusRow));
