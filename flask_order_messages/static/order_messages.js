/* flask-order-messages: small progressive enhancements.  Everything works without them. */
(function () {
  "use strict";

  // The script has no words of its own: the page gives them, translated, in a JSON
  // data-om-strings attribute of the element the script works on.
  function strings(el) {
    try { return JSON.parse(el.getAttribute("data-om-strings") || "{}"); } catch (e) { return {}; }
  }

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  // "Open dispute" / "Close dispute": a dialog instead of the separate page.
  function wireDialogs(root) {
    root.querySelectorAll("[data-om-dialog]").forEach(function (link) {
      var dialog = document.getElementById(link.getAttribute("data-om-dialog"));
      if (!dialog || typeof dialog.showModal !== "function") return;
      link.addEventListener("click", function (event) {
        event.preventDefault();
        dialog.showModal();
        var field = dialog.querySelector("textarea, button[type=submit]");
        if (field) field.focus();
      });
      dialog.querySelectorAll("[data-om-dismiss]").forEach(function (button) {
        button.addEventListener("click", function () { dialog.close(); });
      });
      // Back from a refused reason or note: the page drew the dialog open, with the error
      // and the text; show it as the modal it was.
      if (dialog.hasAttribute("open")) {
        dialog.close();
        dialog.showModal();
        var kept = dialog.querySelector("textarea");
        if (kept) kept.focus();
      }
    });
  }

  // Messages section: a click anywhere on a row opens the order; "select all" box.
  function wireTable(root) {
    root.querySelectorAll("tr[data-href]").forEach(function (row) {
      row.addEventListener("click", function (event) {
        if (event.target.closest("a, input, button, label")) return;
        window.location.href = row.getAttribute("data-href");
      });
    });
    root.querySelectorAll("[data-om-select-all]").forEach(function (box) {
      box.addEventListener("change", function () {
        box.closest("form").querySelectorAll("input[name=thread_id]").forEach(function (b) { b.checked = box.checked; });
      });
    });
  }

  // Bell: refresh the counts every few seconds (the server answers 304 when nothing changed).
  function wireBell(bell) {
    // Escape closes the open menu and gives the focus back to the bell, as a menu's does.
    bell.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || !bell.open) return;
      bell.open = false;
      bell.querySelector("summary").focus();
    });
    var every = parseInt(bell.getAttribute("data-om-poll"), 10);
    if (!every) return;
    var url = bell.getAttribute("data-om-bell");
    var summary = bell.querySelector("[data-om-bell-label]");
    // Each number stops at 100 (the server counts no further): "<name>_capped" says so, and
    // the page's own words for it ("99+") stand in for it.
    var more = bell.getAttribute("data-om-more") || "99+";
    function set(name, value, capped) {
      bell.querySelectorAll('[data-om-count="' + name + '"]').forEach(function (el) {
        el.textContent = capped ? more : value;
        if (el.classList.contains("om-bell-count")) el.classList.toggle("om-hidden", !value);
      });
    }
    function tick() {
      if (document.hidden) return;
      fetch(url, { credentials: "same-origin", cache: "no-cache", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (c) {
          if (!c) return;
          set("unread_threads", c.unread_threads, c.unread_threads_capped);
          set("open_disputes", c.open_disputes, c.open_disputes_capped);
          if (c.overdue_disputes !== undefined) {
            set("overdue_disputes", c.overdue_disputes, c.overdue_disputes_capped);
            bell.classList.toggle("om-bell-has-overdue", c.overdue_disputes > 0);
          }
          if (c.overdue_replies !== undefined) set("overdue_replies", c.overdue_replies, c.overdue_replies_capped);
          // The server's words for the numbers, so a screen reader hears the new ones.
          if (summary && c.label) summary.setAttribute("aria-label", c.label);
        })
        .catch(function () {});
    }
    setInterval(tick, every * 1000);
    document.addEventListener("om:read", tick);
  }

  // Open thread: show new entries without a reload.
  function wireThread(thread) {
    var every = parseInt(thread.getAttribute("data-om-poll"), 10);
    var list = thread.querySelector("[data-om-entries]");
    if (!every || !list) return;
    var url = thread.getAttribute("data-om-live");
    var words = strings(thread);
    function tick() {
      if (document.hidden) return;
      var last = thread.getAttribute("data-om-last");
      fetch(url + "?after=" + encodeURIComponent(last), { credentials: "same-origin", cache: "no-cache" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || !data.entries.length) return;
          data.entries.forEach(function (e) {
            if (document.getElementById("om-entry-" + e.id)) return;
            var li = document.createElement("li");
            li.id = "om-entry-" + e.id;
            li.setAttribute("data-om-id", e.id);
            var when = document.createElement("time");
            when.textContent = e.date;
            if (e.iso) when.setAttribute("datetime", e.iso);
            if (e.kind === "event") {
              // The same markup as the server's _entry.html, so it looks the same.
              li.className = "om-entry om-event om-event-" + String(e.event || "").replace(/_/g, "-");
              var text = document.createElement("span");
              text.className = "om-event-text";
              text.textContent = e.event_text || e.event || "";
              li.appendChild(text);
              li.appendChild(document.createTextNode(" "));
              li.appendChild(when);
            } else {
              li.className = "om-entry om-" + e.role + (e.note ? " om-note" : "") + (e.mine ? " om-mine" : "");
              var meta = document.createElement("div");
              meta.className = "om-meta";
              var who = document.createElement("strong");
              who.className = "om-author";
              who.textContent = e.author;
              var role = document.createElement("span");
              role.className = "om-role";
              role.textContent = (e.note ? words.staff_note : (e.role === "staff" ? words.staff : words.customer)) || "";
              meta.appendChild(who);
              meta.appendChild(document.createTextNode(" "));
              meta.appendChild(role);
              meta.appendChild(document.createTextNode(" "));
              meta.appendChild(when);
              li.appendChild(meta);
            }
            var body = document.createElement("div");
            body.className = "om-body";
            body.setAttribute("dir", "auto");
            body.innerHTML = e.html; // already escaped by the server (plain text, safe links)
            li.appendChild(body);
            if (e.attachments) {
              // The server's own _attachments.html for this entry, escaped like the page.
              var files = document.createElement("div");
              files.innerHTML = e.attachments;
              while (files.firstChild) li.appendChild(files.firstChild);
            }
            list.appendChild(li);
          });
          // The first message of a thread that had none: the list shows, "no messages" goes.
          list.hidden = false;
          var empty = thread.querySelector("[data-om-empty]");
          if (empty) empty.remove();
          thread.setAttribute("data-om-last", data.last_id);
          // The writer has seen these now; one by someone else, while they write, asks first.
          var seen = thread.querySelector("[data-om-seen]");
          if (seen) seen.value = data.last_id;
          var asking = data.entries.filter(function (e) { return e.confirm; }).pop();
          if (asking) askFirst(thread, asking.confirm);
          // Shown here means read: let the bell drop its count now, not at its next tick.
          document.dispatchEvent(new CustomEvent("om:read"));
        })
        .catch(function () {});
    }
    setInterval(tick, every * 1000);
  }

  // "Send yours anyway?": someone else's entry came in while the reply box held unsent text.
  // The same question the server asks when such a reply is posted; the text stays in the box.
  function askFirst(thread, question) {
    var box = thread.querySelector("form.om-reply textarea[name=body]");
    var holder = thread.querySelector("[data-om-confirm]");
    var button = thread.querySelector("form.om-reply button.om-primary");
    if (!box || !box.value.trim() || !holder || !button) return;
    holder.hidden = false;
    holder.querySelector("[data-om-confirm-text]").textContent = question;
    button.textContent = holder.getAttribute("data-om-confirm-label");
    button.name = "confirm";
    button.value = "1";
    box.setAttribute("aria-describedby", holder.id);
  }

  // The CSRF token for the script's own POSTs: the page's meta tag, else a form's field.
  function csrfToken(root) {
    var meta = document.querySelector('meta[name="om-csrf-token"]');
    if (meta && meta.content) return meta.content;
    var field = root.querySelector('input[name="csrf_token"]');
    return field ? field.value : "";
  }

  // Staff presence on an open thread: say "viewing" or "replying" (a small POST when the page
  // opens, at every poll, and when typing starts or stops), "gone" when leaving; show who else
  // is here.  "Replying": the box holds unsent text and had a keystroke lately.
  function wirePresence(thread) {
    var url = thread.getAttribute("data-om-presence");
    var every = parseInt(thread.getAttribute("data-om-poll"), 10);
    var typing = (parseInt(thread.getAttribute("data-om-typing"), 10) || 20) * 1000;
    var line = thread.querySelector("[data-om-presence-line]");
    var box = thread.querySelector("form.om-reply textarea[name=body]");
    if (!url || !every || !line) return;
    var token = csrfToken(thread);
    var lastKey = 0, sent = "", idle = null, leaving = false, refused = false;
    function state() {
      return box && box.value.trim() && Date.now() - lastKey < typing ? "replying" : "viewing";
    }
    function show(data) {
      if (!data) return;
      // Only a change is written, so the polite live region says nothing new otherwise.
      if (line.textContent !== data.text) line.textContent = data.text;
      line.classList.toggle("om-presence-replying", !!data.replying);
    }
    function beat() {
      if (document.hidden || leaving || refused) return;
      sent = state();
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ state: sent })
      })
        .then(function (r) {
          // Logged out, no longer staff, presence turned off: stop asking.
          if (r.status === 401 || r.status === 403 || r.status === 404) refused = true;
          return r.ok ? r.json() : null;
        })
        .then(show)
        .catch(function () {});
    }
    function gone() {
      if (refused) return;
      leaving = true;
      var form = new FormData();
      form.append("state", "gone");
      form.append("csrf_token", token);
      if (navigator.sendBeacon && navigator.sendBeacon(url, form)) return;
      fetch(url, { method: "POST", credentials: "same-origin", keepalive: true, body: form }).catch(function () {});
    }
    if (box) {
      box.addEventListener("input", function () {
        lastKey = Date.now();
        if (state() !== sent) beat();
        clearTimeout(idle);
        idle = setTimeout(function () { if (state() !== sent) beat(); }, typing + 250);
      });
    }
    window.addEventListener("pagehide", gone);
    // Back to a tab left in the background: say so now, not at the next poll.
    document.addEventListener("visibilitychange", function () { if (!document.hidden) beat(); });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) { leaving = false; beat(); }
    });
    beat();
    setInterval(beat, every * 1000);
  }

  // Messages list: who is on each row's thread now, refreshed at every poll.
  function wirePresenceList(table) {
    var every = parseInt(table.getAttribute("data-om-poll"), 10);
    var url = table.getAttribute("data-om-presence-list");
    var spans = Array.prototype.slice.call(table.querySelectorAll("[data-om-presence-row]"));
    if (!every || !url || !spans.length) return;
    var query = spans.map(function (span) {
      return "thread=" + encodeURIComponent(span.getAttribute("data-om-presence-row"));
    }).join("&");
    function tick() {
      if (document.hidden) return;
      fetch(url + "?" + query, { credentials: "same-origin", cache: "no-cache", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          spans.forEach(function (span) {
            var here = data.threads[span.getAttribute("data-om-presence-row")];
            var text = here ? here.text : "";
            if (span.textContent !== text) span.textContent = text;
            span.classList.toggle("om-presence-replying", !!(here && here.replying));
          });
        })
        .catch(function () {});
    }
    setInterval(tick, every * 1000);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) tick(); });
  }

  // File inputs: refuse too many or too large files before anything is sent (the server checks
  // again), so the typed text never goes to a "too large" page.  The sentences come from the
  // page, the limits in them already written; "{name}" is the file's name.
  function wireFiles(input) {
    var box = input.closest(".om-files");
    var error = box && box.querySelector("[data-om-files-error]");
    var words = box ? strings(box) : {};
    var maxFiles = parseInt(input.getAttribute("data-om-max-files"), 10);
    var maxBytes = parseInt(input.getAttribute("data-om-max-bytes"), 10);
    var maxTotal = parseInt(input.getAttribute("data-om-max-total"), 10);
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      var problem = "", total = 0;
      if (files.length > maxFiles) problem = words.too_many || "!";
      files.forEach(function (f) {
        total += f.size;
        if (!problem && f.size > maxBytes) problem = (words.too_large || "!").split("{name}").join(f.name);
      });
      if (!problem && total > maxTotal) problem = words.too_much || "!";
      input.setCustomValidity(problem);
      if (error) {
        error.textContent = problem;
        error.classList.toggle("om-hidden", !problem);
      }
    });
  }

  // "Insert canned reply": put the reply's text into the reply box at the cursor (the link
  // itself reloads the page with the box filled, for when this script does not run).
  function wireCanned(link) {
    var box = document.getElementById(link.getAttribute("data-om-canned"));
    if (!box) return;
    // Until the person has clicked into the box, a reply goes after what is there.
    box.addEventListener("focus", function () { box.setAttribute("data-om-touched", "1"); });
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var text = link.getAttribute("data-om-text") || "";
      var start = box.selectionStart, end = box.selectionEnd, value = box.value;
      if (typeof start !== "number" || !box.hasAttribute("data-om-touched")) {
        start = end = value.length;
      }
      var before = value.slice(0, start), after = value.slice(end);
      // Keep a paragraph between the text already there and the reply.
      var gap = before && !/\n\s*$/.test(before) ? "\n\n" : "";
      box.value = before + gap + text + after;
      var caret = (before + gap + text).length;
      box.focus();
      box.setSelectionRange(caret, caret);
      box.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  // A reply form that was sent: Back brings the page from the browser's cache with the sent
  // text (and files) still in it, and sending it again would post it twice.  Empty it then.
  // (autocomplete="off" keeps a reloaded page from filling it in; a text the server sends
  // back, a refused post's kept draft, is a new page and stays.)
  function wireOnce(form) {
    form.addEventListener("submit", function () { form.setAttribute("data-om-sent", "1"); });
  }
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-om-once][data-om-sent]").forEach(function (form) {
      form.reset();
      form.querySelectorAll("textarea[name]").forEach(function (box) { box.value = ""; });
      form.removeAttribute("data-om-sent");
    });
  });

  onReady(function () {
    document.querySelectorAll("form[data-om-once]").forEach(wireOnce);
    document.querySelectorAll("[data-om-canned]").forEach(wireCanned);
    wireDialogs(document);
    document.querySelectorAll("input[data-om-files]").forEach(wireFiles);
    wireTable(document);
    document.querySelectorAll("[data-om-bell]").forEach(wireBell);
    document.querySelectorAll("[data-om-live]").forEach(wireThread);
    document.querySelectorAll("[data-om-presence]").forEach(wirePresence);
    document.querySelectorAll("[data-om-presence-list]").forEach(wirePresenceList);
    // A "New messages" divider means this page just marked its thread read, after the bell
    // in the header was drawn: refresh the bell now rather than at the next poll.
    if (document.getElementById("om-new")) document.dispatchEvent(new CustomEvent("om:read"));
  });
})();
