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
