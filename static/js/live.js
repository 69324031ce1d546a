// Live updates over Socket.IO. Events carry ids only: content is fetched over HTTP through
// the same permission checks as the pages. Socket.IO delivers at most once, so after every
// (re)connect the page asks for everything after the newest post it holds.
(function () {
  "use strict";
  if (typeof window.io !== "function" || !document.body.hasAttribute("data-member")) { return; }

  var thread = document.getElementById("thread");
  var threadId = thread ? Number(thread.getAttribute("data-thread-id")) : 0;
  var lastId = thread ? Number(thread.getAttribute("data-last-post-id")) || 0 : 0;
  var onLastPage = thread ? thread.getAttribute("data-page") === thread.getAttribute("data-pages") : false;
  var groupBox = document.querySelector("[data-live-group]");
  var groupId = groupBox ? Number(groupBox.getAttribute("data-live-group")) : 0;
  var fetching = false;
  var again = false;
  var elsewhere = 0;

  var status = document.createElement("p");
  status.className = "live-status visually-hidden";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  document.body.appendChild(status);

  function announce(text) { status.textContent = text; }

  function banner(text, href) {
    var box = document.querySelector("[data-live-banner]");
    if (!box) {
      box = document.createElement("p");
      box.className = "live-banner";
      box.setAttribute("data-live-banner", "");
      box.setAttribute("role", "status");
      var anchor = thread || groupBox;
      if (anchor) { anchor.insertBefore(box, anchor.firstChild); } else { return; }
    }
    box.textContent = "";
    var link = document.createElement("a");
    link.href = href;
    link.textContent = text;
    box.appendChild(link);
  }

  function insert(post) {
    lastId = Math.max(lastId, post.id);
    if (document.getElementById("p" + post.id)) { return; }
    var container = document.querySelector('[data-children-of="' + post.parent_id + '"]');
    var topLevel = container && container.classList.contains("top-level");
    if (!container || (topLevel && !onLastPage)) {
      elsewhere += 1;
      banner(elsewhere + (elsewhere === 1 ? " new reply" : " new replies") + " further on: show",
             "/posts/" + post.id);
      return;
    }
    container.insertAdjacentHTML("beforeend", post.html);
    var article = document.getElementById("p" + post.id);
    if (article) {
      article.classList.add("is-new", "just-arrived");
      if (window.FiveCDiscussions) { window.FiveCDiscussions.enhance(article.parentNode); }
    }
    var empty = document.querySelector("[data-no-replies]");
    if (empty) { empty.remove(); }
    announce("New reply added.");
  }

  function catchUp() {
    if (!threadId) { return; }
    if (fetching) { again = true; return; }
    fetching = true;
    fetch("/threads/" + threadId + "/posts?after=" + lastId, {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (data) {
      data.posts.forEach(insert);
      if (data.has_more) { again = true; }
    }).catch(function () { /* the next event or reconnect tries again */ })
      .finally(function () {
        fetching = false;
        if (again) { again = false; catchUp(); }
      });
  }

  function changed(event) {
    var article = document.getElementById("p" + event.post_id);
    if (!article) { return; }
    var body = article.querySelector(".post-body");
    var footer = article.querySelector(".post-actions");
    var notes = {
      hidden: "This post was hidden by a moderator.",
      deleted: "This post was deleted by its author.",
      removed: "This post was removed by a moderator.",
      moved: "This post was moved to another discussion."
    };
    if (notes[event.change]) {
      if (body) { body.innerHTML = ""; body.textContent = notes[event.change]; body.classList.add("muted"); }
      if (footer) { footer.remove(); }
      announce(notes[event.change]);
    } else if (event.change === "edited") {
      var mark = article.querySelector(".live-edited");
      if (!mark) {
        mark = document.createElement("a");
        mark.className = "live-edited small";
        mark.href = "/posts/" + event.post_id;
        mark.textContent = "This post was edited: reload to see the change";
        article.querySelector(".post-head").appendChild(mark);
      }
    }
  }

  var socket = window.io({ transports: ["websocket", "polling"], tryAllTransports: true });
  socket.on("connect", function () {
    if (threadId) {
      socket.emit("join_thread", { thread_id: threadId }, function () { catchUp(); });
    }
    if (groupId) { socket.emit("join_group", { group_id: groupId }); }
    document.body.setAttribute("data-live", "connected");
  });
  socket.on("disconnect", function () { document.body.setAttribute("data-live", "disconnected"); });
  socket.on("post_created", function (event) { if (event.thread_id === threadId) { catchUp(); } });
  socket.on("post_changed", function (event) { if (event.thread_id === threadId) { changed(event); } });
  socket.on("thread_created", function (event) {
    if (event.group_id === groupId) { banner("A new discussion was started: show", "/threads/" + event.thread_id); }
  });
  socket.on("notification_count", function (event) {
    document.querySelectorAll("[data-unread-count]").forEach(function (node) {
      node.textContent = String(event.unread);
      node.hidden = !event.unread;
    });
  });
})();
