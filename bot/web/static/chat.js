// dvcbot web chat: posts to /chat/api and appends the replies; the page works without it too.
(function () {
  "use strict";
  var main = document.querySelector(".chat");
  var log = document.getElementById("log");
  var say = document.getElementById("say");
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var URL_RE = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
  var busy = false;
  var seq = 0;

  function linkified(text) {
    var p = document.createElement("p");
    var last = 0;
    text.replace(URL_RE, function (url, index) {
      p.appendChild(document.createTextNode(text.slice(last, index)));
      var a = document.createElement("a");
      a.href = url; a.textContent = url; a.target = "_blank"; a.rel = "noopener noreferrer";
      p.appendChild(a);
      last = index + url.length;
      return url;
    });
    p.appendChild(document.createTextNode(text.slice(last)));
    return p;
  }

  function bubble(kind, who) {
    var li = document.createElement("li");
    li.className = "msg " + kind;
    var span = document.createElement("span");
    span.className = "who"; span.textContent = who;
    li.appendChild(span);
    log.appendChild(li);
    return li;
  }

  function showReply(reply) {
    var li = bubble("bot", main.dataset.bot);
    if (reply.text) li.appendChild(linkified(reply.text));
    if (reply.image) {
      var img = document.createElement("img");
      img.src = reply.image.url; img.alt = reply.image.filename;
      li.appendChild(img);
    }
    if (reply.document) {
      var doc = document.createElement("a");
      doc.className = "doc"; doc.href = reply.document.url;
      doc.download = reply.document.filename; doc.textContent = reply.document.filename;
      li.appendChild(doc);
    }
    if (reply.buttons && reply.buttons.length) {
      var box = document.createElement("div");
      box.className = "buttons";
      reply.buttons.forEach(function (b) {
        var el;
        if (b.url) {
          el = document.createElement("a");
          el.className = "button"; el.href = b.url; el.target = "_blank";
          el.rel = "noopener noreferrer";
        } else {
          el = document.createElement("button");
          el.type = "button"; el.value = b.payload; el.dataset.label = b.label;
        }
        el.textContent = b.label;
        box.appendChild(el);
      });
      li.appendChild(box);
    }
  }

  function send(body, shown) {
    if (busy) return;
    busy = true;
    var you = bubble("you", main.dataset.you);
    var p = document.createElement("p"); p.textContent = shown; you.appendChild(p);
    you.scrollIntoView({block: "end"});
    body.id = Date.now().toString(36) + "-" + (++seq);
    fetch("/chat/api", {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify(body)
    }).then(function (r) { return r.json(); }).then(function (data) {
      (data.replies || []).forEach(showReply);
      if (!data.replies) showReply({text: main.dataset.offline});
    }).catch(function () {
      showReply({text: main.dataset.offline});
    }).then(function () {
      busy = false;
      log.lastElementChild.scrollIntoView({block: "start"});
    });
  }

  say.addEventListener("submit", function (event) {
    event.preventDefault();
    var input = say.querySelector('input[name="text"]');
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({text: text}, text);
  });

  // A deep link (/chat?start=… or ?ref=…): press its Start button once, as Telegram's app does.
  if (main.dataset.autostart) {
    var start = log.querySelector('button[value="' + main.dataset.autostart + '"]');
    send({payload: main.dataset.autostart}, start ? start.dataset.label : "");
    if (window.history && history.replaceState) history.replaceState(null, "", "/chat");
  }

  log.addEventListener("click", function (event) {
    var button = event.target.closest("button[value]");
    if (!button) return;
    event.preventDefault();
    send({payload: button.value}, button.dataset.label || button.textContent);
  });

  // An officer's answer (Hỏi cán bộ) arrives while the page is open: ask every few seconds.
  function poll() {
    if (busy || document.hidden) return;
    fetch("/chat/updates", {
      method: "POST",
      credentials: "same-origin",
      headers: {"X-CSRF-Token": csrf}
    }).then(function (r) { return r.json(); }).then(function (data) {
      if (data.replies && data.replies.length) {
        data.replies.forEach(showReply);
        log.lastElementChild.scrollIntoView({block: "start"});
      }
    }).catch(function () {});
  }
  setInterval(poll, Number(main.dataset.poll || 3000));
})();
