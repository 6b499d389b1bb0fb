// Progressive enhancement for the reading pages. Without JavaScript every part of them still works:
// the mode links come back to the section being read, entries open with a click, citations are selectable.
(function () {
  "use strict";

  // "Copy" buttons beside citations (hidden without JavaScript: the citation text is selectable).
  if (navigator.clipboard) {
    document.querySelectorAll("button.copy-button[data-copy]").forEach(function (button) {
      var target = document.getElementById(button.dataset.copy);
      if (!target) return;
      var label = button.innerHTML;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(target.textContent.trim()).then(
          function () { button.textContent = "Copied"; },
          function () { button.textContent = "Select the text to copy it"; }
        );
        window.setTimeout(function () { button.innerHTML = label; }, 2500);
      });
    });
  }

  // The reading bar's mode links follow the paragraph in view, and the reader comes back to the same
  // point of it in the other reading (how far down the paragraph, kept for this tab only).
  var passages = Array.prototype.slice.call(document.querySelectorAll(".essay .passage[id]"));
  var modeLinks = document.querySelectorAll("a[data-mode]");
  var PLACE_KEY = "edition-reading-place";

  function readingLine() {
    return window.innerHeight * 0.3;
  }

  // The passage under the reading line (or the last one above it), and how far down it the line is (0–1).
  function passageInView() {
    var line = readingLine();
    var low = 0, high = passages.length - 1, found = -1;
    while (low <= high) {
      var middle = (low + high) >> 1;
      if (passages[middle].getBoundingClientRect().top <= line) { found = middle; low = middle + 1; } else { high = middle - 1; }
    }
    if (found < 0) return null;
    var box = passages[found].getBoundingClientRect();
    var height = Math.max(box.height, 1);
    return { passage: passages[found], fraction: Math.min(Math.max((line - box.top) / height, 0), 1) };
  }

  function modeLinksFollow() {
    var place = passageInView();
    modeLinks.forEach(function (link) {
      var url = new URL(link.href, window.location.href);
      url.hash = place ? place.passage.id : "";
      link.href = url.pathname + url.search + url.hash;
    });
  }

  if (passages.length && modeLinks.length) {
    var pending = false;
    window.addEventListener("scroll", function () {
      if (pending) return;
      pending = true;
      window.requestAnimationFrame(function () { pending = false; modeLinksFollow(); });
    }, { passive: true });
    modeLinksFollow();
    modeLinks.forEach(function (link) {
      link.addEventListener("click", function () {
        modeLinksFollow();
        var place = passageInView();
        try {
          if (place) {
            sessionStorage.setItem(PLACE_KEY, JSON.stringify({ id: place.passage.id, fraction: place.fraction }));
          } else {
            sessionStorage.removeItem(PLACE_KEY);
          }
        } catch (error) { /* storage refused: the fragment alone brings the reader to the paragraph */ }
      });
    });
    // Arriving from a mode link: the browser brought the paragraph to the top; once the page is laid out,
    // bring back the same point of it.
    var kept = null;
    try { kept = JSON.parse(sessionStorage.getItem(PLACE_KEY) || "null"); sessionStorage.removeItem(PLACE_KEY); } catch (error) { kept = null; }
    var target = kept && window.location.hash === "#" + kept.id ? document.getElementById(kept.id) : null;
    if (target) {
      var restore = function () {
        window.requestAnimationFrame(function () {
          var box = target.getBoundingClientRect();
          var point = box.top + window.scrollY + kept.fraction * box.height;
          window.scrollTo({ top: Math.max(point - readingLine(), 0), behavior: "instant" });
          modeLinksFollow();
        });
      };
      if (document.readyState === "complete") restore(); else window.addEventListener("load", restore);
    }
  }

  // Following a link to an entry of the apparatus (a marker in the text, "See also") opens the entry.
  function openTargetEntry() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var entry = id && document.getElementById(id);
    var details = entry && entry.classList.contains("entry") && entry.querySelector("details.entry-more");
    if (details) details.open = true;
  }
  window.addEventListener("hashchange", openTargetEntry);
  openTargetEntry();

  // Escape hides the words as published that a hovered or focused correction shows, until the pointer or focus moves.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") document.body.classList.add("dismissed");
  });
  ["pointermove", "focusin"].forEach(function (name) {
    document.addEventListener(name, function () { document.body.classList.remove("dismissed"); }, { passive: true });
  });

  // Printing: every entry of the apparatus in full, as footnotes (print.css does it where the browser can).
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.prototype.filter.call(document.querySelectorAll("details.entry-more:not([open])"), function (details) {
      details.open = true;
      return true;
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (details) { details.open = false; });
    opened = [];
  });
})();
