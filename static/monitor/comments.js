// Comment threads on claims and footnotes, opened in place from the profile editor and the
// review queue (templates/admin/comments/_threads.html). Without this file each "Comments" or
// "Start a thread" link opens the threads' own page, whose forms post and come back to the
// claim or footnote. With it, the link opens the same threads in a dialog over the page (the
// editor's unsaved changes stay as they are: the dialog sits outside the editor's form),
// its forms post in the background and the dialog, the link's count and the editor's total
// show the result. A file rather than an inline script: the Content Security Policy allows
// no inline script.
"use strict";

(() => {
  const links = document.querySelectorAll("a.comment-link");
  if (!links.length || !window.fetch || !window.HTMLDialogElement) return;

  const dialog = document.createElement("dialog");
  dialog.className = "comment-dialog";
  dialog.setAttribute("aria-labelledby", "comment-dialog-title");
  dialog.innerHTML =
    '<div class="comment-dialog__bar"><h2 id="comment-dialog-title" class="comment-dialog__title">Comments</h2>' +
    '<a class="comment-dialog__page" href="#">Open as a page</a>' +
    '<button type="button" class="comment-dialog__close">Close</button></div>' +
    '<div class="comment-dialog__body" aria-live="polite"></div>';
  document.body.append(dialog);
  const body = dialog.querySelector(".comment-dialog__body");
  const title = dialog.querySelector(".comment-dialog__title");
  const pageLink = dialog.querySelector(".comment-dialog__page");
  dialog.querySelector(".comment-dialog__close").addEventListener("click", () => dialog.close());
  // A click on the backdrop (outside the dialog's box) closes it too.
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
  let opener = null;

  const threadsUrl = (href) => {
    const url = new URL(href, location.href);
    url.searchParams.set("part", "threads");
    return url;
  };

  const show = (html) => {
    // The threads are the admin's own HTML, escaped by its templates, from this origin.
    body.innerHTML = html;
    const panel = body.querySelector("[data-comment-panel]");
    if (panel && opener) update(opener, Number(panel.dataset.open), Number(panel.dataset.threads));
  };

  const update = (link, open, threads) => {
    const before = Number(link.dataset.open || 0);
    const hidden = link.querySelector(".visually-hidden");
    const suffix = hidden ? hidden.outerHTML : "";
    link.classList.toggle("has-open", open > 0);
    if (open) {
      link.innerHTML = `Comments <span class="comment-badge">${open} open</span>${suffix}`;
    } else if (threads) {
      link.innerHTML = `Comments <span class="comment-count">(${threads} resolved)</span>${suffix}`;
    } else {
      link.innerHTML = `Start a thread${suffix}`;
    }
    link.dataset.open = String(open);
    const total = document.getElementById("editor-comments-total");
    if (total && open !== before) {
      const badge = total.querySelector(".comment-badge");
      const now = Math.max(0, Number(badge ? badge.textContent : 0) + open - before);
      total.innerHTML = now
        ? `<span class="comment-badge">${now}</span> open comment thread${now === 1 ? "" : "s"}`
        : "No open comment threads.";
    }
  };

  for (const link of links) {
    const badge = link.querySelector(".comment-badge");
    link.dataset.open = badge ? String(Number.parseInt(badge.textContent, 10) || 0) : "0";
    link.addEventListener("click", async (event) => {
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      opener = link;
      const about = link.querySelector(".visually-hidden");
      title.textContent = `Comments${about ? about.textContent : ""}`;
      pageLink.href = link.href;
      body.innerHTML = '<p class="comment-note">Loading…</p>';
      dialog.showModal();
      try {
        const response = await fetch(threadsUrl(link.href), { headers: { Accept: "text/html" } });
        if (!response.ok) throw new Error(String(response.status));
        show(await response.text());
        const box = body.querySelector("textarea#new-thread");
        if (box && !body.querySelector(".comment-thread")) box.focus();
      } catch {
        // The page itself still works: go there.
        location.href = link.href;
      }
    });
  }

  body.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-comment-form]");
    if (!form) return;
    event.preventDefault();
    const data = new FormData(form, event.submitter);
    data.set("part", "threads");
    const buttons = form.querySelectorAll("button");
    for (const button of buttons) button.disabled = true;
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: data,
        headers: { Accept: "text/html" },
        credentials: "same-origin",
      });
      if (!response.ok && response.status !== 400) throw new Error(String(response.status));
      show(await response.text());
      const invalid = body.querySelector("[aria-invalid='true']");
      if (invalid) invalid.focus();
    } catch {
      for (const button of buttons) button.disabled = false;
      form.submit(); // post it the ordinary way, and come back to the claim
    }
  });
})();
