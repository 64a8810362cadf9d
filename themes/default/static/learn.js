// Reading progress for /learn/. It stays in this browser (localStorage): no server, no tracking. Ticks are keyed by
// incident slug, so they survive rebuilds and a reordered path. Without JavaScript the check boxes stay hidden and
// the page is a plain reading list.
(function () {
  "use strict";
  var steps = Array.prototype.slice.call(document.querySelectorAll(".learn-step[data-slug]"));
  var progress = document.querySelector(".learn-progress");
  if (!steps.length || !progress) return;
  var count = progress.querySelector(".learn-count");
  var reset = progress.querySelector(".learn-reset");

  // One entry per site, named after the site root's path, so two libraries on one intranet host keep apart.
  var root = document.documentElement.getAttribute("data-root") || "";
  var key = "secondstory:learn:" + new URL(root, location.href).pathname;
  var memory = {}; // used when storage is blocked (private mode, some file:// set-ups): ticks last for the visit

  function load() {
    try {
      var v = JSON.parse(localStorage.getItem(key) || "{}");
      return v && typeof v === "object" && !Array.isArray(v) ? v : {};
    } catch (e) {
      return memory;
    }
  }
  function save(read) {
    memory = read;
    try {
      localStorage.setItem(key, JSON.stringify(read));
    } catch (e) { /* keep the in-memory copy */ }
  }

  function render() {
    var read = load(), n = 0;
    steps.forEach(function (li) {
      var done = Object.prototype.hasOwnProperty.call(read, li.getAttribute("data-slug"));
      li.querySelector(".learn-box").checked = done;
      li.classList.toggle("is-read", done);
      if (done) n++;
    });
    count.textContent = n + " of " + steps.length + " read" + (n === steps.length ? ": you have met every condition on the path." : "");
    reset.hidden = n === 0;
  }

  steps.forEach(function (li) {
    var label = li.querySelector(".learn-check");
    var box = li.querySelector(".learn-box");
    label.hidden = false;
    box.addEventListener("change", function () {
      var read = load(), slug = li.getAttribute("data-slug");
      if (box.checked) read[slug] = 1; else delete read[slug];
      save(read);
      render();
    });
  });
  reset.addEventListener("click", function () {
    // Only this path's steps: ticks for incidents that left the path are kept, in case they come back.
    var read = load();
    steps.forEach(function (li) { delete read[li.getAttribute("data-slug")]; });
    save(read);
    render();
  });
  // Another tab of the same site ticked something.
  window.addEventListener("storage", function (e) { if (e.key === key) render(); });
  progress.hidden = false;
  render();
})();
