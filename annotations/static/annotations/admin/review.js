/*
 * The moderation desk's keyboard and reason templates (a static file: no inline script, CSP-ready).
 *
 * Review page: j / k open the next / previous item of the queue; a accepts, s marks as spam; r puts the
 * cursor in the reason box, and Ctrl+Enter (or Cmd+Enter) there rejects with that reason. Keys typed
 * into a field are left alone. Everything here has a plain equivalent without JavaScript: the links and
 * buttons are ordinary ones, and a chosen reason template is used when the reason box is left empty.
 */
(function () {
  "use strict";

  function typing(element) {
    return element && (element.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName));
  }

  function reasonBox(form) {
    return form ? form.querySelector("textarea[name=reason]") : null;
  }

  function press(key) {
    var target = document.querySelector("#review [data-key='" + key + "']");
    if (!target) {
      return false;
    }
    target.click();
    return true;
  }

  // Reason templates fill in the reason box, which stays editable.
  function templatesFillReasons() {
    document.querySelectorAll("select[name=reason_template]").forEach(function (select) {
      select.addEventListener("change", function () {
        var option = select.options[select.selectedIndex];
        var box = reasonBox(select.form);
        if (box && option && option.dataset.text) {
          box.value = option.dataset.text;
          box.focus();
        }
      });
    });
  }

  function shortcuts() {
    var help = document.getElementById("desk-shortcuts");
    if (!help) {
      return;
    }
    help.hidden = false;
    var box = reasonBox(document.getElementById("decision-form"));
    document.addEventListener("keydown", function (event) {
      if (box && event.target === box) {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          press("r");
        } else if (event.key === "Escape") {
          box.blur();
        }
        return;
      }
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
        return;
      }
      if (event.key === "r" && box) {
        event.preventDefault();
        box.focus();
      } else if (["j", "k", "a", "s"].indexOf(event.key) >= 0 && press(event.key)) {
        event.preventDefault();
      }
    });
  }

  function start() {
    templatesFillReasons();
    shortcuts();
  }

  // The admin loads its media in <head>: wait for the page.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
