/**
 * The page's only script. It draws the cells of the matrix that are in view (a 200-host mesh has
 * 39,800; a few hundred fit on a screen) into the CSS grid whose host headers the server wrote, and
 * redraws on scroll; fills the details panel on click (with textContent, never markup), decoding
 * that one cell from the details JSON, which is parsed on first use; sets hover titles lazily; moves
 * between cells with the arrow keys; and keeps the data age and the stale banner current. Plain
 * ES2017 kept as text so it reaches the page exactly as written (no bundler helpers); the data layout
 * is documented in matrix-page-data.ts.
 */
export const MATRIX_CLIENT_SCRIPT = `(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var grid = JSON.parse($('tw-grid').textContent);
  var detail = null;
  function details() {
    if (!detail) detail = JSON.parse($('tw-detail').textContent);
    return detail;
  }
  var n = grid.n;
  var RTT_SCALE = 100;
  var str = function (i) { return i < 0 ? null : grid.s[i]; };
  var dstr = function (i) { return i < 0 ? null : detail.s[i]; };
  // History fields are an array per sweep, or one value when every sweep had the same.
  var at = function (v, i) { return Array.isArray(v) ? v[i] : v; };
  var rttMs = function (v) { return v === null || v === undefined ? null : v / RTT_SCALE; };

  function fmtNum(ms) {
    if (ms < 1) return ms.toFixed(2);
    if (ms < 10) return ms.toFixed(1);
    return String(Math.round(ms));
  }
  function fmtRtt(ms) { return ms === null ? '—' : fmtNum(ms) + ' ms'; }
  function fmtLoss(r) {
    if (r === null || r === undefined) return '—';
    var pct = Math.min(Math.max(r, 0), 1) * 100;
    // 0.4% must not read as "0%": any loss at all shows as at least "<1%".
    return pct > 0 && pct < 1 ? '<1%' : Math.round(pct) + '%';
  }
  function fmtDetailNum(ms) { return ms < 10 ? ms.toFixed(2) : String(Math.round(ms)); }
  function fmtAge(ms) {
    if (ms < 0) return 'in the future (clock skew?)';
    var s = Math.floor(ms / 1000);
    if (s < 90) return s + ' s ago';
    var min = Math.floor(s / 60);
    if (min < 90) return min + ' min ago';
    var h = Math.floor(min / 60);
    if (h < 48) return h + ' h ' + (min % 60) + ' min ago';
    return Math.floor(h / 24) + ' days ago';
  }
  // Fast paths pale, slow paths dark, log scale from 0.1 ms (same rack) to 300 ms (across continents).
  function lightness(ms) {
    if (ms === null) return 80;
    var lo = Math.log10(0.1), hi = Math.log10(300);
    var t = (Math.log10(Math.min(Math.max(ms, 0.1), 300)) - lo) / (hi - lo);
    return Math.round(88 - t * 40);
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== null && text !== undefined) e.textContent = text;
    return e;
  }
  function row(table, cells, header) {
    var tr = el('tr');
    cells.forEach(function (c) { tr.appendChild(el(header ? 'th' : 'td', null, c)); });
    table.appendChild(tr);
  }
  function badge(state) { return el('span', 'state s-' + (state || 'none'), state || 'no data'); }
  function hostName(i) { return str(grid.h[i][0]); }

  // One cell's grid fields, decoded from the flat arrays.
  function cellAt(i) {
    var k = grid.k[grid.v[i]];
    return {
      index: i, from: Math.floor(i / n), to: i % n, state: str(k[0]), cause: str(k[1]), advice: str(k[2]),
      qualifiers: str(k[3]), latent: k[4] === 1, rtt: rttMs(grid.r[i]), loss: grid.l[i], strip: grid.y[grid.w[i]]
    };
  }
  function cellTitle(c) {
    return hostName(c.from) + ' → ' + hostName(c.to) + ': ' + c.state + ', ' + c.cause +
      (c.qualifiers ? ' (' + c.qualifiers + ')' : '') + '\\n' + c.advice;
  }

  var matrix = $('tw-matrix');
  var scroller = $('tw-scroll');
  var dense = matrix.classList.contains('dense');
  var colHeads = matrix.querySelectorAll('.col');
  var rowHeads = matrix.querySelectorAll('.row');

  /** One bar per cell, its colours as runs so a steady path is one class. */
  function strip(states) {
    var bar = el('i', 'hist');
    if (!states.length) return bar;
    var runs = [];
    states.forEach(function (s) {
      var last = runs[runs.length - 1];
      if (last && last.s === s) last.count++;
      else runs.push({ s: s, count: 1 });
    });
    var name = function (s) { return str(s) || 'none'; };
    if (runs.length === 1) { bar.className = 'hist hs-' + name(runs[0].s); return bar; }
    var done = 0;
    var round1 = function (x) { return Math.round(x * 10) / 10; };
    bar.style.background = 'linear-gradient(90deg,' + runs.map(function (run) {
      var from = done / states.length * 100;
      done += run.count;
      return 'var(--c-' + name(run.s) + ') ' + round1(from) + '% ' + round1(done / states.length * 100) + '%';
    }).join(',') + ')';
    return bar;
  }

  var selected = -1;
  var current = -1; // the cell that takes Tab focus into the grid (one tab stop, arrows inside)
  var shown = new Map();

  function drawCell(i) {
    var c = cellAt(i);
    var b = el('button', 'cell s-' + c.state + (c.latent ? ' latent' : ''));
    b.type = 'button';
    b.setAttribute('data-cell', String(i));
    b.style.gridRow = String(c.from + 2);
    b.style.gridColumn = String(c.to + 2);
    b.tabIndex = i === current ? 0 : -1;
    if (i === selected) b.setAttribute('aria-pressed', 'true');
    b.setAttribute('aria-label', hostName(c.from) + ' → ' + hostName(c.to) + ': ' + c.state + ', ' + c.cause +
      ', RTT ' + fmtRtt(c.rtt) + ', loss ' + fmtLoss(c.loss));
    if (c.state === 'up' || c.state === 'degraded') b.style.setProperty('--l', lightness(c.rtt) + '%');
    // Problem cells get their title at once; healthy ones on first hover.
    if (c.state !== 'up' || c.latent) b.title = cellTitle(c);
    b.appendChild(el('b', null, dense ? (c.rtt === null ? '—' : fmtNum(c.rtt)) : fmtRtt(c.rtt)));
    b.appendChild(el('small', null, fmtLoss(c.loss) + (dense ? '' : ' loss')));
    // Dense cells are too narrow for the cause: it is in the title and the panel.
    if (!dense && (c.state !== 'up' || c.latent)) b.appendChild(el('em', null, c.cause));
    b.appendChild(strip(c.strip));
    return b;
  }

  function drawSelf(r) {
    var d = el('div', 'self');
    d.style.gridRow = String(r + 2);
    d.style.gridColumn = String(r + 2);
    return d;
  }

  // Where the cell tracks are, read from the headers (all of them are in the markup). The pitch is
  // taken over the whole axis: offsets are whole pixels, tracks are not (3.1em), and a rounding error
  // per track would add up to rows missing at the far end of 200.
  function span(heads, vertical) {
    if (!heads.length) return null;
    var origin = matrix.getBoundingClientRect();
    var pos = function (h) {
      var box = h.getBoundingClientRect();
      return vertical ? box.top - origin.top : box.left - origin.left;
    };
    var first = pos(heads[0]);
    var pitch = heads.length > 1 ? (pos(heads[heads.length - 1]) - first) / (heads.length - 1) : 1;
    return { first: first, pitch: pitch > 0 ? pitch : 1 };
  }
  function range(s, from, to) {
    if (!s) return [0, -1];
    var lo = Math.floor((from - s.first) / s.pitch) - 1;
    var hi = Math.floor((to - s.first) / s.pitch) + 1;
    return [Math.max(lo, 0), Math.min(hi, n - 1)];
  }
  var cols = null, rows = null;
  function measure() {
    // Column headers stick to the top and row headers to the left: each is read on the axis it does not move on.
    cols = span(colHeads, false);
    rows = span(rowHeads, true);
  }

  function draw() {
    if (!cols || !rows) return;
    var cr = range(cols, scroller.scrollLeft, scroller.scrollLeft + scroller.clientWidth);
    var rr = range(rows, scroller.scrollTop, scroller.scrollTop + scroller.clientHeight);
    var inView = function (i) {
      var r = Math.floor(i / n), c = i % n;
      return r >= rr[0] && r <= rr[1] && c >= cr[0] && c <= cr[1];
    };
    shown.forEach(function (b, i) {
      // The focused cell stays, so scrolling never drops the keyboard's place.
      if (!inView(i) && b !== document.activeElement) { b.remove(); shown.delete(i); }
    });
    if (current < 0 || !inView(current)) {
      var first = -1;
      for (var r0 = rr[0]; r0 <= rr[1] && first < 0; r0++)
        for (var c0 = cr[0]; c0 <= cr[1]; c0++) if (r0 !== c0) { first = r0 * n + c0; break; }
      var keep = current >= 0 && shown.has(current) && shown.get(current) === document.activeElement;
      if (!keep && first >= 0) setCurrent(first);
    }
    var fragment = document.createDocumentFragment();
    for (var r = rr[0]; r <= rr[1]; r++) {
      for (var c = cr[0]; c <= cr[1]; c++) {
        var i = r * n + c;
        if (shown.has(i)) continue;
        var b = r === c ? drawSelf(r) : drawCell(i);
        shown.set(i, b);
        fragment.appendChild(b);
      }
    }
    matrix.appendChild(fragment);
  }
  function setCurrent(i) {
    var old = shown.get(current);
    if (old) old.tabIndex = -1;
    current = i;
    var now = shown.get(i);
    if (now) now.tabIndex = 0;
  }

  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; draw(); });
  }
  scroller.addEventListener('scroll', schedule, { passive: true });
  // The grid's box changes with the window and when the details panel wraps below it on narrow screens.
  new ResizeObserver(function () { measure(); schedule(); }).observe(scroller);
  measure();
  draw();

  // Arrow keys move between cells, scrolling the next one into view past the sticky headers.
  function reveal(r, c) {
    var headW = cols.first, headH = rows.first; // the sticky headers cover the grid up to the first track
    var left = cols.first + c * cols.pitch, top = rows.first + r * rows.pitch;
    if (left - headW < scroller.scrollLeft) scroller.scrollLeft = left - headW;
    else if (left + cols.pitch > scroller.scrollLeft + scroller.clientWidth)
      scroller.scrollLeft = left + cols.pitch - scroller.clientWidth;
    if (top - headH < scroller.scrollTop) scroller.scrollTop = top - headH;
    else if (top + rows.pitch > scroller.scrollTop + scroller.clientHeight)
      scroller.scrollTop = top + rows.pitch - scroller.clientHeight;
  }
  var MOVES = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  matrix.addEventListener('keydown', function (ev) {
    var move = MOVES[ev.key];
    var from = ev.target.getAttribute && ev.target.getAttribute('data-cell');
    if (!move || from === null) return;
    ev.preventDefault();
    var i = Number(from);
    var r = Math.floor(i / n) + move[0], c = (i % n) + move[1];
    if (r === c) { r += move[0]; c += move[1]; } // step over the diagonal
    if (r < 0 || c < 0 || r >= n || c >= n) return;
    reveal(r, c);
    draw();
    var next = r * n + c;
    setCurrent(next);
    var b = shown.get(next);
    if (b) b.focus({ preventScroll: true });
  });

  var panel = $('tw-details');
  function showCell(i) {
    var c = cellAt(i);
    var rec = details().c[i];
    var from = hostName(c.from), to = hostName(c.to);
    panel.textContent = '';
    panel.appendChild(el('h2', null, from + ' → ' + to));
    var p = el('p', 'verdict');
    p.appendChild(badge(c.state));
    p.appendChild(document.createTextNode(' '));
    p.appendChild(el('strong', 'cause', c.cause));
    if (c.qualifiers) p.appendChild(el('span', 'qualifiers', ' (' + c.qualifiers + ')'));
    panel.appendChild(p);
    panel.appendChild(el('p', 'advice', c.advice));
    if (c.latent) panel.appendChild(el('p', 'latent', 'Traffic flows now but this path will break (latent fault).'));
    if (rec[0].length) {
      panel.appendChild(el('h3', null, 'Evidence'));
      var ul = el('ul', 'evidence');
      rec[0].forEach(function (e) {
        ul.appendChild(el('li', null, dstr(e).replace(/[\\u0001\\u0002]/g, function (m) {
          return m === '\\u0001' ? from + '→' + to : to + '→' + from;
        })));
      });
      panel.appendChild(ul);
    }
    if (rec[1].length) {
      panel.appendChild(el('h3', null, 'Probes'));
      var t = el('table', 'probes');
      row(t, ['probe', 'state', 'replies', 'loss', 'RTT min/avg/max', 'note'], true);
      for (var j = 0; j < rec[1].length; ) {
        var q = detail.p[rec[1][j++]];
        var values = rec[1].slice(j, j + q[6]).map(rttMs);
        j += q[6];
        var rtt = values.length === 0 ? '—' :
          (values.length === 1 ? [values[0], values[0], values[0]] : values).map(fmtDetailNum).join(' / ') + ' ms';
        row(t, [dstr(q[0]), dstr(q[1]), q[3] === null ? '—' : q[4] + '/' + q[3], fmtLoss(q[5]), rtt, dstr(q[2]) || '']);
      }
      panel.appendChild(t);
    }
    panel.appendChild(el('h3', null, 'Last ' + grid.t.length + ' sweeps'));
    var h = el('table', 'history');
    row(h, ['sweep', 'state', 'RTT', 'loss'], true);
    for (var k = grid.t.length - 1; k >= 0; k--) {
      var s = str(grid.t[k]).replace('T', ' ').slice(0, 19);
      row(h, [s, str(c.strip[k]) || 'no data', fmtRtt(rttMs(at(rec[2], k))), fmtLoss(at(rec[3], k))]);
    }
    panel.appendChild(h);
  }

  function showHost(i) {
    var host = grid.h[i];
    panel.textContent = '';
    panel.appendChild(el('h2', null, 'Host ' + str(host[0])));
    var p = el('p', 'verdict');
    p.appendChild(badge(str(host[1])));
    panel.appendChild(p);
    var t = el('table', 'host');
    [['underlay IP', host[2]], ['agent container', host[3]], ['agent overlay IP', host[4]],
      ['agent advertised IP', host[5]]].forEach(function (kv) { row(t, [kv[0], str(kv[1]) || '—']); });
    panel.appendChild(t);
    if (host[6].length) {
      panel.appendChild(el('h3', null, 'Problems'));
      var ul = el('ul', 'problems');
      host[6].forEach(function (f) {
        var li = el('li');
        li.appendChild(el('strong', null, str(f[0])));
        li.appendChild(document.createTextNode(': ' + str(f[1])));
        ul.appendChild(li);
      });
      panel.appendChild(ul);
    } else {
      panel.appendChild(el('p', null, 'No host-level problems.'));
    }
  }

  var pressedHost = null;
  function unpress() {
    var old = shown.get(selected);
    if (old) old.setAttribute('aria-pressed', 'false');
    if (pressedHost) pressedHost.setAttribute('aria-pressed', 'false');
    selected = -1;
    pressedHost = null;
  }
  document.addEventListener('click', function (ev) {
    var b = ev.target.closest && ev.target.closest('[data-cell],[data-host]');
    if (!b) return;
    unpress();
    b.setAttribute('aria-pressed', 'true');
    if (b.hasAttribute('data-cell')) {
      selected = Number(b.getAttribute('data-cell'));
      setCurrent(selected);
      showCell(selected);
    } else {
      pressedHost = b;
      showHost(Number(b.getAttribute('data-host')));
    }
  });
  document.addEventListener('pointerover', function (ev) {
    var b = ev.target.closest && ev.target.closest('[data-cell]');
    if (b && !b.title) b.title = cellTitle(cellAt(Number(b.getAttribute('data-cell'))));
  });

  var age = $('tw-age');
  var banner = $('tw-stale');
  var finishedAt = Number(document.body.getAttribute('data-finished'));
  var staleAfter = Number(document.body.getAttribute('data-stale-after'));
  function tick() {
    if (!finishedAt) return;
    var ms = Date.now() - finishedAt;
    age.textContent = fmtAge(ms);
    var stale = ms > staleAfter;
    document.body.classList.toggle('stale', stale);
    banner.hidden = !stale;
    if (stale) $('tw-stale-age').textContent = fmtAge(ms);
  }
  tick();
  setInterval(tick, 5000);
})();`;
