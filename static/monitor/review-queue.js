// Review queue (/admin/review/) and disputes (/admin/review/disputes/). A file rather than an
// inline script: the Content Security Policy allows no inline script. The pages work without
// it; this only helps:
// - counts too slow to take with the page (a selection wider than a profile, a country or a
//   source) are loaded after it, in place of the link that asks for them;
// - "Select all on this page" ticks or clears every row's box;
// - a row that refused a review (a dispute without a note) gets its note field focused, in
//   view with its error; after a review, the next row's note field is focused, so that a
//   keyboard user carries on where they are. (Browsers skip `autofocus` on a page opened at
//   an anchor, which is how the queue comes back after each review.)
"use strict";

async function loadCounts(counts) {
  counts.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(counts.dataset.counts, { headers: { Accept: "text/html" } });
    if (!response.ok) {
      throw new Error(`${response.status} ${response.statusText}`);
    }
    // The counts are the admin's own HTML, escaped by its templates, from this origin.
    counts.outerHTML = await response.text();
  } catch {
    // The link that asks for the page with its counts stays.
    counts.removeAttribute("aria-busy");
  }
}

const uncounted = document.querySelector("#review-counts[data-counts]");
if (uncounted) {
  loadCounts(uncounted);
}

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
