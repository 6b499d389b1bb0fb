// Progressive enhancement for the reading pages: "Copy" buttons beside citations.
// Without JavaScript the buttons stay hidden and the citation text is selectable.
(function () {
  "use strict";
  if (!navigator.clipboard) return;
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
})();
