// Keyboard shortcuts on a proof (a approve, r reject, j next, k previous),
// zoom on click, select-all and auto-submitting filters in the queue.
(function () {
  "use strict";
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (typing(ev.target)) {
      if (ev.key === "Escape") ev.target.blur();
      return;
    }
    var target = null;
    if (ev.key === "a") target = document.getElementById("approve");
    else if (ev.key === "r") target = document.getElementById("reject");
    if (target && !target.disabled) { ev.preventDefault(); target.click(); return; }
    var link = null;
    if (ev.key === "j") link = document.getElementById("next");
    else if (ev.key === "k") link = document.getElementById("prev");
    if (link) { ev.preventDefault(); window.location.href = link.href; }
  });
  document.addEventListener("click", function (ev) {
    var el = ev.target;
    if (el && el.classList && el.classList.contains("zoomable")) el.classList.toggle("zoomed");
  });
  document.addEventListener("DOMContentLoaded", function () {
    var all = document.getElementById("select-all");
    if (all) all.addEventListener("change", function () {
      document.querySelectorAll('#bulk input[name="ids"]').forEach(function (box) { box.checked = all.checked; });
    });
    document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
      sel.addEventListener("change", function () { sel.form.submit(); });
    });
  });
})();
