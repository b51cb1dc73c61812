// The one-page profile editor (templates/admin/profiles/profile/editor.html). The page works
// without this file: every button is a submit button and the server sizes each text box.
// This adds: text boxes that grow as you type (where CSS field-sizing is missing), Ctrl+S
// to save, Alt+Up/Down to move the claim you are in, the scroll position kept across a
// button's round trip, and a warning before leaving with unsaved changes.
// A file rather than an inline script: the Content Security Policy allows no inline script.
"use strict";

(() => {
  const form = document.getElementById("profile-editor");
  document.documentElement.classList.add("editor-has-js");
  if (!form) return;

  // Auto-grow, for browsers without `field-sizing: content`.
  const sizesItself = window.CSS && CSS.supports && CSS.supports("field-sizing", "content");
  const grow = (box) => {
    box.style.height = "auto";
    box.style.height = `${box.scrollHeight + 2}px`;
  };
  if (!sizesItself) {
    for (const box of form.querySelectorAll(".editor-document textarea")) grow(box);
    form.addEventListener("input", (event) => {
      if (event.target.matches(".editor-document textarea")) grow(event.target);
    });
  }

  // Keep the claim a button acted on where it was on the screen after the page comes back.
  const KEY = `editor-scroll:${location.pathname}`;
  let submitting = false;
  form.addEventListener("submit", (event) => {
    submitting = true;
    const button = event.submitter;
    const claim = button && button.closest("[data-claim], .editor-section");
    const saved = { y: window.scrollY };
    if (claim && button.value !== "save") {
      saved.id = claim.id;
      saved.top = claim.getBoundingClientRect().top;
    }
    try {
      sessionStorage.setItem(KEY, JSON.stringify(saved));
    } catch {
      // Storage may be off: the browser still scrolls to the element the page focuses.
    }
  });
  let restored = null;
  try {
    restored = JSON.parse(sessionStorage.getItem(KEY) || "null");
    sessionStorage.removeItem(KEY);
  } catch {
    restored = null;
  }
  if (restored && restored.id) {
    const target = document.getElementById(restored.id);
    if (target) {
      requestAnimationFrame(() => {
        window.scrollBy(0, target.getBoundingClientRect().top - restored.top);
      });
    }
  }

  // Keys: Ctrl/Cmd+S saves; Alt+Up/Down moves the claim whose text box has the focus.
  form.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      form.requestSubmit(form.querySelector("[data-editor-save]"));
      return;
    }
    if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      const claim = event.target.closest("[data-claim]");
      const move = claim?.querySelector(`[data-move="${event.key === "ArrowUp" ? "up" : "down"}"]`);
      if (move && !move.disabled) {
        event.preventDefault();
        form.requestSubmit(move);
      }
      return;
    }
    // A claim is part of a paragraph's line: Enter would put a line break in it.
    if (event.key === "Enter" && event.target.matches(".editor-claim__main textarea")) {
      event.preventDefault();
    }
  });

  // Warn before leaving with typed changes that are not saved (a button's own round trip
  // carries them along, so it is no leaving).
  let dirty = Boolean(document.querySelector(".editor-pending, .editor-alert"));
  form.addEventListener("input", () => {
    dirty = true;
  });
  window.addEventListener("beforeunload", (event) => {
    if (dirty && !submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  // Discarding is deliberate.
  for (const link of document.querySelectorAll(".editor-discard")) {
    link.addEventListener("click", () => {
      dirty = false;
    });
  }

  // Put the caret at the end of the text box a button just focused (the server marks it
  // `autofocus`, and the browser focuses it and scrolls to it). Done once the page has
  // loaded: the browser skips `autofocus` on a page whose address has a fragment.
  const added = form.querySelector("textarea[autofocus]");
  if (added) {
    window.addEventListener("load", () => {
      added.focus({ preventScroll: true });
      added.setSelectionRange(added.value.length, added.value.length);
    });
  }
})();
