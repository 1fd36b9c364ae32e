// dvcbot inbox: reload the page every few seconds unless the officer is typing or choosing.
(function () {
  "use strict";
  var me = document.currentScript;
  var seconds = Number(me && me.dataset.refresh) || 20;
  setInterval(function () {
    var active = document.activeElement;
    var busy = active && /^(TEXTAREA|INPUT|SELECT)$/.test(active.tagName);
    var typed = Array.prototype.some.call(document.querySelectorAll("textarea"), function (t) {
      return t.value.trim() !== "";
    });
    if (!busy && !typed && !document.hidden) window.location.reload();
  }, seconds * 1000);
})();
