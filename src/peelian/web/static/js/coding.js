// Peelian coding page: keyboard-only coding with the next item prefetched, so moving on is instant.
(function () {
  "use strict";
  var root, state = { item: null, next: null, nextFor: null, active: 0, choices: {}, busy: 0, history: [] };
  var csrf = function () { return document.querySelector('meta[name="csrf-token"]').content; };
  var sample = function () { return root.dataset.sample || ""; };
  var key = function (item) { return item.post.platform + ":" + item.post.post_id; };

  function api(method, url, body) {
    var options = { method: method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRF-Token"] = csrf();
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.text().then(function (text) {
        if (!response.ok) {
          var message = response.statusText;
          try { message = JSON.parse(text).error || message; } catch (ignored) { message = text || message; }
          throw new Error(message);
        }
        return text ? JSON.parse(text) : null;
      });
    });
  }

  function say(text, isError) {
    var line = document.getElementById("status-line");
    line.textContent = text;
    line.className = "status-line" + (isError ? " error" : "");
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function prefetch() {
    if (!state.item) { return; }
    var forKey = key(state.item);
    state.nextFor = forKey;
    state.next = undefined;
    api("GET", "/code/api/next?after=" + encodeURIComponent(forKey) + "&sample=" + encodeURIComponent(sample()))
      .then(function (item) { if (state.nextFor === forKey) { state.next = item; } })
      .catch(function () { state.next = undefined; });
  }

  function show(item) {
    state.item = item;
    state.active = 0;
    state.choices = {};
    document.getElementById("note").value = "";
    if (!item) {
      root.hidden = true;
      document.getElementById("done").hidden = false;
      return;
    }
    root.hidden = false;
    document.getElementById("done").hidden = true;
    item.dimensions.forEach(function (d) {
      state.choices[d.id] = d.current && d.current.codes ? d.current.codes.slice() : [];
      if (d.current && d.current.note) { document.getElementById("note").value = d.current.note; }
    });
    var p = item.progress || { done: 0, total: 0 };
    var n = Math.min(p.done + 1, p.total || 1);
    document.getElementById("progress-text").textContent = "Item " + n + " of " + (p.total || "?") +
      " (" + p.done + " done)" + (item.sample ? " · sample " + item.sample : "");
    var bar = document.getElementById("progress-bar");
    bar.max = p.total || 1; bar.value = p.done;
    var context = document.getElementById("context");
    context.textContent = "";
    var shown = {};
    [item.root, item.parent].forEach(function (c, i) {
      if (c && !shown[c.post_id]) {
        shown[c.post_id] = true;
        context.appendChild(el("p", {}, (i === 0 ? "Thread start — " : "In reply to — ") + c.who + ": " + c.body));
      }
    });
    var post = item.post;
    var meta = document.getElementById("post-meta");
    meta.textContent = "";
    meta.appendChild(el("span", { "class": "who" }, post.who));
    meta.appendChild(el("span", { "class": "badge " + post.role }, post.role + (post.account_type ? " · " + post.account_type : "")));
    meta.appendChild(el("span", {}, post.kind));
    meta.appendChild(el("time", {}, (post.created_at || "") + " UTC"));
    document.getElementById("post-text").textContent = post.body;
    drawDimensions();
    say("");
    prefetch();
  }

  function drawDimensions() {
    var box = document.getElementById("dimensions");
    box.textContent = "";
    state.item.dimensions.forEach(function (d, i) {
      var section = el("section", { "class": "dimension" + (i === state.active ? " active" : ""), "aria-label": d.label });
      var title = el("h2", {}, d.label + (d.multi_label ? " (any that apply)" : " (one)"));
      section.appendChild(title);
      var codes = el("div", { "class": "codes", "role": "group", "aria-label": d.label });
      d.codes.forEach(function (c) {
        var pressed = state.choices[d.id].indexOf(c.id) >= 0;
        var button = el("button", { "type": "button", "aria-pressed": pressed ? "true" : "false",
                                    "title": c.definition || c.label, "data-dim": d.id, "data-code": c.id });
        if (c.key) { button.appendChild(el("kbd", {}, c.key)); }
        button.appendChild(document.createTextNode(c.label));
        button.addEventListener("click", function () { state.active = i; toggle(d, c.id); });
        codes.appendChild(button);
      });
      section.appendChild(codes);
      box.appendChild(section);
    });
  }

  function toggle(dim, code) {
    var chosen = state.choices[dim.id];
    var at = chosen.indexOf(code);
    if (dim.multi_label) {
      if (at >= 0) { chosen.splice(at, 1); } else { chosen.push(code); }
    } else {
      state.choices[dim.id] = at >= 0 ? [] : [code];
      var index = state.item.dimensions.indexOf(dim);
      if (at < 0 && index < state.item.dimensions.length - 1) { state.active = index + 1; }
    }
    drawDimensions();
  }

  function advance() {
    // Show the prefetched item at once; fetch it now only if the prefetch has not arrived.
    if (state.next !== undefined && state.nextFor === key(state.item)) {
      show(state.next);
      return Promise.resolve();
    }
    var after = key(state.item);
    return api("GET", "/code/api/next?after=" + encodeURIComponent(after) + "&sample=" + encodeURIComponent(sample()))
      .then(show);
  }

  function submit(status) {
    if (!state.item) { return; }
    var item = state.item;
    if (status === "coded") {
      var missing = item.dimensions.filter(function (d) { return !d.multi_label && state.choices[d.id].length !== 1; });
      if (missing.length) { say("Choose one code for: " + missing.map(function (d) { return d.label; }).join(", "), true); return; }
    }
    var decisions = {};
    item.dimensions.forEach(function (d) { decisions[d.id] = state.choices[d.id]; });
    var body = { platform: item.post.platform, post_id: item.post.post_id, sample: item.sample,
                 status: status, note: document.getElementById("note").value, decisions: decisions };
    state.busy += 1;
    var saving = api("POST", "/code/api/save", body).then(function () {
      state.busy -= 1;
      state.history.push(key(item));
    }).catch(function (error) {
      state.busy -= 1;
      show(item);
      say("Not saved: " + error.message, true);
    });
    advance();
    return saving;
  }

  function undoLast() {
    var wait = state.busy ? new Promise(function (r) { setTimeout(r, 150); }) : Promise.resolve();
    wait.then(function () {
      return api("POST", "/code/api/undo", { sample: sample() || null });
    }).then(function (result) {
      if (!result || !result.undone) { say("Nothing to undo."); return; }
      show(result.item);
      say("Undone: your last decision on this post was withdrawn.");
    }).catch(function (error) { say("Undo failed: " + error.message, true); });
  }

  function onKey(event) {
    if (!state.item) { return; }
    var target = event.target;
    var typing = target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT" || target.tagName === "SELECT");
    if (typing) {
      if (event.key === "Escape") { target.blur(); event.preventDefault(); }
      return;
    }
    var dims = state.item.dimensions;
    if (event.key === "Enter") { event.preventDefault(); submit("coded"); return; }
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") { event.preventDefault(); undoLast(); return; }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "Tab" || event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var step = (event.key === "ArrowUp" || (event.key === "Tab" && event.shiftKey)) ? -1 : 1;
      state.active = (state.active + step + dims.length) % dims.length;
      drawDimensions();
      return;
    }
    if (event.shiftKey) {
      var action = { S: "skip", F: "flag", N: "note", Z: "undo" }[event.key.toUpperCase()];
      if (action) {
        event.preventDefault();
        if (action === "skip") { submit("skipped"); }
        else if (action === "flag") { submit("flagged"); }
        else if (action === "undo") { undoLast(); }
        else { document.getElementById("note").focus(); }
      }
      return;
    }
    var dim = dims[state.active];
    if (!dim) { return; }
    var pressed = event.key.toLowerCase();
    var code = dim.codes.filter(function (c) { return c.key && String(c.key).toLowerCase() === pressed; })[0];
    if (code) { event.preventDefault(); toggle(dim, code.id); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    root = document.getElementById("coding");
    if (!root) { return; }
    document.getElementById("save").addEventListener("click", function () { submit("coded"); });
    document.getElementById("skip").addEventListener("click", function () { submit("skipped"); });
    document.getElementById("flag").addEventListener("click", function () { submit("flagged"); });
    document.getElementById("undo").addEventListener("click", undoLast);
    document.addEventListener("keydown", onKey);
    show(JSON.parse(document.getElementById("first-item").textContent));
    window.peelianCoding = state;
  });
})();
