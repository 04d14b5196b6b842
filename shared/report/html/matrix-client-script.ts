/**
 * The page's only script: fills the details panel on click (with textContent, never markup), sets
 * hover titles lazily, and keeps the data age and the stale banner current while the page stays open.
 * Plain ES2017 kept as text so it reaches the page exactly as written (no bundler helpers); the record
 * layouts are documented in matrix-page-data.ts.
 */
export const MATRIX_CLIENT_SCRIPT = `(function () {
  'use strict';
  // The details JSON (most of a large page) is parsed on the first click or hover, not at load.
  var data = null;
  function load() {
    if (!data) data = JSON.parse(document.getElementById('tw-data').textContent);
    return data;
  }
  var panel = document.getElementById('tw-details');
  var str = function (i) { return i < 0 ? null : data.s[i]; };
  // History fields are an array per sweep, or one value when every sweep had the same.
  var at = function (v, i) { return Array.isArray(v) ? v[i] : v; };

  function fmtRtt(ms) {
    if (ms === null || ms === undefined) return '—';
    if (ms < 1) return ms.toFixed(2) + ' ms';
    if (ms < 10) return ms.toFixed(1) + ' ms';
    return Math.round(ms) + ' ms';
  }
  function fmtNum(ms) { return ms < 10 ? ms.toFixed(2) : String(Math.round(ms)); }
  function fmtLoss(r) {
    if (r === null || r === undefined) return '—';
    var pct = Math.min(Math.max(r, 0), 1) * 100;
    return pct > 0 && pct < 1 ? '<1%' : Math.round(pct) + '%';
  }
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
  function hostName(i) { return str(data.h[i][0]); }

  function cellTitle(c) {
    return hostName(c[0]) + ' → ' + hostName(c[1]) + ': ' + str(c[2]) + ', ' + str(c[3]) + '\\n' + str(c[4]);
  }

  function showCell(c) {
    panel.textContent = '';
    panel.appendChild(el('h2', null, hostName(c[0]) + ' → ' + hostName(c[1])));
    var p = el('p', 'verdict');
    p.appendChild(badge(str(c[2])));
    p.appendChild(document.createTextNode(' '));
    p.appendChild(el('strong', 'cause', str(c[3])));
    if (c[11] >= 0) p.appendChild(el('span', 'qualifiers', ' (' + str(c[11]) + ')'));
    panel.appendChild(p);
    panel.appendChild(el('p', 'advice', str(c[4])));
    if (c[6]) panel.appendChild(el('p', 'latent', 'Traffic flows now but this path will break (latent fault).'));
    if (c[5].length) {
      panel.appendChild(el('h3', null, 'Evidence'));
      var ul = el('ul', 'evidence');
      c[5].forEach(function (e) { ul.appendChild(el('li', null, str(e))); });
      panel.appendChild(ul);
    }
    if (c[7].length) {
      panel.appendChild(el('h3', null, 'Probes'));
      var t = el('table', 'probes');
      row(t, ['probe', 'state', 'replies', 'loss', 'RTT min/avg/max', 'note'], true);
      c[7].forEach(function (q) {
        row(t, [str(q[0]), str(q[1]), q[2] === null ? '—' : q[3] + '/' + q[2], fmtLoss(q[4]),
          q[6] === null ? '—' : [q[5], q[6], q[7]].map(fmtNum).join(' / ') + ' ms', str(q[8]) || '']);
      });
      panel.appendChild(t);
    }
    panel.appendChild(el('h3', null, 'Last ' + data.t.length + ' sweeps'));
    var h = el('table', 'history');
    row(h, ['sweep', 'state', 'RTT', 'loss'], true);
    for (var i = data.t.length - 1; i >= 0; i--) {
      row(h, [str(data.t[i]).replace('T', ' ').slice(0, 19), str(at(c[8], i)) || 'no data', fmtRtt(at(c[9], i)), fmtLoss(at(c[10], i))]);
    }
    panel.appendChild(h);
  }

  function showHost(i) {
    var host = data.h[i];
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

  var selected = null;
  // aria-pressed is set only once a button is selected, to keep 2,450 cells' markup small.
  function select(button) {
    if (selected) selected.setAttribute('aria-pressed', 'false');
    selected = button;
    button.setAttribute('aria-pressed', 'true');
  }
  document.addEventListener('click', function (ev) {
    var b = ev.target.closest && ev.target.closest('[data-cell],[data-host]');
    if (!b) return;
    load();
    if (b.hasAttribute('data-cell')) showCell(data.c[Number(b.getAttribute('data-cell'))]);
    else showHost(Number(b.getAttribute('data-host')));
    select(b);
  });
  // Healthy cells carry no title in the markup (it would double a 50-host page); add it on first hover.
  document.addEventListener('pointerover', function (ev) {
    var b = ev.target.closest && ev.target.closest('[data-cell]');
    if (b && !b.title) b.title = cellTitle(load().c[Number(b.getAttribute('data-cell'))]);
  });

  var age = document.getElementById('tw-age');
  var banner = document.getElementById('tw-stale');
  var finishedAt = Number(document.body.getAttribute('data-finished'));
  var staleAfter = Number(document.body.getAttribute('data-stale-after'));
  function tick() {
    if (!finishedAt) return;
    var ms = Date.now() - finishedAt;
    age.textContent = fmtAge(ms);
    var stale = ms > staleAfter;
    document.body.classList.toggle('stale', stale);
    banner.hidden = !stale;
    if (stale) document.getElementById('tw-stale-age').textContent = fmtAge(ms);
  }
  tick();
  setInterval(tick, 5000);
})();`;
