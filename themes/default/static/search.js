/*
 * secondstory search: progressive enhancement for the search page and the
 * header search box. Plain JS, no libraries, same-origin requests only.
 *
 * With `serve`, /api/search answers full-text queries. When the site is a
 * static copy (plain web server), the script falls back to
 * search-index.json and matches titles, summaries and tags in the browser.
 * Everything inserted is built with DOM calls and textContent; the only
 * HTML taken as-is is the server's `fragments`, which the server escapes
 * except for <mark>.
 */
(function () {
  'use strict';

  var FILTER_KEYS = ['factor', 'tag', 'service', 'severity', 'year'];
  var FACET_LABELS = {
    factor: 'Contributing factor', tag: 'Tag', service: 'Service',
    severity: 'Severity', year: 'Year'
  };
  var PAGE_SIZE = 10;
  var DROPDOWN_SIZE = 5;
  var MAX_FACET_TERMS = 8; // as the server's results page
  var DEBOUNCE_MS = 200;
  var MODE_SERVER = 'Full-text search (server)';
  var MODE_STATIC = 'Simple search (static copy: titles, summaries and tags only)';

  var siteRoot = document.documentElement.getAttribute('data-root') || '';

  // --- small helpers --------------------------------------------------

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (attrs[k] !== undefined && attrs[k] !== null) node.setAttribute(k, attrs[k]);
      });
    }
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function debounce(fn, ms) {
    var t = null;
    return function () {
      var args = arguments;
      clearTimeout(t);
      t = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function lower(s) { return String(s || '').toLowerCase(); }

  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

  // The site's date format, "2 Jan 2006", from the API's "2006-01-02".
  function siteDate(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso || ''));
    if (!m) return String(iso || '');
    return parseInt(m[3], 10) + ' ' + MONTHS[parseInt(m[2], 10) - 1] + ' ' + m[1];
  }

  // A severity badge, as the site's pages draw it (the colour comes from the class).
  function sevBadge(sev) {
    var slug = lower(sev).replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
    return el('span', { 'class': 'sev sev-' + (slug || 'none') }, sev);
  }

  var FIELD_LABELS = { title: 'title', summary: 'summary', body: 'text', timeline: 'timeline', actions: 'action items',
    tag: 'tag', tags: 'tags', factor: 'factor', factors: 'factors', service: 'service', services: 'services', severity: 'severity' };
  function fieldLabel(f) { return FIELD_LABELS[f] || f; }

  // Hit URLs are site-relative; absolute ones are used as they are.
  function hitHref(root, url) {
    url = String(url || '');
    if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.charAt(0) === '/') {
      return /^(https?:|\/)/i.test(url) ? url : '#'; // no javascript: etc.
    }
    return root + url;
  }

  // --- search state in the URL ----------------------------------------

  function stateFromURL() {
    var p = new URLSearchParams(location.search);
    var st = { q: p.get('q') || '', filters: {}, page: parseInt(p.get('page') || '1', 10) };
    if (!(st.page >= 1)) st.page = 1;
    FILTER_KEYS.forEach(function (k) {
      var vs = p.getAll(k).filter(function (v) { return v !== ''; });
      if (vs.length) st.filters[k] = vs;
    });
    return st;
  }

  function paramsFor(st, extra) {
    var p = new URLSearchParams();
    if (st.q) p.set('q', st.q);
    FILTER_KEYS.forEach(function (k) {
      (st.filters[k] || []).forEach(function (v) { p.append(k, v); });
    });
    if (st.page > 1) p.set('page', String(st.page));
    if (extra) Object.keys(extra).forEach(function (k) { p.set(k, extra[k]); });
    return p;
  }

  function hasFilterFold(st, key, value) {
    return (st.filters[key] || []).some(function (v) { return lower(v) === lower(value); });
  }

  function toggleFilter(st, key, value) {
    var next = { q: st.q, filters: {}, page: 1 };
    FILTER_KEYS.forEach(function (k) { if (st.filters[k]) next.filters[k] = st.filters[k].slice(); });
    var vs = next.filters[key] || [];
    if (hasFilterFold(st, key, value)) {
      vs = vs.filter(function (v) { return lower(v) !== lower(value); });
    } else {
      vs.push(value);
    }
    if (vs.length) next.filters[key] = vs; else delete next.filters[key];
    return next;
  }

  // --- backends ---------------------------------------------------------

  // apiState: 'unknown' until the first answer, then 'yes' or 'no'.
  var apiState = 'unknown';
  var staticIndex = null; // Promise of the docs array

  function NotAvailable(msg) { this.message = msg; }

  function fetchAPI(root, st, size, signal) {
    var url = root + 'api/search?' + paramsFor(st, { size: String(size) }).toString();
    return fetch(url, { headers: { Accept: 'application/json' }, signal: signal, credentials: 'same-origin' })
      .then(function (resp) {
        var ct = resp.headers.get('Content-Type') || '';
        // A static host answers 404, or 200 with an HTML fallback page.
        if (resp.status === 404 || resp.status === 405 || ct.indexOf('application/json') < 0) {
          throw new NotAvailable('no API');
        }
        return resp.json().then(function (body) {
          if (resp.status === 400) return { error: body.error || 'Bad search request' };
          if (!resp.ok) throw new NotAvailable(body.error || 'search unavailable');
          return body;
        });
      }, function (err) {
        if (err && err.name === 'AbortError') throw err;
        throw new NotAvailable('network');
      });
  }

  function loadStaticIndex(root) {
    if (!staticIndex) {
      staticIndex = fetch(root + 'search-index.json', { credentials: 'same-origin' })
        .then(function (resp) {
          if (!resp.ok) throw new Error('HTTP ' + resp.status);
          return resp.json();
        })
        .then(function (data) { return (data && data.docs) || []; });
      staticIndex.catch(function () { staticIndex = null; }); // allow a retry later
    }
    return staticIndex;
  }

  // Runs a search on whichever backend answers. Resolves to
  // {mode, total, hits, facets} or {mode, error}.
  function runSearch(root, st, size, signal) {
    if (apiState !== 'no') {
      return fetchAPI(root, st, size, signal).then(function (res) {
        apiState = 'yes';
        res.mode = MODE_SERVER;
        return res;
      }, function (err) {
        if (!(err instanceof NotAvailable)) throw err;
        // Only "not there at all" is remembered; a 5xx may pass.
        if (err.message === 'no API' || (err.message === 'network' && apiState === 'unknown')) apiState = 'no';
        return staticSearch(root, st, size);
      });
    }
    return staticSearch(root, st, size);
  }

  function staticSearch(root, st, size) {
    return loadStaticIndex(root).then(function (docs) {
      var res = clientSearch(docs, st, size);
      res.mode = MODE_STATIC;
      return res;
    }, function () {
      return {
        mode: MODE_STATIC,
        error: location.protocol === 'file:'
          ? 'Search needs the site to be served over HTTP (browsers block loading the index from files).'
          : 'The search index could not be loaded.'
      };
    });
  }

  // --- client-side matching (static fallback) --------------------------

  function parseWords(q) {
    var must = [], not = [];
    lower(q).replace(/["+()]/g, ' ').split(/\s+/).forEach(function (w) {
      if (!w) return;
      // Field prefixes (tag:dns) match like plain words here.
      var i = w.indexOf(':');
      if (i >= 0) w = w.slice(i + 1);
      if (w.charAt(0) === '-') {
        w = w.slice(1);
        if (w) not.push(w);
      } else if (w) {
        must.push(w.replace(/[*?]+$/, ''));
      }
    });
    return { must: must.filter(Boolean), not: not };
  }

  function docValues(doc, key) {
    if (key === 'year') return doc.year ? [doc.year] : [];
    if (key === 'severity') return doc.severity ? [doc.severity] : [];
    return doc[key + 's'] || [];
  }

  function passesFilters(doc, st, skipKey) {
    return FILTER_KEYS.every(function (k) {
      if (k === skipKey || !st.filters[k]) return true;
      var have = docValues(doc, k).map(lower);
      return st.filters[k].some(function (v) { return have.indexOf(lower(v)) >= 0; });
    });
  }

  function clientSearch(docs, st, size) {
    var words = parseWords(st.q);
    var textMatches = [];
    docs.forEach(function (doc) {
      var title = lower(doc.title);
      var rest = lower([doc.summary].concat(doc.tags || [], doc.factors || [], doc.services || [],
        [doc.severity || '']).join(' \u0001 '));
      var score = 0;
      for (var i = 0; i < words.must.length; i++) {
        var w = words.must[i];
        var inTitle = title.indexOf(w) >= 0;
        if (!inTitle && rest.indexOf(w) < 0) return;
        score += inTitle ? 10 : 1;
      }
      for (var j = 0; j < words.not.length; j++) {
        if (title.indexOf(words.not[j]) >= 0 || rest.indexOf(words.not[j]) >= 0) return;
      }
      textMatches.push({ doc: doc, score: score });
    });
    var hits = textMatches.filter(function (m) { return passesFilters(m.doc, st); });
    hits.sort(function (a, b) {
      if (b.score !== a.score) return b.score - a.score;
      return String(b.doc.date || '').localeCompare(String(a.doc.date || ''));
    });
    // Multi-select facets, as on the server: a key with an active filter
    // is counted without its own filter.
    var facets = {};
    FILTER_KEYS.forEach(function (k) {
      var counts = {};
      var order = [];
      textMatches.forEach(function (m) {
        if (!passesFilters(m.doc, st, st.filters[k] ? k : null)) return;
        docValues(m.doc, k).forEach(function (v) {
          if (!(v in counts)) { counts[v] = 0; order.push(v); }
          counts[v]++;
        });
      });
      var terms = order.map(function (v) { return { term: v, count: counts[v] }; });
      (st.filters[k] || []).forEach(function (v) {
        if (!terms.some(function (t) { return lower(t.term) === lower(v); })) terms.push({ term: v, count: 0 });
      });
      facets[k] = sortFacet(k, terms);
    });
    var from = (st.page - 1) * size;
    return {
      total: hits.length,
      hits: hits.slice(from, from + size).map(function (m) {
        return {
          url: m.doc.url, title: m.doc.title, date: m.doc.date || '', severity: m.doc.severity || '',
          summary: m.doc.summary || '', fragments: [], words: words.must
        };
      }),
      facets: facets
    };
  }

  function sortFacet(key, terms) {
    if (key === 'year') return terms.sort(function (a, b) { return b.term < a.term ? -1 : b.term > a.term ? 1 : 0; });
    if (key === 'severity') return terms.sort(function (a, b) { return a.term < b.term ? -1 : a.term > b.term ? 1 : 0; });
    return terms.sort(function (a, b) {
      return b.count - a.count || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0);
    });
  }

  // Appends text to parent with the given words wrapped in <mark>, using
  // text nodes only (static mode has no server fragments).
  function appendMarked(parent, text, words) {
    text = String(text || '');
    var ws = (words || []).filter(function (w) { return w.length > 1; });
    if (!ws.length) { parent.appendChild(document.createTextNode(text)); return; }
    var low = text.toLowerCase();
    var pos = 0;
    while (pos < text.length) {
      var best = -1, len = 0;
      ws.forEach(function (w) {
        var i = low.indexOf(w, pos);
        if (i >= 0 && (best < 0 || i < best)) { best = i; len = w.length; }
      });
      if (best < 0) break;
      parent.appendChild(document.createTextNode(text.slice(pos, best)));
      parent.appendChild(el('mark', null, text.slice(best, best + len)));
      pos = best + len;
    }
    parent.appendChild(document.createTextNode(text.slice(pos)));
  }

  // --- the search page ---------------------------------------------------

  function initSearchPage(app) {
    var root = app.getAttribute('data-root') || siteRoot;
    var st = stateFromURL();
    var controller = null;

    var mode = el('p', { id: 'ss-mode', 'class': 'ss-mode' });
    var total = el('p', { id: 'ss-total', 'class': 'ss-total', 'aria-live': 'polite' });
    var active = el('p', { id: 'ss-active', 'class': 'ss-active', hidden: '' });
    var layout = el('div', { 'class': 'ss-layout' });
    var facets = el('div', { id: 'ss-facets', 'class': 'ss-facets' });
    var main = el('div', { 'class': 'ss-main' });
    var results = el('ol', { id: 'ss-results', 'class': 'ss-results' });
    var pager = el('nav', { id: 'ss-pager', 'class': 'ss-pager', 'aria-label': 'Result pages' });
    main.appendChild(results);
    main.appendChild(pager);
    layout.appendChild(facets);
    layout.appendChild(main);

    // Replace the server-rendered block (if any) with the live UI.
    while (app.firstChild) app.removeChild(app.firstChild);
    [mode, total, active, layout].forEach(function (n) { app.appendChild(n); });

    // The page's own search boxes (header, and the big one on this page)
    // drive the results. Only if there are none does the app add one.
    var boxes = Array.prototype.slice.call(
      document.querySelectorAll('form[role="search"] input[name="q"]'));
    if (!boxes.length) {
      var form = el('form', { 'class': 'ss-form', role: 'search', action: '', method: 'get' });
      var own = el('input', { type: 'search', name: 'q', id: 'ss-q', autocomplete: 'off', 'aria-label': 'Search postmortems' });
      form.appendChild(own);
      form.appendChild(el('button', { type: 'submit' }, 'Search'));
      app.insertBefore(form, app.firstChild);
      boxes = [own];
    }
    boxes.forEach(function (b) {
      b.value = st.q;
      b.setAttribute('aria-controls', 'ss-results');
      b.setAttribute('autocomplete', 'off');
    });

    function navigate(next, push) {
      st = next;
      var qs = paramsFor(st).toString();
      var url = location.pathname + (qs ? '?' + qs : '') + location.hash;
      if (push) history.pushState(null, '', url); else history.replaceState(null, '', url);
      run();
    }

    function run() {
      if (controller) controller.abort();
      controller = typeof AbortController === 'function' ? new AbortController() : null;
      var signal = controller ? controller.signal : undefined;
      var mine = controller;
      runSearch(root, st, PAGE_SIZE, signal).then(function (res) {
        if (mine !== controller) return; // a newer search is under way
        render(res);
      }, function (err) {
        if (err && err.name === 'AbortError') return;
        render({ mode: '', error: 'Search failed.' });
      });
    }

    function facetLink(key, term, count, active) {
      var next = toggleFilter(st, key, term);
      var a = el('a', {
        'class': 'ss-facet' + (active ? ' ss-facet-active' : ''),
        href: '?' + paramsFor(next).toString(),
        'aria-current': active ? 'true' : null
      });
      if (key === 'severity') a.appendChild(sevBadge(term)); else a.appendChild(el('span', null, term));
      a.appendChild(document.createTextNode(' '));
      a.appendChild(el('span', { 'class': 'ss-count' }, count));
      a.addEventListener('click', function (ev) {
        ev.preventDefault();
        navigate(next, true);
      });
      return a;
    }

    function pageLink(label, page, current) {
      if (current) return el('span', { 'aria-current': 'page' }, label);
      var next = { q: st.q, filters: st.filters, page: page };
      var a = el('a', { href: '?' + paramsFor(next).toString() }, label);
      a.addEventListener('click', function (ev) {
        ev.preventDefault();
        navigate(next, true);
        app.scrollIntoView({ block: 'start' });
      });
      return a;
    }

    function render(res) {
      mode.textContent = res.mode || '';
      [active, facets, results, pager].forEach(function (n) { while (n.firstChild) n.removeChild(n.firstChild); });
      total.classList.remove('ss-error');
      active.hidden = true;
      if (res.error) {
        total.textContent = res.error;
        total.classList.add('ss-error');
        return;
      }
      var n = res.total || 0;
      total.textContent = n + (n === 1 ? ' result' : ' results') + (st.q ? ' for \u201c' + st.q + '\u201d' : '');

      // Active filters first, each with a way to remove it, and one to remove them all.
      var chips = [];
      FILTER_KEYS.forEach(function (k) {
        (st.filters[k] || []).forEach(function (v) { chips.push({ key: k, value: v }); });
      });
      if (chips.length) {
        active.hidden = false;
        active.appendChild(document.createTextNode('Filtered by '));
        chips.forEach(function (c) {
          var next = toggleFilter(st, c.key, c.value);
          var a = el('a', { 'class': 'ss-chip', href: '?' + paramsFor(next).toString(), title: 'Remove this filter' },
            FACET_LABELS[c.key] + ': ' + c.value + ' ');
          a.appendChild(el('span', { 'aria-hidden': 'true' }, '\u00d7'));
          a.appendChild(el('span', { 'class': 'visually-hidden' }, ' (remove)'));
          a.addEventListener('click', function (ev) { ev.preventDefault(); navigate(next, true); });
          active.appendChild(a);
        });
        var none = { q: st.q, filters: {}, page: 1 };
        var clear = el('a', { 'class': 'ss-clear', href: '?' + paramsFor(none).toString() }, 'clear all filters');
        clear.addEventListener('click', function (ev) { ev.preventDefault(); navigate(none, true); });
        active.appendChild(document.createTextNode(' \u00b7 '));
        active.appendChild(clear);
      }

      FILTER_KEYS.forEach(function (k) {
        var terms = (res.facets && res.facets[k]) || [];
        if (!terms.length) return;
        var group = el('section', { 'class': 'ss-facet-group', 'data-key': k });
        group.appendChild(el('h3', null, FACET_LABELS[k]));
        var ul = el('ul');
        var hidden = [];
        terms.forEach(function (t) {
          var on = hasFilterFold(st, k, t.term);
          var li = el('li');
          li.appendChild(facetLink(k, t.term, t.count, on));
          // As on the server: the first few values, and every active one; the rest behind "and N more".
          if (ul.children.length >= MAX_FACET_TERMS && !on) {
            li.hidden = true;
            hidden.push(li);
          }
          ul.appendChild(li);
        });
        group.appendChild(ul);
        if (hidden.length) {
          var more = el('p', { 'class': 'ss-more muted small' });
          var btn = el('button', { type: 'button' }, 'and ' + hidden.length + ' more');
          btn.addEventListener('click', function () {
            hidden.forEach(function (li) { li.hidden = false; });
            more.parentNode.removeChild(more);
          });
          more.appendChild(btn);
          group.appendChild(more);
        }
        facets.appendChild(group);
      });

      (res.hits || []).forEach(function (h) {
        var li = el('li', { 'class': 'ss-hit' });
        li.appendChild(el('a', { 'class': 'ss-hit-title', href: hitHref(root, h.url) }, h.title || h.url));
        var meta = el('p', { 'class': 'ss-hit-meta' });
        if (h.date) meta.appendChild(el('time', { datetime: h.date }, siteDate(h.date)));
        if (h.severity) {
          meta.appendChild(document.createTextNode(' '));
          meta.appendChild(sevBadge(h.severity));
        }
        if (h.matched && h.matched.length) {
          meta.appendChild(document.createTextNode(' '));
          meta.appendChild(el('span', { 'class': 'ss-why' }, 'matched in ' + h.matched.map(fieldLabel).join(', ')));
        }
        li.appendChild(meta);
        if (h.fragments && h.fragments.length) {
          h.fragments.forEach(function (f) {
            var p = el('p', { 'class': 'ss-fragment' });
            p.appendChild(el('span', { 'class': 'ss-field' }, fieldLabel(f.field)));
            p.appendChild(document.createTextNode(' '));
            var span = el('span');
            span.innerHTML = f.html; // server-escaped; only <mark> is markup
            p.appendChild(span);
            li.appendChild(p);
          });
        } else {
          var p = el('p', { 'class': 'ss-fragment' });
          appendMarked(p, h.summary, h.words);
          li.appendChild(p);
        }
        results.appendChild(li);
      });

      var last = Math.ceil(n / PAGE_SIZE);
      if (last > 1) {
        if (st.page > 1) pager.appendChild(pageLink('\u2039 Previous', st.page - 1));
        for (var p = Math.max(1, st.page - 2); p <= Math.min(last, st.page + 2); p++) {
          pager.appendChild(pageLink(String(p), p, p === st.page));
        }
        if (st.page < last) pager.appendChild(pageLink('Next \u203a', st.page + 1));
      }
    }

    var onType = debounce(function (value) {
      if (value === st.q) return;
      navigate({ q: value, filters: st.filters, page: 1 }, false);
    }, DEBOUNCE_MS);

    boxes.forEach(function (box) {
      box.addEventListener('input', function () {
        boxes.forEach(function (o) { if (o !== box) o.value = box.value; });
        onType(box.value.trim());
      });
      if (box.form) {
        box.form.addEventListener('submit', function (ev) {
          ev.preventDefault();
          navigate({ q: box.value.trim(), filters: st.filters, page: 1 }, true);
        });
      }
    });

    window.addEventListener('popstate', function () {
      st = stateFromURL();
      boxes.forEach(function (b) { b.value = st.q; });
      run();
    });

    run();
  }

  // --- header dropdown on other pages --------------------------------------

  var dropdowns = 0;

  function initDropdown(form) {
    var input = form.querySelector('input[name="q"]');
    if (!input) return;
    var id = 'ss-dropdown' + (dropdowns++ ? '-' + dropdowns : '');
    var list = el('ul', { id: id, 'class': 'ss-dropdown', role: 'listbox', hidden: '' });
    form.appendChild(list);
    input.setAttribute('autocomplete', 'off');
    input.setAttribute('aria-controls', id);
    input.setAttribute('aria-expanded', 'false');
    var controller = null;

    function close() {
      list.hidden = true;
      input.setAttribute('aria-expanded', 'false');
    }

    function show(res, q) {
      while (list.firstChild) list.removeChild(list.firstChild);
      if (res.error || !res.hits || !res.hits.length) {
        list.appendChild(el('li', { 'class': 'ss-dropdown-empty' }, res.error || 'No matches'));
      } else {
        res.hits.slice(0, DROPDOWN_SIZE).forEach(function (h) {
          var li = el('li', { role: 'option' });
          var a = el('a', { 'class': 'ss-hit-title', href: hitHref(siteRoot, h.url) }, h.title || h.url);
          if (h.date || h.severity) {
            var meta = el('span', { 'class': 'ss-hit-meta' }, siteDate(h.date) + ' ');
            if (h.severity) meta.appendChild(sevBadge(h.severity));
            a.appendChild(meta);
          }
          li.appendChild(a);
          list.appendChild(li);
        });
        var all = el('li', { 'class': 'ss-dropdown-all' });
        all.appendChild(el('a', { href: siteRoot + 'search/?' + paramsFor({ q: q, filters: {}, page: 1 }).toString() },
          'All results (' + (res.total || 0) + ')'));
        list.appendChild(all);
      }
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
    }

    var lookup = debounce(function (q) {
      if (controller) controller.abort();
      if (!q) { close(); return; }
      controller = typeof AbortController === 'function' ? new AbortController() : null;
      var mine = controller;
      runSearch(siteRoot, { q: q, filters: {}, page: 1 }, DROPDOWN_SIZE, controller ? controller.signal : undefined)
        .then(function (res) {
          if (mine === controller && input.value.trim() === q) show(res, q);
        }, function () { /* aborted or failed: leave the box alone */ });
    }, DEBOUNCE_MS);

    input.addEventListener('input', function () { lookup(input.value.trim()); });
    input.addEventListener('keydown', function (ev) {
      if (ev.key === 'Escape') { close(); return; }
      if (ev.key === 'ArrowDown' && !list.hidden) {
        var first = list.querySelector('a');
        if (first) { ev.preventDefault(); first.focus(); }
      }
      // Enter is left alone: the form submits to the search page.
    });
    list.addEventListener('keydown', function (ev) {
      var links = Array.prototype.slice.call(list.querySelectorAll('a'));
      var i = links.indexOf(document.activeElement);
      if (ev.key === 'ArrowDown' && i < links.length - 1) { ev.preventDefault(); links[i + 1].focus(); }
      if (ev.key === 'ArrowUp') { ev.preventDefault(); if (i > 0) links[i - 1].focus(); else input.focus(); }
      if (ev.key === 'Escape') { close(); input.focus(); }
    });
    document.addEventListener('click', function (ev) {
      if (!form.contains(ev.target)) close();
    });
    form.addEventListener('focusout', function () {
      // Let focus settle; close when it left the form entirely.
      setTimeout(function () { if (!form.contains(document.activeElement)) close(); }, 0);
    });
  }

  function init() {
    var app = document.getElementById('search-app');
    if (app) {
      initSearchPage(app);
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll('form.site-search'), initDropdown);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
