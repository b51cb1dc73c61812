// A profile's timeline (/admin/profiles/profile/<id>/timeline/). A file rather than an inline
// script: the Content Security Policy allows no inline script. The timeline works without it:
// each entry's details hold a link to the change set's records, field by field, on a page of
// their own. With it, opening the details loads those records into them instead, once.
"use strict";

async function loadRecords(body) {
  const address = body.dataset.fragment;
  delete body.dataset.fragment; // load once, even if the entry is closed and opened again
  body.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(address, { headers: { Accept: "text/html" } });
    if (!response.ok) {
      throw new Error(`${response.status} ${response.statusText}`);
    }
    // The fragment is the admin's own HTML, escaped by its templates, from this origin.
    body.innerHTML = await response.text();
  } catch {
    // The link to the records' own page stays: it shows the same records.
    body.dataset.fragment = address;
  } finally {
    body.removeAttribute("aria-busy");
  }
}

for (const details of document.querySelectorAll(".change-set__records")) {
  details.addEventListener("toggle", () => {
    const body = details.querySelector(".change-set__records-body[data-fragment]");
    if (details.open && body) {
      loadRecords(body);
    }
  });
}
