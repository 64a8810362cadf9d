// A static copy opened from disk (file://) has no server to turn "folder/" into "folder/index.html": add it, so the
// site stays navigable straight from a USB stick or a shared drive.
(function () {
  if (location.protocol !== "file:") return;
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[href]");
    if (!a) return;
    var href = a.getAttribute("href");
    if (/^[a-z]+:/i.test(href) || href.charAt(0) === "#") return;
    var parts = href.split("#");
    if (parts[0] === "" || /\/$/.test(parts[0])) {
      a.setAttribute("href", parts[0] + "index.html" + (parts[1] ? "#" + parts[1] : ""));
    }
  }, true);
})();

// The table of contents of a long incident page: open beside the text on wide screens, folded above it on small
// ones (and folded again once a section is chosen); the section being read is marked.
(function () {
  var toc = document.getElementById("toc");
  if (!toc || !window.matchMedia) return;
  var wide = window.matchMedia("(min-width: 64rem)");
  function sync() { toc.open = wide.matches; }
  sync();
  if (wide.addEventListener) wide.addEventListener("change", sync); else if (wide.addListener) wide.addListener(sync);
  toc.querySelector("summary").addEventListener("click", function (e) { if (wide.matches) e.preventDefault(); });
  toc.addEventListener("click", function (e) {
    if (!wide.matches && e.target.closest && e.target.closest("a")) toc.open = false;
  });
  var links = Array.prototype.slice.call(toc.querySelectorAll("a[href^='#']"));
  var targets = links.map(function (a) { return document.getElementById(decodeURIComponent(a.getAttribute("href").slice(1))); });
  var pending = false;
  function mark() {
    pending = false;
    var current = -1;
    for (var i = 0; i < targets.length; i++) {
      if (targets[i] && targets[i].getBoundingClientRect().top < window.innerHeight / 4) current = i;
    }
    links.forEach(function (a, i) {
      if (i === current) a.setAttribute("aria-current", "true"); else a.removeAttribute("aria-current");
    });
  }
  window.addEventListener("scroll", function () {
    if (!pending) { pending = true; window.requestAnimationFrame(mark); }
  }, { passive: true });
  mark();
})();

// The menu of small screens folds again on a click outside it or on Escape.
(function () {
  var menu = document.querySelector("details.menu");
  if (!menu) return;
  document.addEventListener("click", function (e) { if (menu.open && !menu.contains(e.target)) menu.open = false; });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && menu.open) { menu.open = false; menu.querySelector("summary").focus(); }
  });
})();
