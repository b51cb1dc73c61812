// Review queue (/admin/review/): "Select all on this page" ticks or clears every row's box.
// A file rather than an inline script: the Content Security Policy allows no inline script.
"use strict";

document.getElementById("select-all")?.addEventListener("change", (event) => {
  for (const box of document.querySelectorAll(".select-citation")) {
    box.checked = event.target.checked;
  }
});
