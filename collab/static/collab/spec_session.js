// The guided spec session, live for both people (no inline script: the CSP forbids it).
// - Saves as you type: the phase form is posted to its autosave URL 800 ms after the last
//   keystroke (and at once when the page is left), with a visible "saving" / "saved" state.
// - Follows the other person: the session's state is polled every second; when the phase moves
//   the page moves with it, and when the other person saved, their values are taken into every
//   field except the one being typed in and those typed in and not saved yet.
(function () {
  "use strict";

  var DEBOUNCE_MS = 800;
  var POLL_MS = 1000;
  var RETRY_MS = 3000;

  function init() {
    var root = document.getElementById("spec-session");
    if (!root || root.dataset.bound) return;
    root.dataset.bound = "1";
    var form = document.getElementById("phase-form");
    var status = form ? form.querySelector(".autosave-status") : null;
    var version = root.dataset.version;
    var livePhase = root.dataset.livePhase || "";
    var dirty = {}; // names typed in since the last save was sent
    var unsaved = []; // name prefixes the server could not save (kept in the browser)
    var timer = null;
    var inflight = null;
    var again = false;
    var leaving = false;

    function csrf() {
      var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
      return input ? input.value : "";
    }

    function show(state, detail) {
      if (!status) return;
      status.dataset.state = state;
      var label = status.dataset["label" + state.charAt(0).toUpperCase() + state.slice(1)] || "";
      status.textContent = detail ? label + " " + detail : label;
    }

    function controls(scope) {
      return Array.prototype.filter.call(scope.querySelectorAll("input[name], select[name], textarea[name]"),
        function (el) { return el.type !== "submit" && el.type !== "button"; });
    }

    function valueOf(el) {
      return el.type === "checkbox" || el.type === "radio" ? el.checked : el.value;
    }

    function setValue(el, value) {
      if (el.type === "checkbox" || el.type === "radio") el.checked = value;
      else el.value = value;
    }

    function isKept(name) {
      if (dirty[name]) return true;
      return unsaved.some(function (prefix) { return prefix === "" || name.indexOf(prefix) === 0; });
    }

    // Take the server's fields (HTML of the phase editor) into the form, keeping what is typed.
    function merge(html) {
      var box = form.querySelector(".editor-fields");
      var fresh = document.createElement("div");
      fresh.innerHTML = html;
      var mine = {};
      controls(box).forEach(function (el) { mine[el.name] = el; });
      var theirs = controls(fresh);
      var sameShape = theirs.length === Object.keys(mine).length &&
        theirs.every(function (el) { return mine[el.name] && mine[el.name].type === el.type; });
      var focused = document.activeElement;
      if (sameShape) {
        theirs.forEach(function (el) {
          var here = mine[el.name];
          if (el.type === "hidden" && (el.name === "version" || el.name === "base")) {
            here.value = el.value;
          } else if (!isKept(el.name) && valueOf(here) !== valueOf(el)) {
            // Not typed in since the last save: take theirs (keeping the caret where it was).
            var caret = here === focused && typeof here.selectionStart === "number"
              ? [here.selectionStart, here.selectionEnd] : null;
            setValue(here, valueOf(el));
            if (caret) { try { here.setSelectionRange(caret[0], caret[1]); } catch (e) { /* not text */ } }
          }
        });
        return;
      }
      // Rows were added or removed: take the new fields, then put back what is being typed.
      var kept = {};
      Object.keys(mine).forEach(function (name) {
        if (isKept(name)) kept[name] = valueOf(mine[name]);
      });
      var focusName = focused && focused.name && mine[focused.name] === focused ? focused.name : null;
      var selection = focusName && typeof focused.selectionStart === "number"
        ? [focused.selectionStart, focused.selectionEnd] : null;
      box.innerHTML = html;
      controls(box).forEach(function (el) {
        if (Object.prototype.hasOwnProperty.call(kept, el.name) && el.name !== "version" && el.name !== "base") {
          setValue(el, kept[el.name]);
        }
        if (el.name === focusName) {
          el.focus();
          if (selection) { try { el.setSelectionRange(selection[0], selection[1]); } catch (e) { /* not a text field */ } }
        }
      });
    }

    // The "Ready to align?" card follows the saved spec.
    function showReadiness(html) {
      var card = root.querySelector(".readiness");
      if (!card || !html) return;
      var fresh = document.createElement("div");
      fresh.innerHTML = html;
      var replacement = fresh.querySelector(".readiness");
      if (replacement) card.replaceWith(replacement);
    }

    function save() {
      clearTimeout(timer);
      timer = null;
      if (!form) return Promise.resolve();
      if (inflight) { again = true; return inflight; }
      var sent = dirty;
      dirty = {};
      show("saving");
      var body = new FormData(form);
      inflight = fetch(form.dataset.autosaveUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf(), "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      }).then(function (result) {
        var data = result.data || {};
        unsaved = data.unsaved || [];
        if (result.ok && data.saved) {
          version = String(data.version);
          root.dataset.version = version;
          if (data.form) merge(data.form);
          if (data.readiness) showReadiness(data.readiness);
          if (data.errors && data.errors.length) show("failed", data.errors.join(" "));
          else if (Object.keys(dirty).length) show("pending");
          else show("saved");
        } else {
          Object.keys(sent).forEach(function (name) { dirty[name] = true; });
          show("failed", (data.errors || []).join(" "));
        }
      }).catch(function () {
        Object.keys(sent).forEach(function (name) { dirty[name] = true; });
        show("offline");
        if (!timer) timer = setTimeout(save, RETRY_MS);
      }).then(function () {
        inflight = null;
        if (again) { again = false; return save(); }
      });
      return inflight;
    }

    function changed(event) {
      var el = event.target;
      if (!el || !el.name || !form.contains(el)) return;
      dirty[el.name] = true;
      show("pending");
      clearTimeout(timer);
      timer = setTimeout(save, DEBOUNCE_MS);
    }

    function pending() {
      return timer !== null || inflight !== null || Object.keys(dirty).length > 0;
    }

    function go(url) {
      leaving = true;
      var done = function () { window.location.assign(url); };
      if (form && pending()) save().then(done, done);
      else done();
    }

    if (form) {
      form.addEventListener("input", changed);
      form.addEventListener("change", changed);
      // Leaving the page another way (a link, closing the tab): send what is not saved yet.
      window.addEventListener("pagehide", function () {
        if (leaving || !Object.keys(dirty).length || !navigator.sendBeacon) return;
        navigator.sendBeacon(form.dataset.autosaveUrl, new FormData(form));
      });
      document.querySelectorAll(".phase-steps a[href]").forEach(function (link) {
        link.addEventListener("click", function (event) {
          if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
          event.preventDefault();
          go(link.href);
        });
      });
      form.addEventListener("submit", function (event) {
        if (pending()) {
          // Let the save in flight land first, so the form posts the version it was saved at.
          event.preventDefault();
          var submitter = event.submitter;
          clearTimeout(timer);
          timer = null;
          var resubmit = function () {
            dirty = {};
            leaving = true;
            if (form.requestSubmit) form.requestSubmit(submitter || undefined);
            else form.submit();
          };
          // (A task later: a form cannot be submitted again while its submit event is firing.)
          var later = function () { setTimeout(resubmit, 0); };
          (inflight || Promise.resolve()).then(later, later);
          return;
        }
        leaving = true;
        clearTimeout(timer);
      });
    }

    function refreshStatus() {
      if (window.htmx && document.getElementById("session-status")) {
        var url = root.dataset.stateUrl.replace("part=state", "part=status");
        window.htmx.ajax("GET", url, { target: "#session-status", swap: "outerHTML" });
      }
    }

    function poll() {
      if (leaving || document.hidden) return;
      fetch(root.dataset.stateUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (state) {
          if (!state || leaving) return;
          if (state.aligned) { go(window.location.pathname); return; }
          var live = state.live_phase || "";
          if (live !== livePhase) {
            livePhase = live;
            root.dataset.livePhase = live;
            if (live && live !== root.dataset.phase) {
              go(window.location.pathname + "?phase=" + encodeURIComponent(live));
              return;
            }
            refreshStatus();
          }
          if (String(state.version) !== version && !inflight) {
            if (!form) { go(window.location.href); return; }
            var seen = String(state.version);
            fetch(form.dataset.formUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
              .then(function (response) { return response.ok ? response.json() : null; })
              .then(function (data) {
                if (data === null || inflight || leaving) return;
                version = seen;
                root.dataset.version = seen;
                merge(data.form);
                showReadiness(data.readiness);
              });
          }
        })
        .catch(function () { /* offline: try again on the next tick */ });
    }

    setInterval(poll, POLL_MS);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
