// Filters for /actions/: the page lists every item grouped by status without JavaScript; this only hides rows.
// The choice is kept in the query string (?owner=…&status=…&team=…) so a filtered view can be shared.
(function () {
  var form = document.getElementById("action-filters");
  if (!form) return;
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.action-row"));
  var groups = Array.prototype.slice.call(document.querySelectorAll(".action-group"));
  var noMatch = document.getElementById("no-match");
  var shown = form.querySelector("output");
  var selects = Array.prototype.slice.call(form.querySelectorAll("select"));

  function value(name) {
    var s = form.elements[name];
    return s ? s.value : "";
  }

  function keep(row, status, owner, team) {
    var st = row.getAttribute("data-status");
    if (status === "unfinished" && st !== "open" && st !== "in-progress") return false;
    if (status === "overdue" && !row.hasAttribute("data-overdue")) return false;
    if (status && status !== "unfinished" && status !== "overdue" && st !== status) return false;
    if (owner && row.getAttribute("data-owner") !== owner) return false;
    if (team && (row.getAttribute("data-teams") || "").indexOf("|" + team + "|") < 0) return false;
    return true;
  }

  function apply() {
    var status = value("status"), owner = value("owner"), team = value("team");
    var n = 0;
    rows.forEach(function (r) {
      var k = keep(r, status, owner, team);
      r.hidden = !k;
      if (k) n++;
    });
    groups.forEach(function (g) {
      g.hidden = !g.querySelector("tr.action-row:not([hidden])");
    });
    noMatch.hidden = n > 0;
    shown.textContent = n === rows.length ? rows.length + " items" : n + " of " + rows.length + " items";
  }

  function save() {
    var q = new URLSearchParams();
    selects.forEach(function (s) { if (s.value) q.set(s.name, s.value); });
    var qs = q.toString();
    try {
      history.replaceState(null, "", location.pathname + (qs ? "?" + qs : "") + location.hash);
    } catch (e) {
      // Some browsers refuse to rewrite file:// URLs; the filter still works, it just is not in the address.
    }
  }

  // Restore a shared view; a value no option has (an owner since renamed) falls back to "All".
  var params = new URLSearchParams(location.search);
  selects.forEach(function (s) {
    var v = params.get(s.name);
    if (v !== null && Array.prototype.some.call(s.options, function (o) { return o.value === v; })) s.value = v;
  });
  form.addEventListener("change", function () { apply(); save(); });
  form.hidden = false;
  apply();
})();
