// Discussions: collapsible replies, inline reply composer, quote, live preview, mentions.
// Progressive enhancement only: every action works without this script (CSP: no inline JS).
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function randomToken() {
    var bytes = new Uint8Array(18);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // --- Collapsible replies (buttons are rendered hidden; shown once JS runs) ---------
  function enableToggles(root) {
    root.querySelectorAll(".toggle-replies[hidden]").forEach(function (button) { button.hidden = false; });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".toggle-replies");
    if (!button) { return; }
    var box = document.getElementById(button.getAttribute("aria-controls"));
    if (!box) { return; }
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    box.hidden = !open;
    var count = box.querySelectorAll(".post").length;
    button.textContent = (open ? "Hide replies (" : "Show replies (") + count + ")";
  });

  // --- Live preview -------------------------------------------------------------------
  function setupComposer(form) {
    var textarea = form.querySelector("textarea");
    var toggle = form.querySelector("[data-preview-toggle]");
    var panel = form.querySelector("[data-preview-panel]");
    var target = form.querySelector("[data-preview]");
    if (!textarea || !toggle || !panel || !target) { return; }
    toggle.hidden = false;
    var timer = null;
    var refresh = function () {
      var body = new FormData();
      body.append("body", textarea.value);
      fetch("/preview", {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
      }).then(function (response) { return response.json(); }).then(function (data) {
        // The server cooked and sanitised this HTML with the same function as posts.
        if (data.html !== undefined) { target.innerHTML = data.html; } else { target.textContent = data.error || ""; }
      }).catch(function () { target.textContent = "The preview is not available right now."; });
    };
    toggle.addEventListener("click", function () {
      var open = panel.hidden;
      panel.hidden = !open;
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      toggle.textContent = open ? "Hide preview" : "Show preview";
      if (open) { refresh(); }
    });
    textarea.addEventListener("input", function () {
      if (panel.hidden) { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 400);
    });
    setupMentions(textarea);
  }

  // --- Mentions: typing "@[" then letters suggests members, inserting "@[Name]" -------
  function setupMentions(textarea) {
    var list = document.createElement("ul");
    list.className = "mention-suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    textarea.insertAdjacentElement("afterend", list);
    var pending = null;
    textarea.addEventListener("input", function () {
      var before = textarea.value.slice(0, textarea.selectionStart);
      var match = /@\[([^\]\[\n]{1,40})$/.exec(before);
      if (!match) { list.hidden = true; return; }
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        fetch("/mentions?q=" + encodeURIComponent(match[1]), { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (people) {
            list.innerHTML = "";
            people.forEach(function (person) {
              var item = document.createElement("li");
              var button = document.createElement("button");
              button.type = "button";
              button.className = "link-button";
              button.textContent = person.name;
              button.addEventListener("click", function () {
                var start = before.length - match[0].length;
                textarea.value = textarea.value.slice(0, start) + person.insert + " " + textarea.value.slice(textarea.selectionStart);
                textarea.focus();
                list.hidden = true;
              });
              item.appendChild(button);
              list.appendChild(item);
            });
            list.hidden = people.length === 0;
          });
      }, 200);
    });
  }

  // --- Inline reply composer: clone the main one under the post ----------------------
  var mainForm = document.getElementById("reply-form");
  var activeForm = mainForm;

  function openInlineReply(link) {
    var postId = link.getAttribute("data-reply-to");
    var article = document.getElementById("p" + postId);
    if (!mainForm || !article) { return false; }
    var existing = document.getElementById("reply-to-" + postId);
    if (existing) { existing.querySelector("textarea").focus(); return true; }
    var form = mainForm.cloneNode(true);
    form.id = "reply-to-" + postId;
    form.classList.add("inline-composer");
    form.dataset.submitting = "";
    form.querySelectorAll(".form-errors, .field-error, [data-replying-to]").forEach(function (el) { el.remove(); });
    form.querySelectorAll("[id]").forEach(function (el) { el.id = el.id + "-" + postId; });
    form.querySelectorAll("label[for]").forEach(function (el) { el.htmlFor = el.htmlFor + "-" + postId; });
    form.querySelectorAll("[aria-describedby]").forEach(function (el) { el.removeAttribute("aria-describedby"); });
    form.querySelectorAll(".mention-suggestions").forEach(function (el) { el.remove(); });
    var textarea = form.querySelector("textarea");
    textarea.value = "";
    form.querySelector("[data-parent-input]").value = postId;
    // A fresh draft id: this is a different draft from the main composer's.
    form.querySelector('input[name="client_token"]').value = randomToken();
    var label = form.querySelector("label");
    if (label) { label.textContent = "Reply to " + (link.getAttribute("data-reply-name") || "this post"); }
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "btn btn-secondary";
    cancel.textContent = "Cancel";
    cancel.addEventListener("click", function () { form.remove(); activeForm = mainForm; link.focus(); });
    form.querySelector(".actions").appendChild(cancel);
    article.insertAdjacentElement("afterend", form);
    setupComposer(form);
    activeForm = form;
    textarea.focus();
    return true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-reply-to]");
    if (link && openInlineReply(link)) { event.preventDefault(); }
  });

  // --- Quote: the selected words of a post, or its whole text, as a Markdown quote ----
  function quoteInto(textarea, text, author) {
    var lines = text.trim().split(/\r?\n/).map(function (line) { return "> " + line; });
    var quote = (author ? "> **" + author + "** wrote:\n>\n" : "") + lines.join("\n") + "\n\n";
    var prefix = textarea.value && !/\n\n$/.test(textarea.value) ? "\n\n" : "";
    textarea.value += prefix + quote;
    textarea.focus();
    textarea.dispatchEvent(new Event("input"));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-quote]");
    if (!button) { return; }
    var postId = button.getAttribute("data-quote");
    var author = button.getAttribute("data-quote-author");
    var article = document.getElementById("p" + postId);
    var selection = window.getSelection ? String(window.getSelection()) : "";
    var body = article && article.querySelector(".post-body");
    var form = activeForm || mainForm;
    if (!form) { return; }
    var textarea = form.querySelector("textarea");
    if (selection && body && body.contains(window.getSelection().anchorNode)) {
      quoteInto(textarea, selection, author);
      return;
    }
    fetch("/posts/" + postId + "/source", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) { quoteInto(textarea, data.markdown || "", author); })
      .catch(function () { if (body) { quoteInto(textarea, body.innerText, author); } });
  });

  // --- Flag: one dialog for the page, opened for the post whose "Flag" was pressed ----
  // Without the dialog (no JavaScript, or an old browser) the link opens the flag page.
  var flagDialog = document.getElementById("flag-dialog");
  var flagOpener = null;
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-flag-post]");
    if (!link || !flagDialog || typeof flagDialog.showModal !== "function") { return; }
    event.preventDefault();
    var form = flagDialog.querySelector("[data-flag-form]");
    var article = link.closest("article.post");
    form.reset();
    form.setAttribute("action", link.getAttribute("href"));
    flagDialog.querySelector("h2").textContent =
      "Flag the " + (article ? article.getAttribute("aria-label").replace(/^Post/, "post") : "post") +
      " for the moderators";
    flagOpener = link;
    flagDialog.showModal();
    form.querySelector('input[name="reason"]').focus();
  });
  if (flagDialog) {
    flagDialog.querySelector("[data-flag-cancel]").addEventListener("click", function () {
      flagDialog.close();
    });
    flagDialog.addEventListener("close", function () { if (flagOpener) { flagOpener.focus(); } });
  }

  function enhance(root) {
    enableToggles(root);
    root.querySelectorAll("[data-quote][hidden]").forEach(function (button) { button.hidden = false; });
  }

  document.querySelectorAll("form[data-composer]").forEach(setupComposer);
  enhance(document);
  // The live-update script calls this on posts it inserts.
  window.FiveCDiscussions = { enhance: enhance };
})();
