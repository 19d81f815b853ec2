// Keyboard shortcuts of the review queue: j / k move between items, and a letter presses
// the focused item's button that carries it (data-key): c claim, a approve, h hide,
// d remove, x dismiss flags, w warn. Typing in a field is never taken for a shortcut.
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll(".queue-item"));
  if (!items.length) return;
  var current = -1;
  function focusItem(index) {
    if (index < 0 || index >= items.length) return;
    if (current >= 0) items[current].classList.remove("is-focused");
    current = index;
    items[current].classList.add("is-focused");
    items[current].focus();
    items[current].scrollIntoView({ block: "nearest" });
  }
  items.forEach(function (item, index) {
    item.addEventListener("focusin", function () {
      if (current !== index) {
        if (current >= 0) items[current].classList.remove("is-focused");
        current = index;
        item.classList.add("is-focused");
      }
    });
  });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var tag = target && target.tagName;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
    var key = event.key;
    if (key === "j") { focusItem(current + 1); event.preventDefault(); return; }
    if (key === "k") { focusItem(current <= 0 ? 0 : current - 1); event.preventDefault(); return; }
    if (current < 0) return;
    var button = items[current].querySelector('[data-key="' + key + '"]');
    if (button) { event.preventDefault(); button.click(); }
  });
})();
