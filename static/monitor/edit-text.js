// Edit as text (/admin/profiles/profile/<id>/edit-text/): a gutter of line numbers that
// follows the text box as it wraps, scrolls and changes, and problem links that put the
// cursor on their line.
//
// Without this file the page still works: the box does not wrap, the server's gutter numbers
// its lines, and each problem links to the numbered view of the text below the form. A file
// rather than an inline script: the Content Security Policy allows no inline script.
"use strict";

(() => {
  const editor = document.getElementById("text-editor");
  const box = editor?.querySelector("textarea");
  const gutter = editor?.querySelector(".text-editor__gutter");
  if (!box || !gutter) return;

  let problemLines = new Set(
    (editor.dataset.problemLines || "").split(/\s+/).filter(Boolean).map(Number),
  );
  // Lays the text out as the box does, one line a block, to measure how tall each line wraps.
  const mirror = document.createElement("div");
  mirror.className = "text-editor__mirror";
  mirror.setAttribute("aria-hidden", "true");
  editor.append(mirror);

  editor.classList.add("is-live");
  editor.closest(".edit-text")?.classList.add("js-edit-text");
  box.setAttribute("wrap", "soft");

  const lines = () => box.value.split("\n");
  let lineCount = lines().length;

  function layout() {
    const text = lines();
    if (text.length !== lineCount) {
      // Lines came or went: the marked lines no longer hold the problems.
      problemLines = new Set();
      lineCount = text.length;
    }
    const style = getComputedStyle(box);
    const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    mirror.style.width = `${box.clientWidth - padding}px`;
    const blocks = document.createDocumentFragment();
    for (const line of text) {
      const block = document.createElement("div");
      block.textContent = line || "\u200b";
      blocks.append(block);
    }
    mirror.replaceChildren(blocks);
    const heights = Array.from(mirror.children, (block) => block.getBoundingClientRect().height);
    mirror.replaceChildren();

    const numbers = document.createDocumentFragment();
    heights.forEach((height, index) => {
      const number = document.createElement("span");
      number.textContent = String(index + 1);
      number.style.height = `${height}px`;
      if (problemLines.has(index + 1)) number.className = "has-problem";
      numbers.append(number);
    });
    // Room to scroll as far as the box does.
    const end = document.createElement("span");
    end.style.height = `${box.clientHeight}px`;
    numbers.append(end);
    gutter.replaceChildren(numbers);
    gutter.scrollTop = box.scrollTop;
  }

  let pending = false;
  function scheduleLayout() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      layout();
    });
  }

  function goToLine(line, column) {
    const text = lines();
    const target = Math.min(Math.max(line, 1), text.length);
    let offset = 0;
    for (let index = 0; index < target - 1; index += 1) offset += text[index].length + 1;
    offset += Math.min(Math.max(column - 1, 0), text[target - 1].length);
    box.focus({ preventScroll: true });
    box.setSelectionRange(offset, offset);
    const number = gutter.children[target - 1];
    if (number) {
      const top = number.offsetTop - gutter.offsetTop;
      box.scrollTop = Math.max(0, top - box.clientHeight / 3);
      gutter.scrollTop = box.scrollTop;
      gutter.querySelector(".is-current")?.classList.remove("is-current");
      number.classList.add("is-current");
    }
    editor.scrollIntoView({ block: "nearest" });
  }

  box.addEventListener("input", scheduleLayout);
  box.addEventListener("scroll", () => {
    gutter.scrollTop = box.scrollTop;
  });
  new ResizeObserver(scheduleLayout).observe(box);
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a.go-to-line");
    if (!link) return;
    event.preventDefault();
    goToLine(Number(link.dataset.line), Number(link.dataset.column) || 1);
  });
  layout();
})();
