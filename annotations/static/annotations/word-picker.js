/*
 * Choosing words with the keyboard, without caret browsing: on a page showing
 * one paragraph to contribute on (its Annotate page, the forms), the paragraph
 * takes the focus, ← and → go from word to word, Shift with them (or Home and
 * End) stretches the choice over several words. The choice is the document's
 * selection, so the selection toolbar (contribute.js) offers "Add a note" and
 * "Suggest a correction" with the same W3C selectors as a mouse selection, and
 * Tab reaches it.
 *
 * Progressive enhancement: without this script the words are typed or pasted
 * into the form, and the instructions stay hidden.
 */
(function () {
  "use strict";

  // A word: letters and digits, with inner apostrophes and hyphens ("Brest-Litovsk", "Germany's").
  var WORD = /[\p{L}\p{N}]+(?:['’\-‐][\p{L}\p{N}]+)*/gu;

  function wordsOf(root) {
    var words = [];
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      var node = walker.currentNode;
      if (node.parentElement.closest("[data-apparatus]")) continue;
      var match;
      WORD.lastIndex = 0;
      while ((match = WORD.exec(node.data)) !== null) {
        words.push({ node: node, start: match.index, end: match.index + match[0].length, text: match[0] });
      }
    }
    return words;
  }

  function enhance(root, help, status) {
    var words = wordsOf(root);
    if (!words.length) return;
    var anchor = null;
    var focus = null;

    root.tabIndex = 0;
    root.setAttribute("role", "textbox");
    root.setAttribute("aria-readonly", "true");
    root.setAttribute("aria-multiline", "true");
    root.setAttribute("aria-label", "The paragraph's words");
    root.setAttribute("aria-describedby", help.id);

    function choose() {
      var first = words[Math.min(anchor, focus)];
      var last = words[Math.max(anchor, focus)];
      window.getSelection().setBaseAndExtent(first.node, first.start, last.node, last.end);
      status.textContent = "Chosen: " + window.getSelection().toString();
    }

    root.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      var moves = {
        ArrowRight: function () { return focus === null ? 0 : Math.min(focus + 1, words.length - 1); },
        ArrowLeft: function () { return focus === null ? words.length - 1 : Math.max(focus - 1, 0); },
        Home: function () { return 0; },
        End: function () { return words.length - 1; },
      };
      if (!moves[event.key]) return;
      event.preventDefault();
      var extending = event.shiftKey && focus !== null;
      focus = moves[event.key]();
      if (!extending) anchor = focus;
      choose();
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-word-picker]"), function (figure) {
    var root = figure.querySelector(".paragraph-text[data-paragraph]");
    var help = figure.querySelector("[data-word-picker-help]");
    var status = figure.querySelector("[data-word-picker-status]");
    if (!root || !help || !status) return;
    help.hidden = false;
    enhance(root, help, status);
  });
})();
