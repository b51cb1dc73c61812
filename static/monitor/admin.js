// Monitor's additions to every admin page (templates/admin/base_site.html).
"use strict";

// Autocomplete boxes (select2) show a combobox of their own that takes no name from the
// <select> it stands for; give it that select's label, for screen readers.
(function () {
  function nameComboboxes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var container = select.nextElementSibling;
      var combobox = container && container.querySelector(".select2-selection[role=combobox]");
      if (!combobox || combobox.hasAttribute("aria-label")) {
        return;
      }
      var label = select.getAttribute("aria-label") ||
        (select.id && document.querySelector("label[for='" + select.id + "']")?.textContent) || "";
      if (label) {
        label = label.replace(/:\s*$/, "").trim();
        combobox.setAttribute("aria-label", label);
        combobox.querySelectorAll("[role=textbox]").forEach(function (box) {
          box.setAttribute("aria-label", label);
        });
      }
    });
  }
  function start() {
    nameComboboxes(document);
    new MutationObserver(function () { nameComboboxes(document); })
      .observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
