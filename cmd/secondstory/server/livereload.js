// Live reload for `secondstory serve --watch`. The server adds this script to the pages it serves in watch mode;
// a built site never contains it. The page reloads when a newer site has been built, follows its incident to a
// new URL when the slug or file name changed, and shows the errors of a failed rebuild until a save fixes them.
(function () {
  "use strict";
  var me = document.currentScript;
  var gen = Number((me && me.getAttribute("data-gen")) || 0);
  var here = location.pathname;
  try { here = decodeURI(here); } catch (e) { /* keep the encoded path */ }

  function overlay(errors) {
    var el = document.getElementById("ss-overlay");
    if (!errors || !errors.length) {
      if (el) el.remove();
      return;
    }
    if (!el) {
      el = document.createElement("div");
      el.id = "ss-overlay";
      el.setAttribute("role", "alert");
      document.body.appendChild(el);
    }
    var h = document.createElement("h2");
    h.textContent = "Build failed: " + errors.length + (errors.length === 1 ? " error" : " errors") +
      ". Showing the last good version until a save fixes it.";
    var pre = document.createElement("pre");
    pre.textContent = errors.join("\n");
    el.replaceChildren(h, pre);
  }

  // Lint warnings of this page's file: worth a look, not an alarm, so a closed box in a corner.
  function warnings(list, hidden) {
    var el = document.getElementById("ss-warnings");
    if (!list || !list.length || hidden) {
      if (el) el.remove();
      return;
    }
    if (!el) {
      el = document.createElement("details");
      el.id = "ss-warnings";
      var st = el.style;
      st.position = "fixed"; st.right = "1rem"; st.bottom = "1rem"; st.zIndex = "999";
      st.maxWidth = "min(40rem, calc(100vw - 2rem))"; st.maxHeight = "50vh"; st.overflow = "auto";
      st.background = "#fff8e1"; st.color = "#3d2e00"; st.border = "1px solid #e0b000"; st.borderRadius = "6px";
      st.padding = ".5rem .75rem"; st.font = "13px/1.45 ui-monospace, monospace";
      st.boxShadow = "0 4px 14px rgba(0,0,0,.15)";
      document.body.appendChild(el);
    }
    var open = el.open;
    var sum = document.createElement("summary");
    sum.textContent = list.length + (list.length === 1 ? " warning" : " warnings") + " for this page";
    sum.style.cursor = "pointer";
    var pre = document.createElement("pre");
    pre.style.whiteSpace = "pre-wrap"; pre.style.margin = ".5rem 0 0"; pre.style.background = "none";
    pre.style.color = "inherit"; pre.style.padding = "0";
    pre.textContent = list.join("\n");
    el.replaceChildren(sum, pre);
    el.open = open;
  }

  var es = new EventSource("/_secondstory/events?page=" + encodeURIComponent(here));
  es.addEventListener("state", function (e) {
    var s = JSON.parse(e.data);
    if (s.ok && s.gen !== gen) {
      es.close();
      var to = s.moved && s.moved[here];
      if (to) location.replace(to + location.search + location.hash);
      else location.reload();
      return;
    }
    overlay(s.ok ? null : s.errors);
    warnings(s.warnings && s.warnings[here], !s.ok);
  });
})();
