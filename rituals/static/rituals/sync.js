// Syncs: the server-authoritative timer, presenter-mode keyboard shortcuts, the help overlay, the
// close dialog and the composer forms. No inline JavaScript anywhere: the CSP forbids it.
//
// Timer: the server sends the section's elapsed seconds and its own clock ("now") with every render
// and every poll (204 answers carry them in X-Server-Now / X-Section-Elapsed headers). The client
// estimates its clock offset from the request's round trip (keeping the sample with the shortest
// round trip) and ticks locally between polls, so every screen shows the same time within a second.
(function () {
  "use strict";

  var samples = [];      // [{offset, rtt}] most recent clock-offset samples
  var offset = 0;        // server clock − client clock, in ms
  var state = null;      // {elapsed (s), serverAt (ms, server clock), planned (s), paused, running}

  function recordOffset(serverNow, sentAt, receivedAt) {
    if (!isFinite(serverNow)) return;
    var rtt = Math.max(0, receivedAt - sentAt);
    samples.push({ offset: serverNow - (sentAt + receivedAt) / 2, rtt: rtt });
    if (samples.length > 10) samples.shift();
    var best = samples[0];
    samples.forEach(function (s) { if (s.rtt < best.rtt) best = s; });
    offset = best.offset;
  }

  function initialOffset(serverNow) {
    var nav = window.performance && performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
    if (nav && nav.responseStart > 0 && performance.timeOrigin) {
      recordOffset(serverNow, performance.timeOrigin + nav.requestStart, performance.timeOrigin + nav.responseStart);
    } else {
      recordOffset(serverNow, Date.now(), Date.now());
    }
  }

  function timerElement() { return document.querySelector("[data-sync-timer]"); }

  function readTimer(el, initial) {
    if (!el) { state = null; return; }
    var serverNow = parseFloat(el.dataset.serverNow);
    if (initial) initialOffset(serverNow);
    state = {
      elapsed: parseFloat(el.dataset.elapsed) || 0,
      serverAt: serverNow,
      planned: parseFloat(el.dataset.planned) || 0,
      paused: el.dataset.paused === "1",
      running: el.dataset.running === "1"
    };
    render();
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock(seconds) {
    var total = Math.max(0, Math.floor(seconds));
    return Math.floor(total / 60) + ":" + pad(total % 60);
  }

  function currentElapsed() {
    if (!state) return 0;
    if (state.paused || !state.running) return state.elapsed;
    var serverNow = Date.now() + offset;
    return state.elapsed + Math.max(0, serverNow - state.serverAt) / 1000;
  }

  function render() {
    var el = timerElement();
    if (!el || !state) return;
    var elapsed = currentElapsed();
    var phase = elapsed > state.planned ? "over" : (elapsed >= 0.8 * state.planned ? "warn" : "ok");
    var text = phase === "over" ? "+" + clock(elapsed - state.planned) : clock(state.planned - elapsed);
    var value = el.querySelector("[data-timer-value]");
    var label = el.querySelector("[data-timer-label]");
    if (value && value.textContent !== text) value.textContent = text;
    var labelText = state.paused ? el.dataset.labelPaused : (phase === "over" ? el.dataset.labelOver : el.dataset.labelLeft);
    if (label && labelText && label.textContent !== labelText) label.textContent = labelText;
    ["ok", "warn", "over"].forEach(function (p) { el.classList.toggle("phase-" + p, p === phase); });
    el.classList.toggle("is-paused", state.paused);
    el.dataset.seconds = String(Math.floor(phase === "over" ? -(elapsed - state.planned) : state.planned - elapsed));
  }

  // --- Polls and swaps ---------------------------------------------------------------------------

  document.addEventListener("htmx:beforeRequest", function (evt) {
    if (evt.detail && evt.detail.xhr) evt.detail.xhr._sentAt = Date.now();
  });

  document.addEventListener("htmx:afterRequest", function (evt) {
    var xhr = evt.detail && evt.detail.xhr;
    if (!xhr) return;
    var serverNow = parseFloat(xhr.getResponseHeader("X-Server-Now"));
    if (isFinite(serverNow) && xhr._sentAt) recordOffset(serverNow, xhr._sentAt, Date.now());
    var elapsed = xhr.getResponseHeader("X-Section-Elapsed");
    if (xhr.status === 204 && elapsed !== null && state) {
      state.elapsed = parseFloat(elapsed) || 0;
      state.serverAt = serverNow;
      state.paused = xhr.getResponseHeader("X-Sync-Paused") === "1";
      state.planned = parseFloat(xhr.getResponseHeader("X-Section-Planned")) || state.planned;
      state.running = xhr.getResponseHeader("X-Sync-Status") === "live";
      render();
    }
    // A composer form that went through: empty it and put the cursor back for the next entry.
    var form = evt.detail.elt;
    if (form && form.matches && form.matches("form[data-reset-on-success]") && evt.detail.successful &&
        !xhr.getResponseHeader("HX-Retarget")) {
      form.reset();
      var first = form.querySelector("input[type=text], textarea");
      if (first) first.focus();
    }
  });

  // A poll answered just before a move can arrive just after it: never swap an older revision over
  // a newer one (the next poll brings whatever is newer).
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var target = evt.detail && evt.detail.target;
    if (!target || target.id !== "sync-live") return;
    var incoming = /data-revision="(\d+)"/.exec(evt.detail.serverResponse || "");
    var current = parseInt(target.dataset.revision, 10);
    if (incoming && !isNaN(current) && parseInt(incoming[1], 10) < current) evt.detail.shouldSwap = false;
  });

  // On the shared screen, the items and the decisions columns show what fits and page through the
  // rest ([ ] or PageUp/PageDown): "5–8 of 16" in the column's heading, a fade at the bottom only
  // when more follows. The page a column is on survives the polls (kept by section).
  var pageStarts = {};   // pager key → index of the first entry shown
  var pageStacks = {};   // pager key → starts of the pages before it (for going back)

  function entries(column) {
    return Array.prototype.slice.call(column.querySelectorAll("ul > li"));
  }

  function layoutColumn(column) {
    var key = column.dataset.pager;
    var list = entries(column);
    var status = column.querySelector("[data-pager-status]");
    var start = Math.min(pageStarts[key] || 0, Math.max(0, list.length - 1));
    pageStarts[key] = start;
    list.forEach(function (li, i) { li.hidden = i < start; });
    var style = window.getComputedStyle(column);
    var bottom = column.getBoundingClientRect().bottom - (parseFloat(style.paddingBottom) || 0) + 0.5;
    var last = start - 1;
    for (var i = start; i < list.length; i += 1) {
      if (list[i].getBoundingClientRect().bottom > bottom && i > start) break;
      last = i;
    }
    // Show whole entries only: what does not fit waits for the next page.
    list.forEach(function (li, i) { if (i > last) li.hidden = true; });
    var more = last < list.length - 1;
    column.dataset.pagerLast = String(last);
    column.classList.toggle("has-more", more);
    if (!status) return;
    status.hidden = !more && start === 0;
    if (!status.hidden) {
      var one = last <= start;
      status.textContent = ((one ? status.dataset.labelOne : status.dataset.label) || "%(from)s–%(to)s of %(total)s")
        .replace("%(from)s", String(start + 1)).replace("%(to)s", String(last + 1))
        .replace("%(total)s", String(list.length));
    }
  }

  function layoutColumns() {
    document.querySelectorAll(".present-col").forEach(function (column) {
      if (column.dataset.pager) layoutColumn(column);
      else column.classList.toggle("has-more", column.scrollHeight > column.clientHeight + 1);
    });
  }

  function page(step) {
    document.querySelectorAll(".present-col[data-pager]").forEach(function (column) {
      var key = column.dataset.pager;
      var stack = pageStacks[key] = pageStacks[key] || [];
      var last = parseInt(column.dataset.pagerLast, 10);
      if (step > 0 && !isNaN(last) && last < entries(column).length - 1) {
        stack.push(pageStarts[key] || 0);
        pageStarts[key] = last + 1;
      } else if (step < 0 && (pageStarts[key] || 0) > 0) {
        pageStarts[key] = stack.length ? stack.pop() : 0;
      }
    });
    layoutColumns();
  }

  function onLoad(root) {
    layoutColumns();
    if (root === document.body || (root.querySelector && root.querySelector("[data-sync-timer]")) ||
        (root.matches && root.matches("[data-sync-timer]"))) {
      readTimer(timerElement(), false);
    }
  }

  // --- Presenter keyboard -------------------------------------------------------------------------

  var noticeTimer = null;
  function notice() {
    var el = document.querySelector("[data-notice]");
    if (!el) return;
    el.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(function () { el.hidden = true; }, 2500);
  }

  function help(show) {
    var overlay = document.getElementById("help-overlay");
    if (!overlay) return;
    var visible = show === undefined ? overlay.hidden : show;
    overlay.hidden = !visible;
    if (visible) {
      var button = overlay.querySelector("button");
      if (button) button.focus();
    }
  }

  function openDialog(id) {
    var dialog = document.getElementById(id);
    if (!dialog || typeof dialog.showModal !== "function") return false;
    if (!dialog.open) dialog.showModal();
    var submit = dialog.querySelector("button[type=submit]");
    if (submit) submit.focus();
    return true;
  }

  function press(name) {
    var el = document.querySelector('#sync-live [data-key="' + name + '"]');
    if (!el) { notice(); return; }
    if (el.disabled) return;
    if (el.dataset.opens && openDialog(el.dataset.opens)) return;
    el.click();
  }

  document.addEventListener("keydown", function (e) {
    if (!document.querySelector("[data-keyboard]")) return;
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    if (document.querySelector("dialog[open]")) return;
    var overlay = document.getElementById("help-overlay");
    if (e.key === "?") { e.preventDefault(); help(); return; }
    if (e.key === "Escape") { help(false); return; }
    if (overlay && !overlay.hidden) return;
    if (e.key === "PageDown" || e.key === "]") { e.preventDefault(); page(1); return; }
    if (e.key === "PageUp" || e.key === "[") { e.preventDefault(); page(-1); return; }
    if (e.key === "ArrowRight") { e.preventDefault(); press("next"); }
    else if (e.key === "ArrowLeft") { e.preventDefault(); press("previous"); }
    else if (e.key === " " || e.key === "Spacebar") {
      if (t && /^(BUTTON|A)$/.test(t.tagName)) return;  // let a focused control act natively
      e.preventDefault();
      press("pause");
    }
  });

  document.addEventListener("click", function (e) {
    var opener = e.target.closest && e.target.closest("[data-opens]");
    if (opener && openDialog(opener.dataset.opens)) { e.preventDefault(); return; }
    var dismiss = e.target.closest && e.target.closest("[data-dismiss]");
    if (dismiss) {
      var target = document.getElementById(dismiss.dataset.dismiss);
      if (target && target.tagName === "DIALOG") target.close();
      else if (target) target.hidden = true;
    }
  });

  function start() {
    readTimer(timerElement(), true);
    layoutColumns();
    window.addEventListener("resize", layoutColumns);
    setInterval(render, 200);
    if (window.htmx) window.htmx.onLoad(onLoad);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
