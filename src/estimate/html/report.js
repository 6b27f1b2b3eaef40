// SPDX-License-Identifier: Apache-2.0
// npukit performance report: the page's script (inlined into report.html at build time). Reads the report
// JSON (docs/PERF_REPORT.md) from #npukit-data and draws the four tabs itself (HTML tables, SVG charts, a
// canvas Gantt chart); no library, no network. Open with #tab=<summary|temporal|layers|timeline> to start
// on a tab, with #selftest to run the built-in browser self-test (verdict in #npukit-selftest).
(function () {
  'use strict';

  var MU = '\u00b5';
  var UNITS = ['TAE', 'VAE', 'AAE', 'TRANS', 'LOAD', 'STORE'];
  var UNIT_COLORS = { TAE: '#2563eb', VAE: '#16a34a', AAE: '#9333ea', TRANS: '#0891b2', LOAD: '#f59e0b', STORE: '#e11d48' };
  var OP_PALETTE = ['#2563eb', '#16a34a', '#7c3aed', '#0891b2', '#65a30d', '#4f46e5', '#a16207', '#0d9488',
    '#c026d3', '#0284c7', '#15803d', '#6d28d9', '#0e7490', '#854d0e', '#db2777', '#475569'];
  var TAB_NAMES = ['summary', 'temporal', 'layers', 'timeline'];
  var errors = [];
  window.addEventListener('error', function (e) { errors.push(String(e.message || e)); });

  // ---------------------------------------------------------------- data
  var R = {};
  try {
    R = JSON.parse(document.getElementById('npukit-data').textContent) || {};
  } catch (e) {
    errors.push('report JSON: ' + e.message);
  }
  function obj(x) { return x && typeof x === 'object' && !Array.isArray(x) ? x : {}; }
  function arr(x) { return Array.isArray(x) ? x : []; }
  var S = obj(R.summary);
  var SEGMENTS = arr(R.segments);
  var T = obj(R.temporal);
  var LAYERS = arr(R.layers);
  var TIMELINE = arr(R.timeline);

  // ---------------------------------------------------------------- formatting
  function num(x) { return typeof x === 'number' && isFinite(x) ? x : NaN; }
  function esc(s) {
    return String(s === undefined || s === null ? '' : s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  var DASH = '\u2013';
  function fmt(x, digits) {
    x = num(x);
    if (isNaN(x)) return DASH;
    if (digits === undefined) {
      var a = Math.abs(x);
      digits = a >= 1000 ? 0 : a >= 100 ? 1 : a >= 10 ? 2 : a >= 1 ? 3 : a === 0 ? 0 : 4;
    }
    return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  function fmtInt(x) { x = num(x); return isNaN(x) ? DASH : Math.round(x).toLocaleString('en-US'); }
  function scaled(x, units, base) {
    x = num(x);
    if (isNaN(x)) return [DASH, ''];
    var i = 0;
    while (i < units.length - 1 && Math.abs(x) >= base * 0.9995) { x /= base; i++; }
    return [fmt(x, i === 0 && Number.isInteger(x) ? 0 : undefined), units[i]];
  }
  function fmtBytes(b) { var s = scaled(b, ['B', 'KB', 'MB', 'GB', 'TB'], 1000); return s[0] + ' ' + s[1]; }
  function fmtOps(o) { var s = scaled(o, ['', 'K', 'M', 'G', 'T'], 1000); return s[0] + ' ' + s[1] + 'OPs'; }
  function fmtMBps(m) {
    m = num(m);
    if (isNaN(m)) return DASH;
    return m >= 1000 ? fmt(m / 1000) + ' GB/s' : fmt(m) + ' MB/s';
  }
  function fmtUs(us) {
    us = num(us);
    if (isNaN(us)) return DASH;
    if (Math.abs(us) >= 10000) return fmt(us / 1000) + ' ms';
    return fmt(us) + ' ' + MU + 's';
  }
  function pct(x) { x = num(x); return isNaN(x) ? DASH : fmt(x, x >= 10 ? 1 : 2) + ' %'; }
  function el(tag, cls, html) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (html !== undefined) e.innerHTML = html;
    return e;
  }
  // A share bar: the number, then a track with the filled part(s). parts: [[percent of track, css class or colour]].
  function bar(text, parts) {
    var left = 0;
    return '<div class="bar"><span class="txt">' + text + '</span><span class="track">' + parts.map(function (p) {
      var w = Math.max(0, Math.min(100 - left, isNaN(p[0]) ? 0 : p[0]));
      var st = 'left:' + left.toFixed(2) + '%;width:' + w.toFixed(2) + '%' + (p[1].charAt(0) === '#' ? ';background:' + p[1] : '');
      left += w;
      return '<span class="fill' + (p[1].charAt(0) === '#' ? '' : ' ' + p[1]) + '" style="' + st + '"></span>';
    }).join('') + '</span></div>';
  }
  function targetBadge(t) { t = t === 'CPU' ? 'CPU' : t === 'NPU' ? 'NPU' : String(t || '?'); return '<span class="tgt ' + esc(t) + '">' + esc(t) + '</span>'; }

  // "Nice" axis ticks.
  function niceTicks(lo, hi, count) {
    if (!(hi > lo)) hi = lo + 1;
    var span = hi - lo, step = Math.pow(10, Math.floor(Math.log10(span / count)));
    var err = span / count / step;
    if (err >= 7.5) step *= 10; else if (err >= 3.5) step *= 5; else if (err >= 1.5) step *= 2;
    var ticks = [], t = Math.ceil(lo / step) * step;
    for (; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
    return { ticks: ticks, step: step };
  }
  function tickLabel(v, step) {
    if (v === 0) return '0';
    var d = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
    return v.toLocaleString('en-US', { minimumFractionDigits: Math.min(d, 6), maximumFractionDigits: Math.min(d, 6) });
  }

  var tooltip = document.getElementById('tooltip');
  function showTip(html, x, y) {
    tooltip.innerHTML = html;
    tooltip.hidden = false;
    var w = tooltip.offsetWidth, h = tooltip.offsetHeight;
    var left = x + 14, top = y + 14;
    if (left + w > window.innerWidth - 8) left = Math.max(8, x - w - 14);
    if (top + h > window.innerHeight - 8) top = Math.max(8, y - h - 14);
    tooltip.style.left = left + 'px';
    tooltip.style.top = top + 'px';
  }
  function hideTip() { tooltip.hidden = true; }
  function tipRows(rows) {
    return '<table>' + rows.map(function (r) { return '<tr><td>' + esc(r[0]) + '</td><td>' + r[1] + '</td></tr>'; }).join('') + '</table>';
  }

  // ---------------------------------------------------------------- derived data
  var latencyUs = num(S.latency_us);
  var timelineEnd = 0;
  for (var i = 0; i < TIMELINE.length; i++) {
    var e = num(TIMELINE[i].end_us);
    if (e > timelineEnd) timelineEnd = e;
  }
  var totalUs = Math.max(isNaN(latencyUs) ? 0 : latencyUs, timelineEnd);
  var nCores = Math.max(1, num(S.cores) || 1);
  TIMELINE.forEach(function (t) { if (num(t.core) + 1 > nCores) nCores = num(t.core) + 1; });
  var unitBusy = {};
  UNITS.forEach(function (u) { unitBusy[u] = 0; });
  TIMELINE.forEach(function (t) {
    var d = num(t.end_us) - num(t.start_us);
    if (d > 0 && unitBusy[t.unit] !== undefined) unitBusy[t.unit] += d;
  });
  // Colours by op: LOAD / STORE fixed, the others by frequency.
  var opColor = { LOAD: UNIT_COLORS.LOAD, STORE: UNIT_COLORS.STORE };
  var opOrder = [];
  (function () {
    var counts = {};
    TIMELINE.forEach(function (t) { var o = String(t.op || '?'); counts[o] = (counts[o] || 0) + 1; });
    opOrder = Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a] || (a < b ? -1 : 1); });
    var k = 0;
    opOrder.forEach(function (o) { if (!opColor[o]) opColor[o] = OP_PALETTE[k++ % OP_PALETTE.length]; });
  })();

  // #tab=NAME, #selftest, #tab=timeline&view=START,END
  var params = {};
  location.hash.replace(/^#/, '').split('&').forEach(function (p) {
    var kv = p.split('=');
    if (kv[0]) { try { params[kv[0]] = kv.length > 1 ? decodeURIComponent(kv[1]) : ''; } catch (e) { params[kv[0]] = ''; } }
  });

  // ---------------------------------------------------------------- header
  (function () {
    var b = document.getElementById('badges');
    var items = [];
    if (S.march) items.push(String(S.march));
    if (num(S.cores)) items.push(fmtInt(S.cores) + (num(S.cores) === 1 ? ' core' : ' cores'));
    if (num(S.clock_mhz)) items.push(fmt(S.clock_mhz, 0) + ' MHz');
    if (S.npukit_version) items.push('npukit ' + S.npukit_version);
    b.innerHTML = items.map(function (s) { return '<span class="badge">' + esc(s) + '</span>'; }).join('');
  })();

  // ---------------------------------------------------------------- Summary tab
  function renderSummary(panel) {
    var peak = num(S.peak_tops), lat = num(S.latency_us);
    var npuOps = num(S.npu_ops_per_run);
    if (isNaN(npuOps)) npuOps = num(S.ops_per_run);
    var tops = lat > 0 ? npuOps / (lat * 1e-6) / 1e12 : NaN;
    var kpis = [
      ['Throughput', fmt(S.fps, num(S.fps) >= 100 ? 1 : 2), 'FPS', fmtInt(S.frames_per_run) + ' frame' + (num(S.frames_per_run) === 1 ? '' : 's') + ' per run \u00b7 ' + fmt(S.runs_per_second) + ' runs/s', 'kpi-fps'],
      ['Latency', fmt(S.latency_ms), 'ms', fmt(S.latency_us) + ' ' + MU + 's per run (NPU segments)', 'kpi-latency'],
      ['Compute per frame', fmtOps(S.ops_per_frame).replace(/ ([KMGT]?OPs)$/, ''), (fmtOps(S.ops_per_frame).match(/([KMGT]?OPs)$/) || [''])[0],
        isNaN(tops) ? '' : fmt(tops, 3) + ' TOPS achieved' + (peak > 0 ? ' \u00b7 ' + fmt(100 * tops / peak, 1) + ' % of ' + fmt(peak) + ' peak' : ''), 'kpi-ops'],
      ['DDR per frame', fmt(S.ddr_mb_per_frame), 'MB', 'load ' + fmtBytes(S.loaded_bytes_per_frame) + ' \u00b7 store ' + fmtBytes(S.stored_bytes_per_frame), 'kpi-ddr'],
      ['DDR bandwidth', fmtMBps(S.ddr_mb_per_second).split(' ')[0], fmtMBps(S.ddr_mb_per_second).split(' ')[1] || '', fmtBytes(S.ddr_bytes_per_run) + ' per run', 'kpi-bw'],
      ['Segments', fmtInt(num(S.npu_segments) + (num(S.cpu_segments) || 0)), '', fmtInt(S.npu_segments) + ' NPU \u00b7 ' + fmtInt(S.cpu_segments) + ' CPU' +
        (num(S.cpu_segments) > 0 ? ' (CPU not estimated)' : ''), 'kpi-seg']
    ];
    var html = '<div class="kpis">' + kpis.map(function (k) {
      return '<div class="kpi" id="' + k[4] + '"><div class="label">' + esc(k[0]) + '</div><div class="value">' + esc(k[1]) +
        (k[2] ? '<span class="unit">' + esc(k[2]) + '</span>' : '') + '</div><div class="detail">' + esc(k[3]) + '</div></div>';
    }).join('') + '</div>';

    var kv = [
      ['Model', esc(S.model_name)], ['March', esc(S.march)], ['Cores', fmtInt(S.cores)],
      ['Clock', fmt(S.clock_mhz, 0) + ' MHz'], ['Peak', fmt(S.peak_tops) + ' TOPS'],
      ['Frames per run', fmtInt(S.frames_per_run)], ['Runs per second', fmt(S.runs_per_second)],
      ['Latency', fmt(S.latency_ms) + ' ms = ' + fmt(S.latency_us) + ' ' + MU + 's'],
      ['Ops per frame / per run', fmtOps(S.ops_per_frame) + ' / ' + fmtOps(S.ops_per_run)],
      ['NPU ops / CPU ops per run', fmtOps(S.npu_ops_per_run) + ' / ' + fmtOps(S.cpu_ops_per_run)],
      ['DDR per frame', fmt(S.ddr_mb_per_frame, 3) + ' MB (' + fmtInt(S.ddr_bytes_per_frame) + ' B)'],
      ['DDR per run', fmtBytes(S.ddr_bytes_per_run)],
      ['DDR per second', fmt(S.ddr_mb_per_second, 1) + ' MB/s'],
      ['Loaded / stored per frame', fmtBytes(S.loaded_bytes_per_frame) + ' / ' + fmtBytes(S.stored_bytes_per_frame)],
      ['Compute / load-store time (sum over layers)', fmtUs(S.compute_us) + ' / ' + fmtUs(S.load_store_us)],
      ['Parameter CRC', S.parameter_crc ? '<span class="opts">' + esc(S.parameter_crc) + '</span>' : '<span class="muted">unknown</span>'],
      ['npukit version', esc(S.npukit_version)],
      ['Estimate took', isNaN(num(S.estimate_seconds)) ? DASH : fmt(num(S.estimate_seconds) * 1000, 1) + ' ms']
    ];
    html += '<div class="grid2"><div class="card"><h2>Model and target</h2><table class="kv" id="summary-kv">' +
      kv.map(function (r) { return '<tr><td>' + esc(r[0]) + '</td><td>' + r[1] + '</td></tr>'; }).join('') + '</table></div>';

    // Latency by segment (all segments; CPU ones are not estimated).
    var maxLat = 0;
    SEGMENTS.forEach(function (s) { maxLat = Math.max(maxLat, num(s.latency_us) || 0); });
    html += '<div><div class="card"><h2>Latency by segment<span class="sub">in execution order</span></h2>' +
      '<table class="data" id="segment-table"><thead><tr><th>#</th><th>Target</th><th class="n">Nodes</th><th class="n">Ops</th>' +
      '<th>Latency</th><th class="n">Start</th><th class="n">DDR</th><th class="n">Commands</th><th class="n">Calls</th></tr></thead><tbody>';
    if (!SEGMENTS.length) html += '<tr><td colspan="9" class="empty">no segments</td></tr>';
    SEGMENTS.forEach(function (s) {
      var cpu = s.target === 'CPU';
      var share = lat > 0 ? 100 * num(s.latency_us) / lat : 0;
      html += '<tr class="' + (cpu ? 'cpu' : 'npu') + '"><td class="n">' + esc(s.index) + '</td><td>' + targetBadge(s.target) + '</td>' +
        '<td class="n">' + fmtInt(s.nodes) + '</td><td class="n">' + fmtOps(s.ops) + '</td>' +
        (cpu ? '<td><span class="ne">not estimated</span></td><td class="n">' + DASH + '</td><td class="n">' + DASH + '</td><td class="n">' + DASH + '</td><td class="n">' + DASH + '</td>'
          : '<td>' + bar(fmtUs(s.latency_us) + (lat > 0 ? ' \u00b7 ' + pct(share) : ''), [[maxLat > 0 ? 100 * num(s.latency_us) / maxLat : 0, 'lat']]) + '</td>' +
            '<td class="n">' + fmtUs(s.start_us) + '</td><td class="n">' + fmtBytes(s.ddr_bytes) + '</td><td class="n">' + fmtInt(s.commands) +
            '</td><td class="n">' + fmtInt(s.function_calls) + '</td>') + '</tr>';
    });
    html += '</tbody></table>';
    if (num(S.cpu_segments) > 0) {
      html += '<p class="note">CPU segments are listed with their op counts and are <b>not</b> included in the latency; measure them on a board with <code>npukit exec perf</code>.</p>';
    }
    html += '</div>';

    // Unit busy time (from the timeline).
    html += '<div class="card"><h2>Unit busy time<span class="sub">share of the run each unit is busy, averaged over the cores</span></h2><table class="data" id="unit-busy"><tbody>';
    UNITS.forEach(function (u) {
      var p = totalUs > 0 ? 100 * unitBusy[u] / (totalUs * nCores) : 0;
      html += '<tr><td style="width:90px"><span class="swatch" style="background:' + UNIT_COLORS[u] + '"></span>' + u + '</td>' +
        '<td>' + bar(pct(p), [[p, UNIT_COLORS[u]]]) + '</td><td class="n" style="width:110px">' + fmtUs(unitBusy[u]) + '</td></tr>';
    });
    html += '</tbody></table></div></div></div>';

    // Top layers and compile options.
    var top = LAYERS.map(function (l, i) { return [i, num(l.compute_us) || 0, num(l.load_store_us) || 0]; })
      .sort(function (a, b) { return (b[1] + b[2]) - (a[1] + a[2]); }).slice(0, 8);
    var maxTop = top.length ? top[0][1] + top[0][2] : 0;
    html += '<div class="row-gap"></div><div class="grid2"><div class="card"><h2>Compile options</h2><table class="kv opts" id="compile-options">';
    var opts = obj(S.compile_options), keys = Object.keys(opts).sort();
    if (!keys.length) html += '<tr><td class="muted">none recorded</td><td></td></tr>';
    keys.forEach(function (k) {
      var v = opts[k];
      html += '<tr><td>' + esc(k) + '</td><td>' + esc(typeof v === 'string' ? v : JSON.stringify(v)) + '</td></tr>';
    });
    html += '</table></div><div class="card"><h2>Heaviest layers<span class="sub">compute + load/store time; double-click a row in Layer Details to see it on the Timeline</span></h2>' +
      '<table class="data"><tbody>';
    top.forEach(function (t) {
      var l = LAYERS[t[0]];
      html += '<tr><td class="name" style="max-width:260px;overflow:hidden;text-overflow:ellipsis" title="' + esc(l.name) + '">' + esc(l.name) +
        '</td><td class="muted">' + esc(l.op) + '</td><td style="width:50%">' +
        bar(fmtUs(t[1] + t[2]), [[maxTop > 0 ? 100 * t[1] / maxTop : 0, 'compute'], [maxTop > 0 ? 100 * t[2] / maxTop : 0, 'ls']]) + '</td></tr>';
    });
    if (!top.length) html += '<tr><td class="empty">no layers</td></tr>';
    html += '</tbody></table><div class="legend" style="margin-top:8px"><span class="item"><span class="sw box" style="background:#60a5fa"></span>compute</span>' +
      '<span class="item"><span class="sw box" style="background:#fbbf24"></span>load / store</span></div></div></div>';
    panel.innerHTML = html;
  }

  // ---------------------------------------------------------------- Temporal tab
  var SVGNS = 'http' + '://www.w3.org/2000/svg';  // namespace name, not fetched
  function svg(tag, attrs, parent) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }

  // A line chart of per-interval series. opts: {id, series: [{key, name, color, values, area}], yMax, yLabel,
  // yFmt, xUnit ('ms' or 'us'), xScale (interval index -> x value), interval}.
  function LineChart(host, opts) {
    this.host = host;
    this.opts = opts;
    this.hidden = {};
    var self = this;
    this.legend = el('div', 'legend');
    opts.series.forEach(function (s) {
      var vals = s.values.map(num).filter(function (v) { return !isNaN(v); });
      var avg = vals.length ? vals.reduce(function (a, b) { return a + b; }, 0) / vals.length : NaN;
      var max = vals.length ? Math.max.apply(null, vals) : NaN;
      var item = el('span', 'item', '<span class="sw" style="background:' + s.color + '"></span>' + esc(s.name) +
        ' <span class="stat">avg ' + opts.yFmt(avg) + ' \u00b7 max ' + opts.yFmt(max) + '</span>');
      item.setAttribute('data-key', s.key);
      item.title = 'click to show / hide';
      item.addEventListener('click', function () {
        self.hidden[s.key] = !self.hidden[s.key];
        item.classList.toggle('off', !!self.hidden[s.key]);
        self.draw();
      });
      self.legend.appendChild(item);
    });
    host.appendChild(this.legend);
    this.box = el('div', 'chart');
    this.box.id = opts.id;
    host.appendChild(this.box);
  }
  LineChart.prototype.draw = function () {
    var o = this.opts, self = this;
    var W = Math.max(480, this.box.clientWidth || 900), H = 300;
    var m = { l: 64, r: 18, t: 12, b: 42 };
    var pw = W - m.l - m.r, ph = H - m.t - m.b;
    var n = o.series.length ? o.series[0].values.length : 0;
    this.box.innerHTML = '';
    var root = svg('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, 'data-intervals': n });
    var xMax = n * o.interval;
    var yMax = o.yMax;
    if (!yMax) {
      yMax = 0;
      o.series.forEach(function (s) { if (!self.hidden[s.key]) s.values.forEach(function (v) { v = num(v); if (v > yMax) yMax = v; }); });
      yMax = yMax > 0 ? yMax * 1.08 : 1;
    }
    var yt = niceTicks(0, yMax, 5);
    if (!o.yMax) yMax = Math.max(yMax, yt.ticks[yt.ticks.length - 1]);
    function X(t) { return m.l + (xMax > 0 ? t / xMax : 0) * pw; }
    function Y(v) { return m.t + ph - Math.max(0, Math.min(1, v / yMax)) * ph; }
    yt.ticks.forEach(function (t) {
      if (t > yMax + 1e-9) return;
      svg('line', { class: 'grid', x1: m.l, x2: m.l + pw, y1: Y(t), y2: Y(t) }, root);
      var lab = svg('text', { x: m.l - 8, y: Y(t) + 4, 'text-anchor': 'end' }, root);
      lab.textContent = o.yTick(t, yt.step);
    });
    var xt = niceTicks(0, xMax * o.xScale, Math.max(4, Math.floor(pw / 90)));
    xt.ticks.forEach(function (t) {
      var x = X(t / o.xScale);
      if (x > m.l + pw + 0.5) return;
      svg('line', { class: 'grid', x1: x, x2: x, y1: m.t, y2: m.t + ph }, root);
      var lab = svg('text', { x: x, y: m.t + ph + 16, 'text-anchor': 'middle' }, root);
      lab.textContent = tickLabel(t, xt.step);
    });
    svg('line', { class: 'axis', x1: m.l, x2: m.l + pw, y1: m.t + ph, y2: m.t + ph }, root);
    svg('line', { class: 'axis', x1: m.l, x2: m.l, y1: m.t, y2: m.t + ph }, root);
    var xl = svg('text', { class: 'axis-title', x: m.l + pw / 2, y: H - 6, 'text-anchor': 'middle' }, root);
    xl.textContent = 'time (' + o.xUnit + ')';
    var yl = svg('text', { class: 'axis-title', x: 14, y: m.t + ph / 2, 'text-anchor': 'middle', transform: 'rotate(-90 14 ' + (m.t + ph / 2) + ')' }, root);
    yl.textContent = o.yLabel;
    o.series.forEach(function (s) {
      if (self.hidden[s.key] || !n) return;
      // A step line: each interval's value is flat over the interval (one H segment per interval).
      var pts = [];
      for (var i = 0; i < n; i++) {
        var yv = Y(num(s.values[i]) || 0).toFixed(1);
        pts.push((i ? 'V' + yv : 'M' + X(0).toFixed(1) + ' ' + yv) + 'H' + X((i + 1) * o.interval).toFixed(1));
      }
      if (s.area) {
        svg('path', { class: 'area', fill: s.color, d: pts.join('') + 'V' + Y(0) + 'H' + X(0).toFixed(1) + 'Z' }, root);
      }
      svg('path', { class: 'series', stroke: s.color, d: pts.join(''), 'data-key': s.key, 'data-points': n }, root);
    });
    var cross = svg('line', { class: 'cross', x1: 0, x2: 0, y1: m.t, y2: m.t + ph, visibility: 'hidden' }, root);
    var dots = svg('g', {}, root);
    var hit = svg('rect', { x: m.l, y: m.t, width: pw, height: ph, fill: 'transparent' }, root);
    hit.addEventListener('mousemove', function (ev) {
      var r = root.getBoundingClientRect();
      var i = Math.floor((ev.clientX - r.left - m.l) / pw * n);
      if (i < 0 || i >= n) return;
      var cx = X((i + 0.5) * o.interval);
      cross.setAttribute('x1', cx); cross.setAttribute('x2', cx); cross.setAttribute('visibility', 'visible');
      dots.innerHTML = '';
      var rows = [];
      o.series.forEach(function (s) {
        if (self.hidden[s.key]) return;
        var v = num(s.values[i]);
        svg('circle', { cx: cx, cy: Y(v || 0), r: 3.5, fill: s.color, stroke: '#fff', 'stroke-width': 1.5 }, dots);
        rows.push(['<span class="sw" style="background:' + s.color + '"></span>' + esc(s.name), o.yFmt(v)]);
      });
      var t0 = i * o.interval * o.xScale, t1 = (i + 1) * o.interval * o.xScale;
      showTip('<div class="tt-title">interval ' + (i + 1) + ' of ' + n + ': ' + fmt(t0) + DASH + fmt(t1) + ' ' + o.xUnit + '</div>' +
        '<table>' + rows.map(function (r) { return '<tr><td>' + r[0] + '</td><td>' + esc(r[1]) + '</td></tr>'; }).join('') + '</table>', ev.clientX, ev.clientY);
    });
    hit.addEventListener('mouseleave', function () { cross.setAttribute('visibility', 'hidden'); dots.innerHTML = ''; hideTip(); });
    this.box.appendChild(root);
  };

  var charts = [];
  function renderTemporal(panel) {
    panel.innerHTML = '';
    charts = [];
    var util = obj(T.unit_utilization);
    var intervalUs = num(T.interval_us);
    if (isNaN(intervalUs)) intervalUs = num(T.interval_ms) * 1000;
    var n = Math.max(arr(T.load_mbps).length, arr(T.store_mbps).length);
    Object.keys(util).forEach(function (k) { n = Math.max(n, arr(util[k]).length); });
    if (!(intervalUs > 0) || !n) {
      panel.appendChild(el('div', 'card empty', 'No temporal statistics in this report.'));
      return;
    }
    var useMs = n * intervalUs >= 2000;
    var common = { interval: intervalUs, xScale: useMs ? 0.001 : 1, xUnit: useMs ? 'ms' : MU + 's' };
    function pad(a) { a = arr(a).slice(); while (a.length < n) a.push(0); return a; }
    var head = el('div', 'card');
    head.innerHTML = '<h2>Unit utilization<span class="sub">per interval of ' + fmtUs(intervalUs) + ' (' + fmtInt(n) +
      ' intervals), % of the time each unit is busy, averaged over ' + fmtInt(nCores) + (nCores === 1 ? ' core' : ' cores') + '</span></h2>';
    panel.appendChild(head);
    charts.push(new LineChart(head, Object.assign({
      id: 'chart-utilization', yMax: 100, yLabel: 'utilization (%)',
      yFmt: function (v) { return pct(v); }, yTick: function (t) { return t.toFixed(0); },
      series: UNITS.map(function (u) { return { key: u.toLowerCase(), name: u, color: UNIT_COLORS[u], values: pad(util[u.toLowerCase()]) }; })
    }, common)));
    var bw = el('div', 'card');
    bw.innerHTML = '<h2>DDR bandwidth<span class="sub">MB/s read (LOAD) and written (STORE) per interval, all cores</span></h2>';
    panel.appendChild(bw);
    charts.push(new LineChart(bw, Object.assign({
      id: 'chart-bandwidth', yMax: 0, yLabel: 'MB/s',
      yFmt: function (v) { return fmtMBps(v); }, yTick: function (t, step) { return tickLabel(t, step); },
      series: [{ key: 'load', name: 'load', color: UNIT_COLORS.LOAD, values: pad(T.load_mbps), area: true },
        { key: 'store', name: 'store', color: UNIT_COLORS.STORE, values: pad(T.store_mbps), area: true }]
    }, common)));
    charts.forEach(function (c) { c.draw(); });
  }

  // ---------------------------------------------------------------- Layer Details tab
  var COLS = [
    { key: 'index', label: '#', num: true },
    { key: 'name', label: 'Layer' },
    { key: 'op', label: 'Op' },
    { key: 'target', label: 'Target' },
    { key: 'segment', label: 'Seg', num: true },
    { key: 'ops', label: 'Ops', num: true, f: fmtOps },
    { key: 'compute_us', label: 'Compute ' + MU + 's', num: true, f: function (v) { return fmt(v); } },
    { key: 'compute_percent', label: 'Compute share', num: true, bar: 'compute' },
    { key: 'load_store_us', label: 'Load/store ' + MU + 's', num: true, f: function (v) { return fmt(v); } },
    { key: 'load_store_percent', label: 'Load/store share', num: true, bar: 'ls' },
    { key: 'ddr_bytes', label: 'DDR', num: true, f: fmtBytes },
    { key: 'commands', label: 'Cmds', num: true, f: fmtInt },
    { key: 'start_us', label: 'Active ' + MU + 's', num: true, window: true },
    { key: 'end_us', hidden: true, num: true }
  ];
  var SHOWN = COLS.filter(function (c) { return !c.hidden; });
  var layerState = { sortKey: 'index', dir: 1, filter: '' };
  var layerRows = LAYERS.map(function (l, i) {
    var r = { index: i, l: l };
    COLS.forEach(function (c) { if (c.key !== 'index') r[c.key] = c.num ? num(l[c.key]) : String(l[c.key] === undefined ? '' : l[c.key]); });
    r.search = (r.name + '\n' + r.op + '\n' + r.target).toLowerCase();
    return r;
  });
  var maxShare = { compute_percent: 0, load_store_percent: 0 };
  layerRows.forEach(function (r) {
    if (r.compute_percent > maxShare.compute_percent) maxShare.compute_percent = r.compute_percent;
    if (r.load_store_percent > maxShare.load_store_percent) maxShare.load_store_percent = r.load_store_percent;
  });
  var layerTable = null;
  function renderLayers(panel) {
    panel.innerHTML = '<div class="toolbar"><input class="filter" id="layer-filter" type="search" placeholder="Filter by name, op or target" autocomplete="off">' +
      '<span class="hint" id="layer-count"></span><span class="spacer"></span><span class="hint">click a column to sort \u00b7 double-click an NPU layer to see it on the Timeline</span></div>' +
      '<div class="table-wrap"><table class="data layers" id="layer-table"><thead><tr>' +
      SHOWN.map(function (c) {
        return '<th class="sortable' + (c.num ? ' n' : '') + '" data-key="' + c.key + '">' + esc(c.label) + ' <span class="arrow"></span></th>';
      }).join('') + '</tr></thead><tbody></tbody><tfoot></tfoot></table></div>';
    layerTable = panel.querySelector('#layer-table');
    var input = panel.querySelector('#layer-filter');
    input.value = layerState.filter;
    input.addEventListener('input', function () { layerState.filter = input.value; fillLayers(); });
    Array.prototype.forEach.call(layerTable.querySelectorAll('th'), function (th) {
      th.addEventListener('click', function () {
        var key = th.getAttribute('data-key');
        var col = COLS.filter(function (c) { return c.key === key; })[0];
        if (layerState.sortKey === key) layerState.dir = -layerState.dir;
        else { layerState.sortKey = key; layerState.dir = col.num && key !== 'index' && key !== 'segment' && key !== 'start_us' && key !== 'end_us' ? -1 : 1; }
        fillLayers();
      });
    });
    layerTable.querySelector('tbody').addEventListener('dblclick', function (ev) {
      var tr = ev.target.closest('tr');
      if (!tr) return;
      var i = +tr.getAttribute('data-index');
      var l = LAYERS[i];
      if (!l || l.target === 'CPU') return;
      showLayerOnTimeline(i);
    });
    fillLayers();
  }
  function visibleLayerRows() {
    var f = layerState.filter.trim().toLowerCase();
    var rows = f ? layerRows.filter(function (r) { return r.search.indexOf(f) >= 0; }) : layerRows.slice();
    var k = layerState.sortKey, d = layerState.dir;
    rows.sort(function (a, b) {
      var x = a[k], y = b[k];
      if (typeof x === 'number' || typeof y === 'number') {
        var xn = isNaN(x) ? -Infinity : x, yn = isNaN(y) ? -Infinity : y;
        if (xn !== yn) return (xn - yn) * d;
      } else {
        var c = String(x).localeCompare(String(y), 'en', { numeric: true });
        if (c) return c * d;
      }
      return a.index - b.index;
    });
    return rows;
  }
  function fillLayers() {
    var rows = visibleLayerRows();
    var body = '';
    rows.forEach(function (r) {
      var cpu = r.target === 'CPU';
      body += '<tr data-index="' + r.index + '" class="' + (cpu ? 'cpu' : 'npu') + '">' + SHOWN.map(function (c) {
        var v = r[c.key];
        if (c.key === 'name') return '<td class="name" title="' + esc(v) + '">' + esc(v) + '</td>';
        if (c.key === 'target') return '<td>' + targetBadge(v) + '</td>';
        if (cpu && (c.key === 'compute_us' || c.key === 'load_store_us' || c.window || c.bar || c.key === 'ddr_bytes' || c.key === 'commands')) {
          return c.key === 'compute_us' ? '<td class="n"><span class="ne">not estimated</span></td>' : '<td class="n">' + DASH + '</td>';
        }
        if (c.window) {
          var wd = function (v) { return fmt(v, Math.abs(v) >= 1000 ? 0 : Math.abs(v) >= 100 ? 1 : 2); };
          return '<td class="n">' + wd(r.start_us) + ' ' + DASH + ' ' + wd(r.end_us) + '</td>';
        }
        if (c.bar) {
          return '<td>' + bar(pct(v), [[maxShare[c.key] > 0 ? 100 * v / maxShare[c.key] : 0, c.bar]]) + '</td>';
        }
        if (c.key === 'op') return '<td class="op" title="' + esc(v) + '">' + esc(v) + '</td>';
        if (!c.num) return '<td>' + esc(v) + '</td>';
        return '<td class="n">' + (c.f ? c.f(v) : fmtInt(v)) + '</td>';
      }).join('') + '</tr>';
    });
    if (!rows.length) body = '<tr><td colspan="' + SHOWN.length + '" class="empty">no layer matches the filter</td></tr>';
    layerTable.querySelector('tbody').innerHTML = body;
    var sum = { ops: 0, compute_us: 0, compute_percent: 0, load_store_us: 0, load_store_percent: 0, ddr_bytes: 0, commands: 0 };
    rows.forEach(function (r) { for (var k in sum) sum[k] += isNaN(r[k]) ? 0 : r[k]; });
    layerTable.querySelector('tfoot').innerHTML = '<tr>' + SHOWN.map(function (c) {
      if (c.key === 'name') return '<td>Total (' + fmtInt(rows.length) + ' layers)</td>';
      if (sum[c.key] === undefined) return '<td></td>';
      if (c.bar) return '<td class="n">' + pct(sum[c.key]) + '</td>';
      return '<td class="n">' + (c.f ? c.f(sum[c.key]) : fmtInt(sum[c.key])) + '</td>';
    }).join('') + '</tr>';
    Array.prototype.forEach.call(layerTable.querySelectorAll('th'), function (th) {
      var on = th.getAttribute('data-key') === layerState.sortKey;
      th.querySelector('.arrow').textContent = on ? (layerState.dir > 0 ? '\u25b2' : '\u25bc') : '';
      th.setAttribute('aria-sort', on ? (layerState.dir > 0 ? 'ascending' : 'descending') : 'none');
    });
    document.getElementById('layer-count').textContent = rows.length === layerRows.length ?
      fmtInt(rows.length) + ' layers' : 'showing ' + fmtInt(rows.length) + ' of ' + fmtInt(layerRows.length) + ' layers';
  }

  // ---------------------------------------------------------------- Timeline tab (canvas Gantt)
  var G = null;  // Gantt state
  function buildGanttRows() {
    var rows = [];
    var byKey = {};
    for (var c = 0; c < nCores; c++) {
      UNITS.forEach(function (u) {
        var r = { core: c, unit: u, label: 'core' + c + ' ' + u, idx: [] };
        byKey[c + '/' + u] = r;
        rows.push(r);
      });
    }
    TIMELINE.forEach(function (t, i) {
      var r = byKey[(num(t.core) || 0) + '/' + t.unit];
      if (!r) {  // a unit the page does not know: give it its own row
        r = { core: num(t.core) || 0, unit: String(t.unit), label: 'core' + (num(t.core) || 0) + ' ' + t.unit, idx: [] };
        byKey[(num(t.core) || 0) + '/' + t.unit] = r;
        rows.push(r);
      }
      r.idx.push(i);
    });
    rows.forEach(function (r) {
      r.idx.sort(function (a, b) { return num(TIMELINE[a].start_us) - num(TIMELINE[b].start_us); });
      var n = r.idx.length;
      r.s = new Float64Array(n); r.e = new Float64Array(n); r.id = new Int32Array(n);
      r.maxEnd = new Float64Array(n);  // running max of ends (queues are in order, but be robust)
      var me = -Infinity;
      for (var k = 0; k < n; k++) {
        var t = TIMELINE[r.idx[k]];
        r.s[k] = num(t.start_us) || 0; r.e[k] = Math.max(r.s[k], num(t.end_us) || 0); r.id[k] = r.idx[k];
        me = Math.max(me, r.e[k]); r.maxEnd[k] = me;
      }
      delete r.idx;
    });
    return rows;
  }
  // First k with maxEnd[k] >= t (all earlier entries end before t).
  function firstEndingAfter(r, t) {
    var lo = 0, hi = r.s.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (r.maxEnd[mid] < t) lo = mid + 1; else hi = mid; }
    return lo;
  }

  function renderTimeline(panel) {
    var total = totalUs > 0 ? totalUs : 1;
    panel.innerHTML = '<div class="toolbar"><button class="btn" id="gantt-reset">Reset zoom</button>' +
      '<button class="btn" id="gantt-zoomin">Zoom in</button><button class="btn" id="gantt-zoomout">Zoom out</button>' +
      '<span class="hint" id="gantt-range"></span><span class="spacer"></span>' +
      '<span class="hint">wheel: zoom \u00b7 drag: pan \u00b7 click: highlight a layer \u00b7 double-click: reset \u00b7 hover: details</span></div>' +
      '<div class="legend" id="gantt-legend"></div><div class="gantt-wrap" id="gantt-wrap"><canvas id="gantt"></canvas></div>' +
      '<p class="note" id="gantt-note"></p>';
    var legend = panel.querySelector('#gantt-legend');
    legend.innerHTML = opOrder.map(function (o) {
      return '<span class="item"><span class="sw box" style="background:' + opColor[o] + '"></span>' + esc(o) + '</span>';
    }).join('');
    var cpuSegs = SEGMENTS.filter(function (s) { return s.target === 'CPU'; }).length;
    panel.querySelector('#gantt-note').textContent = fmtInt(TIMELINE.length) + ' commands on ' + fmtInt(nCores) +
      (nCores === 1 ? ' core' : ' cores') + '. Where commands are narrower than a pixel, the bar\'s shade shows how busy the unit is there; zoom in to see each command.' +
      (cpuSegs ? ' CPU segments are not estimated and do not appear on the time line.' : '');
    var keepView = G && G.view;
    if (!keepView && params.view) {  // #tab=timeline&view=START,END (us)
      var pv = params.view.split(',').map(Number);
      if (pv.length === 2 && pv[1] > pv[0]) keepView = [Math.max(0, pv[0]), Math.min(total, pv[1])];
    }
    G = {
      rows: G ? G.rows : buildGanttRows(), total: total, view: keepView || [0, total], highlight: G ? G.highlight : -1,
      canvas: panel.querySelector('#gantt'), wrap: panel.querySelector('#gantt-wrap'), rowH: 22, axisH: 30, layerH: 24, top: 54, gutter: 104,
      hover: -1, drawn: 0, pending: false
    };
    var cv = G.canvas;
    function timeAt(x) { var pw = G.pw; return G.view[0] + (x - G.gutter) / pw * (G.view[1] - G.view[0]); }
    function clampView(a, b) {
      var span = Math.max(b - a, Math.max(1e-3, G.total * 1e-7));
      span = Math.min(span, G.total);
      if (a < 0) a = 0;
      if (a + span > G.total) a = G.total - span;
      G.view = [a, a + span];
    }
    function zoom(factor, atX) {
      var t = atX === undefined ? (G.view[0] + G.view[1]) / 2 : timeAt(atX);
      var a = t - (t - G.view[0]) * factor, b = t + (G.view[1] - t) * factor;
      clampView(a, b);
      schedule();
    }
    G.zoom = zoom;
    G.reset = function () { G.view = [0, G.total]; G.highlight = -1; schedule(); };
    panel.querySelector('#gantt-reset').addEventListener('click', function () { G.reset(); });
    panel.querySelector('#gantt-zoomin').addEventListener('click', function () { zoom(0.5); });
    panel.querySelector('#gantt-zoomout').addEventListener('click', function () { zoom(2); });
    cv.addEventListener('wheel', function (ev) {
      ev.preventDefault();
      var r = cv.getBoundingClientRect();
      var x = ev.clientX - r.left;
      if (x < G.gutter) x = G.gutter;
      var d = ev.deltaMode === 1 ? ev.deltaY * 16 : ev.deltaY;
      zoom(Math.exp(Math.max(-600, Math.min(600, d)) * 0.002), x);
    }, { passive: false });
    var drag = null;
    cv.addEventListener('mousedown', function (ev) {
      drag = { x: ev.clientX, view: G.view.slice(), moved: false };
      cv.classList.add('dragging');
      ev.preventDefault();
    });
    window.addEventListener('mouseup', function (ev) {
      if (!drag || !G) return;
      var wasClick = !drag.moved;
      drag = null;
      G.canvas.classList.remove('dragging');
      if (wasClick && ev.target === G.canvas) {  // a click highlights the layer under the mouse (again: clears)
        var r = G.canvas.getBoundingClientRect();
        var x = ev.clientX - r.left, y = ev.clientY - r.top;
        var li = -1, hit = G.hitTest(x, y);
        if (hit >= 0) li = num(TIMELINE[hit].layer_index);
        else if (y >= G.axisH && y < G.top) li = G.layerAt(x);
        G.highlight = li >= 0 && li !== G.highlight ? li : -1;
        schedule();
      }
    });
    window.addEventListener('mousemove', function (ev) {
      if (!drag || !G) return;
      if (Math.abs(ev.clientX - drag.x) > 2) drag.moved = true;
      if (!drag.moved) return;
      var dt = (ev.clientX - drag.x) / G.pw * (drag.view[1] - drag.view[0]);
      clampView(drag.view[0] - dt, drag.view[1] - dt);
      hideTip();
      schedule();
    });
    cv.addEventListener('dblclick', function () { G.reset(); });
    cv.addEventListener('mousemove', function (ev) {
      if (drag) return;
      var r = cv.getBoundingClientRect();
      var x = ev.clientX - r.left, y = ev.clientY - r.top;
      var hit = G.hitTest(x, y);
      if (hit !== G.hover) { G.hover = hit; schedule(); }
      if (hit >= 0) { showTip(commandTip(hit), ev.clientX, ev.clientY); return; }
      var li = y >= G.axisH && y < G.top ? G.layerAt(x) : -1;
      if (li >= 0) showTip(layerTip(li), ev.clientX, ev.clientY); else hideTip();
    });
    cv.addEventListener('mouseleave', function () { if (G.hover >= 0) { G.hover = -1; schedule(); } hideTip(); });
    // The NPU layer whose active window is under x (the shortest one when windows overlap).
    G.layerAt = function (x) {
      if (x < G.gutter) return -1;
      var t = timeAt(x), tol = 2 * (G.view[1] - G.view[0]) / G.pw, best = -1, bestLen = Infinity;
      LAYERS.forEach(function (l, i) {
        var a = num(l.start_us), b = num(l.end_us);
        if (l.target === 'CPU' || !(b >= a) || t < a - tol || t > b + tol) return;
        if (b - a < bestLen) { bestLen = b - a; best = i; }
      });
      return best;
    };
    G.hitTest = function (x, y) {
      if (x < G.gutter || y < G.top) return -1;
      var ri = Math.floor((y - G.top) / G.rowH);
      var row = G.rows[ri];
      if (!row || !row.s.length) return -1;
      var t = timeAt(x), tol = 3 * (G.view[1] - G.view[0]) / G.pw;
      var k = firstEndingAfter(row, t - tol);
      var best = -1, bestD = Infinity;
      for (; k < row.s.length && row.s[k] <= t + tol; k++) {
        var d = t < row.s[k] ? row.s[k] - t : t > row.e[k] ? t - row.e[k] : 0;
        if (d < bestD || (d === 0 && bestD === 0)) { bestD = d; best = row.id[k]; }
      }
      return bestD <= tol ? best : -1;
    };
    function schedule() {
      if (G.pending) return;
      G.pending = true;
      requestAnimationFrame(function () { G.pending = false; drawGantt(); });
    }
    G.schedule = schedule;
    drawGantt();
  }
  function commandTip(i) {
    var t = TIMELINE[i];
    var l = LAYERS[t.layer_index];
    var s = num(t.start_us), e = num(t.end_us);
    var rows = [
      ['layer', esc(t.layer !== undefined ? t.layer : l ? l.name : '') + (l && l.op ? ' <span style="color:#94a3b8">(' + esc(l.op) + ')</span>' : '')],
      ['unit', esc('core' + (num(t.core) || 0) + ' ' + t.unit)],
      ['start', fmt(s, 3) + ' ' + MU + 's'], ['end', fmt(e, 3) + ' ' + MU + 's'], ['duration', fmt(e - s, 3) + ' ' + MU + 's']
    ];
    if (num(t.ddr_bytes) > 0 || t.unit === 'LOAD' || t.unit === 'STORE') rows.push(['DDR bytes', fmtInt(t.ddr_bytes) + ' (' + fmtBytes(t.ddr_bytes) + ')']);
    rows.push(['segment / command', esc(t.segment) + ' / ' + esc(t.command)]);
    return '<div class="tt-title"><span class="sw" style="background:' + (opColor[t.op] || '#888') + '"></span>' + esc(t.op) + '</div>' + tipRows(rows);
  }
  // True for a colour light enough to need dark text (#rrggbb).
  function light(hex) {
    var v = parseInt(String(hex).slice(1), 16);
    if (isNaN(v)) return false;
    return 0.299 * (v >> 16) + 0.587 * ((v >> 8) & 255) + 0.114 * (v & 255) > 150;
  }
  function layerTip(i) {
    var l = LAYERS[i];
    return '<div class="tt-title">' + esc(l.name) + '</div>' + tipRows([
      ['op', esc(l.op)], ['active', fmt(num(l.start_us), 3) + ' ' + DASH + ' ' + fmt(num(l.end_us), 3) + ' ' + MU + 's'],
      ['compute', fmtUs(l.compute_us) + ' (' + pct(l.compute_percent) + ')'], ['load / store', fmtUs(l.load_store_us) + ' (' + pct(l.load_store_percent) + ')'],
      ['DDR', fmtBytes(l.ddr_bytes)], ['ops', fmtOps(l.ops)], ['commands', fmtInt(l.commands)], ['', '<i>click to highlight its commands</i>']]);
  }
  function drawGantt() {
    if (!G) return;
    var cv = G.canvas;
    var W = Math.max(600, G.wrap.clientWidth || 1000);
    var H = G.top + G.rows.length * G.rowH + 8;
    var dpr = window.devicePixelRatio || 1;
    if (cv.width !== Math.round(W * dpr) || cv.height !== Math.round(H * dpr)) {
      cv.width = Math.round(W * dpr); cv.height = Math.round(H * dpr);
      cv.style.width = W + 'px'; cv.style.height = H + 'px';
    }
    var ctx = cv.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    var gl = G.gutter, pw = W - gl - 12;
    G.pw = pw;
    var v0 = G.view[0], v1 = G.view[1], k = pw / (v1 - v0);
    function X(t) { return gl + (t - v0) * k; }
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, W, H);
    // Row backgrounds and labels.
    ctx.font = '12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
    ctx.textBaseline = 'middle';
    G.rows.forEach(function (r, ri) {
      var y = G.top + ri * G.rowH;
      ctx.fillStyle = r.core % 2 ? '#f8fafc' : '#ffffff';
      ctx.fillRect(0, y, W, G.rowH);
      if (ri > 0 && G.rows[ri - 1].core !== r.core) {
        ctx.fillStyle = '#cbd5e1';
        ctx.fillRect(0, y, W, 1);
      }
      ctx.fillStyle = UNIT_COLORS[r.unit] || '#64748b';
      ctx.fillRect(8, y + 7, 4, G.rowH - 14);
      ctx.fillStyle = r.s.length ? '#334155' : '#94a3b8';
      ctx.fillText(r.label, 18, y + G.rowH / 2);
    });
    // Time axis and grid.
    var unitMs = (v1 - v0) >= 2000;
    var sc = unitMs ? 0.001 : 1;
    var ticks = niceTicks(v0 * sc, v1 * sc, Math.max(4, Math.floor(pw / 110)));
    ctx.fillStyle = '#f8fafc';
    ctx.fillRect(0, 0, W, G.axisH);
    ctx.fillStyle = '#cbd5e1';
    ctx.fillRect(0, G.axisH - 1, W, 1);
    ctx.textAlign = 'center';
    ticks.ticks.forEach(function (t) {
      var x = X(t / sc);
      if (x < gl - 0.5 || x > gl + pw + 0.5) return;
      ctx.fillStyle = '#eef2f7';
      ctx.fillRect(Math.round(x), G.top, 1, H - G.top);
      ctx.fillStyle = '#94a3b8';
      ctx.fillRect(Math.round(x), G.axisH - 6, 1, 5);
      ctx.fillStyle = '#475569';
      ctx.fillText(tickLabel(t, ticks.step), x, 11);
    });
    ctx.textAlign = 'left';
    ctx.fillStyle = '#64748b';
    ctx.fillText(unitMs ? 'ms' : MU + 's', 8, 11);
    // Layer band: each NPU layer's active window, alternating shades, named when wide enough.
    ctx.fillStyle = '#f1f5f9';
    ctx.fillRect(0, G.axisH, W, G.layerH);
    ctx.fillStyle = '#cbd5e1';
    ctx.fillRect(0, G.top - 1, W, 1);
    ctx.fillStyle = '#334155';
    ctx.fillText('layers', 18, G.axisH + G.layerH / 2);
    ctx.save();
    ctx.beginPath();
    ctx.rect(gl, G.axisH, pw, G.layerH);
    ctx.clip();
    ctx.font = '11px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
    var lastLabelEnd = -Infinity;
    LAYERS.forEach(function (l, i) {
      var a = num(l.start_us), b = num(l.end_us);
      if (l.target === 'CPU' || !(b >= a) || b < v0 || a > v1) return;
      var x0 = X(a), x1 = Math.max(X(b), x0 + 1);
      var on = G.highlight === i;
      ctx.fillStyle = on ? '#0f172a' : i % 2 ? '#94a3b8' : '#64748b';
      if (G.highlight >= 0 && !on) ctx.fillStyle = '#cbd5e1';
      ctx.fillRect(x0, G.axisH + 4, x1 - x0, G.layerH - 8);
      var room = Math.min(x1, gl + pw) - Math.max(x0, gl) - 6;
      if (room > 36 && Math.max(x0, gl) > lastLabelEnd) {
        var text = String(l.name);
        while (text.length > 1 && ctx.measureText(text).width > room) text = text.slice(0, -2) + '\u2026';
        ctx.fillStyle = '#ffffff';
        ctx.fillText(text, Math.max(x0, gl) + 3, G.axisH + G.layerH / 2 + 0.5);
        lastLabelEnd = Math.max(x0, gl) + ctx.measureText(text).width + 3;
      }
    });
    ctx.restore();
    // Segment boundaries.
    SEGMENTS.forEach(function (s) {
      if (s.target === 'CPU') return;
      var x = X(num(s.start_us));
      if (!(x >= gl && x <= gl + pw) || !(num(s.start_us) > 0)) return;
      ctx.fillStyle = '#94a3b8';
      for (var yy = G.top; yy < H; yy += 6) ctx.fillRect(Math.round(x), yy, 1, 3);
    });
    // Commands. Wide ones are drawn one by one; narrow ones (< 3 px, where thousands share a pixel) are
    // accumulated per pixel column, which is then drawn once with an opacity that shows how busy the unit
    // is in that pixel (a solid bar only where it is busy all the time).
    ctx.save();
    ctx.beginPath();
    ctx.rect(gl, G.top, pw, H - G.top);
    ctx.clip();
    var drawn = 0, hl = G.highlight;
    var cols = Math.ceil(pw) + 2;
    var cov = new Float32Array(cols), covColor = new Array(cols);
    G.rows.forEach(function (r, ri) {
      var y = G.top + ri * G.rowH + 3, h = G.rowH - 6;
      var n = r.s.length;
      var kk = firstEndingAfter(r, v0);
      var lo = cols, hi = -1;
      var labels = [];
      for (; kk < n && r.s[kk] <= v1; kk++) {
        var id = r.id[kk], t = TIMELINE[id];
        var x0 = X(r.s[kk]), x1 = X(r.e[kk]);
        var col = opColor[t.op] || '#888888';
        if (hl >= 0 && t.layer_index !== hl) col = '#e2e8f0';
        if (x1 - x0 >= 3) {
          ctx.fillStyle = col;
          ctx.fillRect(x0, y, x1 - x0, h);
          drawn++;
          if (x1 - x0 >= 5) { ctx.fillStyle = 'rgba(255,255,255,0.9)'; ctx.fillRect(x1 - 1, y, 1, h); }
          if (x1 - x0 > 46) labels.push([x0, x1, t]);
          continue;
        }
        var p0 = Math.max(0, x0 - gl), p1 = Math.min(cols - 1, Math.max(x1 - gl, p0));
        for (var px = Math.floor(p0); px <= Math.floor(p1) && px < cols; px++) {
          var ov = Math.min(p1, px + 1) - Math.max(p0, px);
          cov[px] += ov;
          if (hl < 0 || covColor[px] === undefined || covColor[px] === '#e2e8f0') covColor[px] = col;
          if (px < lo) lo = px;
          if (px > hi) hi = px;
        }
      }
      // Runs of pixel columns with the same colour and opacity level become one rectangle.
      var runA = -1, runColor = null, runLevel = 0;
      function flush(end) {
        if (runA < 0) return;
        ctx.globalAlpha = 0.25 + 0.75 * runLevel / 4;
        ctx.fillStyle = runColor;
        ctx.fillRect(gl + runA, y, end - runA, h);
        ctx.globalAlpha = 1;
        drawn++;
        runA = -1;
      }
      for (var q = lo; q <= hi + 1; q++) {
        var c = q <= hi ? cov[q] : 0;
        var level = c > 0 ? Math.max(1, Math.min(4, Math.round(c * 4))) : 0;  // any command stays visible
        if (!level) { flush(q); continue; }
        if (runA >= 0 && (covColor[q] !== runColor || level !== runLevel)) flush(q);
        if (runA < 0) { runA = q; runColor = covColor[q]; runLevel = level; }
      }
      if (hi >= 0) { cov.fill(0, lo, hi + 1); covColor.fill(undefined, lo, hi + 1); }
      ctx.font = '11px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
      labels.forEach(function (lb) {
        var op = String(lb[2].op), c = hl >= 0 && lb[2].layer_index !== hl ? '#e2e8f0' : opColor[op] || '#888888';
        ctx.fillStyle = light(c) ? '#1e293b' : '#ffffff';
        var text = (op === 'LOAD' || op === 'STORE' ? '' : op + ' ') + (lb[2].layer || ''), room = Math.min(lb[1], gl + pw) - Math.max(lb[0], gl) - 8;
        if (room < 30) return;
        while (text.length > 1 && ctx.measureText(text).width > room) text = text.slice(0, -2) + '\u2026';
        ctx.fillText(text, Math.max(lb[0], gl) + 4, y + h / 2 + 0.5);
      });
    });
    if (G.hover >= 0) {
      var t = TIMELINE[G.hover];
      var ri = -1;
      G.rows.forEach(function (r, j) { if (r.core === (num(t.core) || 0) && r.unit === t.unit) ri = j; });
      if (ri >= 0) {
        var x0 = X(num(t.start_us)), x1 = Math.max(X(num(t.end_us)), x0 + 1);
        ctx.strokeStyle = '#0f172a';
        ctx.lineWidth = 2;
        ctx.strokeRect(x0 - 1, G.top + ri * G.rowH + 2, x1 - x0 + 2, G.rowH - 4);
      }
    }
    ctx.restore();
    ctx.fillStyle = '#cbd5e1';
    ctx.fillRect(gl - 1, 0, 1, H);
    G.drawn = drawn;
    var range = document.getElementById('gantt-range');
    if (range) {
      range.textContent = 'showing ' + fmtUs(v0) + ' ' + DASH + ' ' + fmtUs(v1) + ' of ' + fmtUs(G.total) +
        (hl >= 0 && LAYERS[hl] ? ' \u00b7 highlighting layer ' + LAYERS[hl].name : '');
    }
  }
  function showLayerOnTimeline(i) {
    var l = LAYERS[i];
    showTab('timeline');
    var a = num(l.start_us), b = num(l.end_us);
    if (G && b > a) {
      var pad = (b - a) * 0.15;
      G.view = [Math.max(0, a - pad), Math.min(G.total, b + pad)];
      G.highlight = i;
      drawGantt();
    }
  }

  // ---------------------------------------------------------------- tabs
  var rendered = {};
  var renderers = { summary: renderSummary, temporal: renderTemporal, layers: renderLayers, timeline: renderTimeline };
  var current = null;
  function showTab(name) {
    if (TAB_NAMES.indexOf(name) < 0) name = 'summary';
    current = name;
    hideTip();
    TAB_NAMES.forEach(function (t) {
      document.getElementById('tab-' + t).classList.toggle('active', t === name);
      var b = document.getElementById('tabbtn-' + t);
      b.classList.toggle('active', t === name);
      b.setAttribute('aria-selected', t === name ? 'true' : 'false');
    });
    var panel = document.getElementById('tab-' + name);
    if (!rendered[name]) {
      rendered[name] = true;
      try { renderers[name](panel); } catch (e) { errors.push(name + ': ' + e.message); panel.innerHTML = '<div class="card empty">' + esc('could not draw this tab: ' + e.message) + '</div>'; }
    } else if (name === 'temporal') {
      charts.forEach(function (c) { c.draw(); });
    } else if (name === 'timeline') {
      drawGantt();
    }
  }
  Array.prototype.forEach.call(document.querySelectorAll('nav.tabs .tab'), function (b) {
    b.addEventListener('click', function () { showTab(b.getAttribute('data-tab')); });
  });
  var resizeTimer = 0;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      if (current === 'temporal') charts.forEach(function (c) { c.draw(); });
      if (current === 'timeline') drawGantt();
    }, 80);
  });
  showTab(params.tab || 'summary');
  if (params.selftest !== undefined) setTimeout(selfTest, 0);

  // ---------------------------------------------------------------- self-test (#selftest)
  // Drives the page like a user (real click / input / wheel / mouse events) and writes a JSON verdict into
  // <pre id="npukit-selftest">; tests/browser/run_browser_test.sh reads it from the DOM.
  function selfTest() {
    var checks = [];
    function check(name, ok, detail) { checks.push({ name: name, ok: !!ok, detail: detail === undefined ? '' : String(detail) }); }
    function click(node) { node.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, view: window })); }
    function visible(node) { return !!node && node.getClientRects().length > 0 && getComputedStyle(node).display !== 'none'; }
    function run(name, f) { try { f(); } catch (e) { check(name + ' (exception)', false, e.message + ' ' + (e.stack || '')); } }
    run('tabs', function () {
      TAB_NAMES.forEach(function (t) {
        click(document.getElementById('tabbtn-' + t));
        var others = TAB_NAMES.filter(function (o) { return o !== t && visible(document.getElementById('tab-' + o)); });
        check('tab ' + t + ' shown alone', visible(document.getElementById('tab-' + t)) && !others.length, others.join(','));
      });
    });
    run('summary', function () {
      click(document.getElementById('tabbtn-summary'));
      var fps = document.querySelector('#kpi-fps .value');
      check('summary shows FPS', fps && fps.textContent.indexOf(fmt(S.fps, num(S.fps) >= 100 ? 1 : 2)) === 0, fps && fps.textContent);
      var segRows = document.querySelectorAll('#segment-table tbody tr');
      check('segment table rows', segRows.length === Math.max(1, SEGMENTS.length), segRows.length + ' vs ' + SEGMENTS.length);
      var cpuRows = document.querySelectorAll('#segment-table tbody tr.cpu');
      var cpuOk = Array.prototype.every.call(cpuRows, function (r) { return r.textContent.indexOf('not estimated') >= 0; });
      check('CPU segments marked not estimated', cpuRows.length === SEGMENTS.filter(function (s) { return s.target === 'CPU'; }).length && cpuOk, cpuRows.length);
      var opts = Object.keys(obj(S.compile_options)).length;
      check('compile options listed', document.querySelectorAll('#compile-options tr').length === Math.max(1, opts), opts);
    });
    run('temporal', function () {
      click(document.getElementById('tabbtn-temporal'));
      var n = arr(T.load_mbps).length;
      var util = document.querySelectorAll('#chart-utilization path.series');
      var bw = document.querySelectorAll('#chart-bandwidth path.series');
      function points(p) { return (p.getAttribute('d').match(/H/g) || []).length; }
      check('utilization chart has 6 unit lines', util.length === 6, util.length);
      check('bandwidth chart has load and store lines', bw.length === 2, bw.length);
      var allPts = Array.prototype.concat.call([], Array.prototype.slice.call(util), Array.prototype.slice.call(bw));
      var bad = allPts.filter(function (p) { return points(p) !== n; }).map(points);
      check('every line has one step per interval', n > 0 && !bad.length, 'intervals ' + n + ' bad ' + bad.join(','));
      var svgEl = document.querySelector('#chart-utilization svg');
      var box = svgEl.getBoundingClientRect();
      check('utilization chart laid out', box.width > 300 && box.height > 200, box.width + 'x' + box.height);
      var hitRect = svgEl.querySelector('rect');
      var hr = hitRect.getBoundingClientRect();
      hitRect.dispatchEvent(new MouseEvent('mousemove', { bubbles: true, clientX: hr.left + hr.width / 2, clientY: hr.top + hr.height / 2 }));
      check('chart hover readout', !tooltip.hidden && /interval \d+ of/.test(tooltip.textContent) && tooltip.textContent.indexOf('TAE') >= 0, tooltip.textContent.slice(0, 80));
      hitRect.dispatchEvent(new MouseEvent('mouseleave', {}));
      var item = document.querySelector('#tab-temporal .legend .item[data-key="vae"]');
      click(item);
      check('legend hides a line', document.querySelectorAll('#chart-utilization path.series').length === 5);
      click(item);
      check('legend shows it again', document.querySelectorAll('#chart-utilization path.series').length === 6);
    });
    run('layers', function () {
      click(document.getElementById('tabbtn-layers'));
      var body = document.querySelector('#layer-table tbody');
      check('layer table has one row per layer', body.querySelectorAll('tr[data-index]').length === LAYERS.length, body.querySelectorAll('tr[data-index]').length + ' vs ' + LAYERS.length);
      var cpuLayers = LAYERS.filter(function (l) { return l.target === 'CPU'; }).length;
      var cpuShown = Array.prototype.filter.call(body.querySelectorAll('tr.cpu'), function (r) { return r.textContent.indexOf('CPU') >= 0; }).length;
      check('CPU layers show target CPU', cpuShown === cpuLayers, cpuShown + ' vs ' + cpuLayers);
      var th = document.querySelector('#layer-table th[data-key="compute_us"]');
      function column() {
        return Array.prototype.map.call(body.querySelectorAll('tr[data-index]'), function (r) { return num(LAYERS[+r.getAttribute('data-index')].compute_us); })
          .map(function (v) { return isNaN(v) ? -Infinity : v; });
      }
      function sorted(a, dir) { for (var i = 1; i < a.length; i++) if ((a[i] - a[i - 1]) * dir < 0) return false; return true; }
      click(th);
      var d1 = layerState.dir, c1 = column();
      check('sort by compute (first click)', sorted(c1, d1) && th.getAttribute('aria-sort') !== 'none', 'dir ' + d1);
      click(th);
      var c2 = column();
      check('sort by compute toggles direction', layerState.dir === -d1 && sorted(c2, -d1) && (c1.length < 2 || c1[0] !== c2[0] || c1[0] === c1[c1.length - 1]), 'dir ' + layerState.dir);
      var nameTh = document.querySelector('#layer-table th[data-key="name"]');
      click(nameTh);
      var names = Array.prototype.map.call(body.querySelectorAll('tr[data-index]'), function (r) { return String(LAYERS[+r.getAttribute('data-index')].name); });
      var okNames = names.every(function (s, i) { return !i || names[i - 1].localeCompare(s, 'en', { numeric: true }) <= 0; });
      check('sort by name ascending', okNames);
      var probe = LAYERS.length ? String(LAYERS[Math.floor(LAYERS.length / 2)].op || '') : '';
      var input = document.getElementById('layer-filter');
      input.value = probe;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      var want = LAYERS.filter(function (l) { return (String(l.name) + '\n' + String(l.op) + '\n' + String(l.target)).toLowerCase().indexOf(probe.toLowerCase()) >= 0; }).length;
      var got = body.querySelectorAll('tr[data-index]').length;
      check('filter keeps the matching layers', probe && got === want && got > 0, probe + ': ' + got + ' vs ' + want);
      input.value = 'no-such-layer-\u2603';
      input.dispatchEvent(new Event('input', { bubbles: true }));
      check('filter with no match', body.querySelectorAll('tr[data-index]').length === 0);
      input.value = '';
      input.dispatchEvent(new Event('input', { bubbles: true }));
      check('clearing the filter restores all rows', body.querySelectorAll('tr[data-index]').length === LAYERS.length);
      var bars = body.querySelectorAll('.fill.compute');
      check('share bars drawn', bars.length === LAYERS.length - cpuLayers, bars.length);
      click(document.querySelector('#layer-table th[data-key="index"]'));
      if (layerState.dir !== 1) click(document.querySelector('#layer-table th[data-key="index"]'));
    });
    run('timeline', function () {
      click(document.getElementById('tabbtn-timeline'));
      var t0 = performance.now();
      drawGantt();
      var drawMs = performance.now() - t0;
      var cv = document.getElementById('gantt');
      check('gantt rows: cores x units', G.rows.length >= nCores * UNITS.length, G.rows.length);
      var ctx = cv.getContext('2d');
      var img = ctx.getImageData(0, 0, cv.width, cv.height).data;
      var colored = 0;
      for (var p = 0; p < img.length; p += 4) {
        var r = img[p], g = img[p + 1], b = img[p + 2];
        if (Math.max(r, g, b) - Math.min(r, g, b) > 60) colored++;
      }
      check('gantt canvas has coloured pixels', colored > 500 && G.drawn > 0, 'pixels ' + colored + ', rects ' + G.drawn + ', full draw ' + drawMs.toFixed(1) + ' ms');
      var span0 = G.view[1] - G.view[0];
      var r = cv.getBoundingClientRect();
      cv.dispatchEvent(new WheelEvent('wheel', { bubbles: true, cancelable: true, deltaY: -300, clientX: r.left + G.gutter + G.pw / 2, clientY: r.top + 60 }));
      var span1 = G.view[1] - G.view[0];
      check('wheel zooms in', span1 < span0 * 0.9, span0 + ' -> ' + span1);
      cv.dispatchEvent(new MouseEvent('mousedown', { bubbles: true, clientX: r.left + 400, clientY: r.top + 60 }));
      window.dispatchEvent(new MouseEvent('mousemove', { bubbles: true, clientX: r.left + 300, clientY: r.top + 60 }));
      window.dispatchEvent(new MouseEvent('mouseup', { bubbles: true }));
      var span2 = G.view[1] - G.view[0];
      check('drag pans', Math.abs(span2 - span1) < 1e-9 * span0 + 1e-9 && G.view[0] > 0, G.view.join(','));
      click(document.getElementById('gantt-reset'));
      check('reset restores the full run', G.view[0] === 0 && G.view[1] === G.total, G.view.join(','));
      drawGantt();
      // Hover the middle of the longest command: the tooltip names its layer.
      var best = -1, bestD = -1;
      TIMELINE.forEach(function (t, i) { var d = num(t.end_us) - num(t.start_us); if (d > bestD) { bestD = d; best = i; } });
      if (best >= 0) {
        var t = TIMELINE[best];
        var ri = -1;
        G.rows.forEach(function (row, j) { if (row.core === (num(t.core) || 0) && row.unit === t.unit) ri = j; });
        var x = G.gutter + ((num(t.start_us) + num(t.end_us)) / 2 - G.view[0]) / (G.view[1] - G.view[0]) * G.pw;
        var y = G.top + ri * G.rowH + G.rowH / 2;
        cv.dispatchEvent(new MouseEvent('mousemove', { bubbles: true, clientX: r.left + x, clientY: r.top + y }));
        check('hover shows the command', !tooltip.hidden && tooltip.textContent.indexOf(String(t.layer)) >= 0 && tooltip.textContent.indexOf(String(t.op)) >= 0,
          tooltip.textContent.slice(0, 120));
        cv.dispatchEvent(new MouseEvent('mousedown', { bubbles: true, clientX: r.left + x, clientY: r.top + y }));
        cv.dispatchEvent(new MouseEvent('mouseup', { bubbles: true, clientX: r.left + x, clientY: r.top + y }));
        check('click highlights the layer', G.highlight === num(t.layer_index), G.highlight + ' vs ' + t.layer_index);
        cv.dispatchEvent(new MouseEvent('mousedown', { bubbles: true, clientX: r.left + x, clientY: r.top + y }));
        cv.dispatchEvent(new MouseEvent('mouseup', { bubbles: true, clientX: r.left + x, clientY: r.top + y }));
        check('second click clears it', G.highlight === -1, G.highlight);
        var l = LAYERS[num(t.layer_index)];
        var lx = G.gutter + ((num(l.start_us) + num(l.end_us)) / 2 - G.view[0]) / (G.view[1] - G.view[0]) * G.pw;
        cv.dispatchEvent(new MouseEvent('mousemove', { bubbles: true, clientX: r.left + lx, clientY: r.top + G.axisH + G.layerH / 2 }));
        check('layer band hover names a layer', !tooltip.hidden && LAYERS.some(function (ll) { return tooltip.textContent.indexOf(String(ll.name)) === 0; }), tooltip.textContent.slice(0, 80));
        cv.dispatchEvent(new MouseEvent('mouseleave', {}));
        // Double-click on a layer row (Layer Details) opens the Timeline on that layer.
        click(document.getElementById('tabbtn-layers'));
        var row = document.querySelector('#layer-table tbody tr[data-index="' + num(t.layer_index) + '"]');
        row.dispatchEvent(new MouseEvent('dblclick', { bubbles: true }));
        check('layer row double-click shows it on the timeline', visible(document.getElementById('tab-timeline')) && G.highlight === num(t.layer_index) &&
          G.view[0] <= num(l.start_us) && G.view[1] >= num(l.end_us) && G.view[1] - G.view[0] < G.total, G.view.join(','));
        G.reset();
        drawGantt();
      } else {
        check('hover shows the command', false, 'empty timeline');
      }
    });
    check('no script errors', errors.length === 0, errors.join(' | '));
    click(document.getElementById('tabbtn-' + (params.tab || 'summary')));
    var failed = checks.filter(function (c) { return !c.ok; });
    var out = document.getElementById('npukit-selftest');
    out.textContent = JSON.stringify({ ok: failed.length === 0, passed: checks.length - failed.length, failed: failed.length, checks: checks });
    out.setAttribute('data-done', '1');
  }
})();
