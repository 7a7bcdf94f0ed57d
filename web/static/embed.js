/**
 * embed.js runs on a page that embeds a liveblog event (the HTML of the
 * site's oEmbed answer includes it). It fits each embedded event's frame to
 * its content: the frame reports its height with postMessage, and this
 * script believes only messages from the origin it was itself loaded from
 * and from one of that origin's frames on this page.
 *
 * A classic script, not a module: host pages add it with a plain
 * <script async src>, and it must not touch anything of theirs but the
 * frames' height.
 */
(function () {
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src).origin;
  // A page that embeds several events includes this script once for each;
  // one copy per liveblog site is enough.
  var running = (window.__liveblogEmbed = window.__liveblogEmbed || {});
  if (running[origin]) return;
  running[origin] = true;
  var MAX_HEIGHT = 100000; // px: a bound, so a bad message cannot make the host page absurdly long

  function frames() {
    return Array.prototype.filter.call(document.getElementsByTagName("iframe"), function (f) {
      try {
        return new URL(f.src, location.href).origin === origin;
      } catch (e) {
        return false;
      }
    });
  }

  window.addEventListener("message", function (e) {
    if (e.origin !== origin || !e.data || e.data.type !== "liveblog:height") return;
    var height = Math.ceil(Number(e.data.height));
    if (!(height > 0 && height < MAX_HEIGHT)) return;
    frames().forEach(function (f) {
      if (f.contentWindow === e.source) f.style.height = height + "px";
    });
  });

  // A frame that loaded before this script reported its height to no one;
  // ask every frame again, once this page and the frames have loaded.
  function ping() {
    frames().forEach(function (f) {
      if (f.contentWindow) f.contentWindow.postMessage({ type: "liveblog:ping" }, origin);
    });
  }
  ping();
  window.addEventListener("load", ping);
  frames().forEach(function (f) {
    f.addEventListener("load", ping);
  });
})();
