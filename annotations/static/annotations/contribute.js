/*
 * The selection toolbar: select words inside one paragraph (mouse or keyboard)
 * and choose "Add a note" or "Suggest a correction"; the form opens with the
 * quote filled in. On a form page, "Quote these words" fills the quote fields.
 *
 * Progressive enhancement: without this script every paragraph still links to
 * its contribute page, where the words are typed or pasted.
 *
 * What is sent are the W3C Web Annotation selectors of the selection within
 * the paragraph's ORIGINAL text: TextQuoteSelector (exact, prefix, suffix) and
 * TextPositionSelector (start, end). Original text = the text nodes of
 * `.paragraph-text[data-paragraph]`, skipping anything inside `[data-apparatus]`
 * (note markers, inserted corrections, correction markers). In the corrected reading a
 * replaced span (`[data-replaces]`) stands for the original characters it
 * hides: it counts as those for the offsets, and a selection touching it is
 * refused (the words shown are not the essay's). The server checks all of it.
 */
(function () {
  "use strict";

  var CONTEXT = 32; // characters of prefix and suffix, as annotations.text.CONTEXT_LENGTH
  var toolbar = document.getElementById("contribute-toolbar");
  if (!toolbar || !window.getSelection || !document.createTreeWalker) return;

  var message = toolbar.querySelector("[data-toolbar-message]");
  var status = document.querySelector("[data-toolbar-status]");
  var links = {
    note: toolbar.querySelector('[data-action="note"]'),
    correction: toolbar.querySelector('[data-action="correction"]'),
  };
  var quoteButton = toolbar.querySelector('[data-action="quote"]');
  var quoteForm = document.querySelector("form[data-quote-form]");
  var current = null;

  var CROSSES = "Select words within one paragraph to add a note or suggest a correction.";
  var CORRECTED = "These words include a correction shown in its corrected form. To add a note or suggest a " +
    "correction here, switch to the apparatus or the original reading and select them there.";
  var APPARATUS_ONLY = "These words are part of the apparatus, not of the essay: select words of the essay itself.";

  function isApparatus(node, root) {
    var marked = node.parentElement && node.parentElement.closest("[data-apparatus]");
    return Boolean(marked && root.contains(marked));
  }

  // The pieces of the paragraph's original text in document order: its own text
  // nodes, and each replaced span of the corrected reading standing for the
  // characters it hides ({node, text}).
  function originalPieces(root) {
    var pieces = [];
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    while (walker.nextNode()) {
      var node = walker.currentNode;
      if (node.nodeType === Node.ELEMENT_NODE) {
        if (node.hasAttribute("data-replaces")) pieces.push({ node: node, text: node.getAttribute("data-replaces") });
      } else if (!isApparatus(node, root)) {
        pieces.push({ node: node, text: node.data });
      }
    }
    return pieces;
  }

  // The offset in the original text of the boundary point (container, offset).
  function offsetOf(pieces, container, offset) {
    var point = document.createRange();
    point.setStart(container, offset);
    var total = 0;
    for (var i = 0; i < pieces.length; i++) {
      var node = pieces[i].node;
      if (node === container) return total + offset;
      var length = node.nodeType === Node.TEXT_NODE ? node.length : node.childNodes.length;
      if (point.comparePoint(node, length) > 0) break; // this piece ends after the point
      total += pieces[i].text.length;
    }
    return total;
  }

  // The part of `range` inside `root`.
  function clamp(range, root) {
    var inner = document.createRange();
    inner.selectNodeContents(root);
    if (range.compareBoundaryPoints(Range.START_TO_START, inner) > 0) inner.setStart(range.startContainer, range.startOffset);
    if (range.compareBoundaryPoints(Range.END_TO_END, inner) < 0) inner.setEnd(range.endContainer, range.endOffset);
    return inner;
  }

  // The selection's selectors, {refused: why} when it cannot be used, or null when nothing is selected.
  function describe(selection) {
    if (!selection.rangeCount || selection.isCollapsed) return null;
    var range = selection.getRangeAt(0);
    var touched = Array.prototype.filter.call(document.querySelectorAll(".paragraph-text[data-paragraph]"), function (root) {
      return range.intersectsNode(root) && clamp(range, root).toString().trim() !== "";
    });
    if (touched.length > 1) return { refused: CROSSES };
    if (touched.length === 0) return null;
    var root = touched[0];
    var inner = clamp(range, root);
    var replaced = Array.prototype.some.call(root.querySelectorAll("[data-replaces]"), function (span) {
      return inner.intersectsNode(span);
    });
    if (replaced) return { refused: CORRECTED };
    var pieces = originalPieces(root);
    var text = pieces.map(function (piece) { return piece.text; }).join("");
    var start = offsetOf(pieces, inner.startContainer, inner.startOffset);
    var end = offsetOf(pieces, inner.endContainer, inner.endOffset);
    while (start < end && /\s/.test(text.charAt(start))) start++;
    while (end > start && /\s/.test(text.charAt(end - 1))) end--;
    if (start >= end) return { refused: APPARATUS_ONLY };
    return {
      anchor: root.getAttribute("data-paragraph"),
      rect: inner.getBoundingClientRect(),
      selectors: {
        exact: text.slice(start, end),
        prefix: text.slice(Math.max(0, start - CONTEXT), start),
        suffix: text.slice(end, end + CONTEXT),
        start: String(start),
        end: String(end),
      },
    };
  }

  function formUrl(kind, found) {
    var base = toolbar.getAttribute("data-" + kind + "-url").replace("__anchor__", encodeURIComponent(found.anchor));
    return base + "?" + new URLSearchParams(found.selectors).toString();
  }

  // On a touch screen the phone's own menu (copy, share) opens above a selection and its handles hang below
  // the words: the toolbar goes under the handles.
  var touch = Boolean(window.matchMedia && window.matchMedia("(pointer: coarse)").matches);

  function place(rect) {
    var top = rect.top + window.scrollY - toolbar.offsetHeight - 8;
    if (touch || top < window.scrollY) top = rect.bottom + window.scrollY + (touch ? 32 : 8);
    var maxLeft = document.documentElement.clientWidth - toolbar.offsetWidth - 8;
    var left = Math.max(8, Math.min(rect.left + window.scrollX, maxLeft + window.scrollX));
    toolbar.style.top = top + "px";
    toolbar.style.left = left + "px";
  }

  function say(text) {
    message.textContent = text;
    if (status) status.textContent = text;
  }

  function hide() {
    current = null;
    toolbar.hidden = true;
  }

  function update() {
    var found = describe(window.getSelection());
    if (!found) {
      if (!toolbar.contains(document.activeElement)) hide();
      return;
    }
    var quoting = Boolean(quoteForm && !found.refused && quoteForm.getAttribute("data-quote-form") === found.anchor);
    current = found.refused ? null : found;
    links.note.hidden = links.correction.hidden = Boolean(found.refused || quoting);
    quoteButton.hidden = !quoting;
    if (found.refused) {
      say(found.refused);
    } else {
      say("");
      links.note.href = formUrl("note", found);
      links.correction.href = formUrl("correction", found);
      if (status) status.textContent = "Words selected: press Tab to add a note or suggest a correction.";
    }
    toolbar.hidden = false;
    place(found.refused ? window.getSelection().getRangeAt(0).getBoundingClientRect() : found.rect);
  }

  function fillQuoteForm() {
    if (!current || !quoteForm) return;
    Object.keys(current.selectors).forEach(function (name) {
      var field = quoteForm.elements[name];
      if (field) field.value = current.selectors[name];
    });
    hide();
    quoteForm.elements.exact.focus();
  }

  var pending = null;
  document.addEventListener("selectionchange", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(update, 120);
  });
  // Keep the selection when the toolbar is clicked.
  toolbar.addEventListener("mousedown", function (event) { event.preventDefault(); });
  quoteButton.addEventListener("click", fillQuoteForm);
  document.addEventListener("keydown", function (event) {
    if (toolbar.hidden) return;
    if (event.key === "Escape") {
      hide();
    } else if (event.key === "Tab" && !event.shiftKey && !toolbar.contains(document.activeElement)) {
      // From a keyboard selection, Tab goes to the toolbar first.
      var first = Array.prototype.find.call(toolbar.querySelectorAll("a, button"), function (control) { return !control.hidden; });
      if (first && !document.activeElement.closest("form")) {
        event.preventDefault();
        first.focus();
      }
    }
  });
})();
