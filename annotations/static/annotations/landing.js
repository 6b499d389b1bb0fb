/*
 * /me/#landed-note-12: the page opens at the message about what was just done (its fragment, no script
 * needed); this gives the message the focus as well, so that a screen reader reads it first.
 */
(function () {
  "use strict";
  var landed = document.querySelector(".message-landed:target");
  if (landed) landed.focus();
})();
