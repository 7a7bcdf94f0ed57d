/**
 * reader.js keeps an open live page current.
 *
 * The server rendered the page at feed position data-head. This module opens
 * the event's stream after that position and applies each `change` frame
 * (docs/ARCHITECTURE.md, "Stream frames") to the page, so page plus frames is
 * always the current state. Frames are applied strictly in sequence: one seen
 * before is ignored, and a missing one makes the script reconnect from the
 * last applied position, so a reader never misses or doubles an update.
 *
 * It also does what only a script can: adds to recent times their age
 * ("14:05 GMT · 5 minutes ago", in the page's language), keeps the key
 * events list current, gives each post a share button (or, where the
 * browser cannot share, a copy-link one), and, in an embedded view, tells
 * the host page its height.
 *
 * Without this script the page is complete; it just does not move.
 */

const MIN_DELAY = 1000; // first reconnect wait after the server refused the stream
const MAX_DELAY = 60000; // cap, so a long outage does not leave readers behind for long
const HEALTHY_AFTER = 15000; // a stream open this long resets the backoff
const NEAR_TOP = 200; // px: a reader this close to the top sees new posts at once
const MINUTE = 60000;
const HOUR = 60 * MINUTE;
const RELATIVE_UNTIL = 24 * HOUR; // past this, "26 hours ago" adds nothing to the clock time
const EXCERPT = 200; // characters of a key event's title without a headline, as the server cuts it

let relativeFormat = null; // the Intl.RelativeTimeFormat of the page's language, made on first use

const LABELS = { live: "LIVE", paused: "Paused", ended: "Coverage ended", scheduled: "Starting soon" };
const NOTES = {
  paused: "Coverage is paused. New posts will appear here when it resumes.",
  ended: "Coverage has ended.",
};

const main = document.getElementById("live");
if (main) start(main);

function start(main) {
  const $ = (id) => document.getElementById(id);
  const data = main.dataset;
  const posts = $("posts");
  const pinned = $("pinned");
  const button = $("new-posts");
  const keyList = $("key-events"); // absent in the key events view, whose posts are the list
  const keyItems = keyList?.querySelector("ol");
  const keyMax = Number(keyList?.dataset.max || 0);
  const first = data.first === "true"; // only the newest page receives new posts
  const keyOnly = data.keyOnly === "true";
  const embed = data.embed === "true";
  const limit = Number(data.limit) || 0; // an embed keeps only this many posts
  const dir = data.order === "oldest" ? -1 : 1;
  const hasOlder = !!main.querySelector(".pager-older");
  const queue = new Map(); // element id -> article published while the reader was scrolled down

  let last = Number(data.head) || 0; // seq of the last applied frame
  let source = null;
  let timer = 0;
  let healthy = 0;
  let delay = MIN_DELAY;
  let stopped = false;
  let unseen = 0; // posts that arrived while the tab was hidden
  let baseTitle = document.title;

  focusLinked(data.focus);
  for (const el of main.querySelectorAll(".post")) addActions(el);
  relativeTimes(main);
  setInterval(() => relativeTimes(main), MINUTE);
  // On paper "5 minutes ago" means nothing: print the clock times alone.
  addEventListener("beforeprint", () => absoluteTimes(main));
  addEventListener("afterprint", () => relativeTimes(main));
  main.addEventListener("click", onClick);
  if (embed) reportHeight();
  if (data.state === "ended" || !data.stream) return;
  button.addEventListener("click", reveal);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) {
      unseen = 0;
      setTitle();
    }
  });
  connect();

  function connect() {
    const es = new EventSource(data.stream + (data.stream.includes("?") ? "&" : "?") + "after=" + last);
    source = es;
    es.addEventListener("open", () => {
      clearTimeout(healthy);
      healthy = setTimeout(() => (delay = MIN_DELAY), HEALTHY_AFTER);
    });
    es.addEventListener("change", onChange);
    es.addEventListener("reset", () => location.reload());
    // After a network error EventSource reconnects by itself, sending
    // Last-Event-ID. Only when the server refused the stream is it CLOSED,
    // and then it is ours to reopen.
    es.addEventListener("error", () => {
      if (es.readyState === EventSource.CLOSED) reopen(false);
    });
  }

  function reopen(now) {
    source?.close();
    source = null;
    clearTimeout(timer);
    clearTimeout(healthy);
    if (stopped) return;
    // Jitter, so that readers do not all come back in the same instant.
    timer = setTimeout(connect, now ? 0 : delay * (0.5 + Math.random()));
    delay = Math.min(delay * 2, MAX_DELAY);
  }

  function stop() {
    stopped = true;
    reopen(false);
  }

  function onChange(event) {
    let f;
    try {
      f = JSON.parse(event.data);
    } catch {
      return; // the next frame will show a gap and bring it back
    }
    if (!(f.seq > last)) return; // seen before
    // One is missing: resume from the last applied, at once unless that
    // has just failed.
    if (f.seq !== last + 1) return reopen(delay === MIN_DELAY);
    last = f.seq;
    try {
      apply(f);
    } catch (err) {
      console.error("reader: frame", f.seq, err);
    }
  }

  function apply(f) {
    switch (f.kind) {
      case "post.published":
      case "post.updated":
      case "post.pinned":
      case "post.unpinned":
        return f.html ? upsert(f) : remove(f.post_id);
      case "post.deleted":
        return remove(f.post_id);
      case "summary.updated": {
        const el = parse(f.html);
        $("summary").replaceWith(el);
        return relativeTimes(el);
      }
      case "coverage.changed":
        return setState(f.state, f.html);
      case "event.updated":
        return retitle(f.title, f.description);
    }
  }

  function upsert(f) {
    const el = parse(f.html);
    // A post with a provider's facade brings the script that shows its
    // frame on consent; loading a module twice runs it once.
    if (data.facade && el.querySelector(".facade[data-frame]")) import(data.facade);
    addActions(el);
    relativeTimes(el);
    listKeyEvent(el, f.key_event);
    const old = $(el.id);
    const fresh = f.kind === "post.published" && !old;
    if (keyOnly && !f.key_event && !f.pinned) return remove(f.post_id);
    if (f.pinned && first) {
      // One pinned post: the one it replaces goes back into the stream.
      for (const other of [...pinned.children]) {
        if (other.id !== el.id) {
          other.remove();
          place(other, false);
        }
      }
      if (queue.delete(el.id)) showButton();
      old?.remove();
      pinned.append(el);
      if (fresh) notice(el, f.key_event);
    } else if (queue.has(el.id)) {
      queue.set(el.id, el);
    } else if (old && old.parentNode !== pinned) {
      old.replaceWith(el);
    } else if (old || fresh || keyOnly) {
      old?.remove(); // unpinned: back to its place in time
      place(el, fresh, f.key_event);
    }
  }

  // place puts an article into #posts in sort order, or, for a new post
  // while the reader is further down, behind the button, so that the page
  // never moves under the reader's eyes.
  function place(el, fresh, key) {
    if (!first || !fits(el)) return;
    if (fresh && dir > 0 && scrollY > NEAR_TOP) {
      queue.set(el.id, el);
      showButton();
    } else {
      insert(el);
    }
    if (fresh) notice(el, key);
  }

  // fits reports whether a post belongs on this page rather than on an older
  // one: a post dated before everything shown waits for its own page.
  function fits(el) {
    const oldest = dir > 0 ? posts.lastElementChild : posts.firstElementChild;
    return !hasOlder || !oldest || compare(el, oldest) > 0;
  }

  function insert(el) {
    sorted(posts, el, dir);
    while (limit && posts.children.length > limit) {
      (dir > 0 ? posts.lastElementChild : posts.firstElementChild).remove();
    }
  }

  function reveal() {
    for (const el of queue.values()) insert(el);
    queue.clear();
    showButton();
    const top = posts.firstElementChild;
    if (top) {
      top.tabIndex = -1;
      top.focus({ preventScroll: true });
    }
    posts.scrollIntoView({ behavior: motion() });
  }

  function remove(id) {
    if (queue.delete("post-" + id)) showButton();
    $("post-" + id)?.remove();
    listKeyEvent(null, false, id);
  }

  function showButton() {
    button.hidden = queue.size === 0;
    button.textContent = queue.size === 1 ? "1 new post" : queue.size + " new posts";
  }

  function notice(el, key) {
    const headline = el.querySelector(".post-headline");
    const what = key ? "New key event" : "New post";
    say(headline ? what + ": " + headline.textContent : what);
    if (document.hidden) {
      unseen++;
      setTitle();
    }
  }

  // listKeyEvent keeps the key events list in step with a post: listed,
  // newest first, while it is a key event, and gone when it is not or is
  // removed. Applying the same post twice leaves the list as it was, which
  // is what lets the server read the list a moment after the page.
  function listKeyEvent(el, key, id) {
    if (!keyList) return;
    id = el ? el.id.slice("post-".length) : String(id);
    const old = [...keyItems.children].find((li) => li.dataset.post === id);
    if (key && el) {
      const li = keyItem(el, id);
      if (old) old.replaceWith(li);
      else sorted(keyItems, li, 1);
      while (keyItems.children.length > keyMax) keyItems.lastElementChild.remove();
    } else {
      old?.remove();
    }
    keyList.hidden = keyItems.children.length === 0;
  }

  function onClick(event) {
    const target = event.target;
    const action = target.closest?.(".post-actions button");
    if (action) return act(action);
    const link = target.closest?.(".key-events a");
    const el = link && $("post-" + link.parentNode.dataset.post);
    if (!el || event.button || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    // The post is on this page: go to it rather than reload the page around
    // it. The link still works as a permalink everywhere else.
    event.preventDefault();
    history.pushState(null, "", "#" + el.id);
    el.tabIndex = -1;
    el.focus({ preventScroll: true });
    el.scrollIntoView({ behavior: motion(), block: "start" });
  }

  function act(button) {
    const url = new URL(button.dataset.url, location.href).href;
    if (button.dataset.action === "share") {
      // A reader who closes the share sheet rejects the promise; that is
      // not an error worth saying.
      navigator.share({ title: button.dataset.title, url }).catch(() => {});
      return;
    }
    navigator.clipboard.writeText(url).then(
      () => {
        say("Link copied.");
        button.textContent = "Link copied";
        setTimeout(() => (button.textContent = "Copy link"), 3000);
      },
      () => say("The link could not be copied."),
    );
  }

  // addActions gives a post a share or a copy-link button, whichever the
  // browser can do. A reader without script keeps the permalink.
  function addActions(el) {
    const link = el.querySelector(".post-header a");
    if (embed || !link || el.querySelector(".post-actions")) return;
    const bar = document.createElement("p");
    bar.className = "post-actions";
    const title = titleOf(el);
    const add = (action, label) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "post-action";
      b.dataset.action = action;
      b.dataset.url = link.getAttribute("href");
      b.dataset.title = title;
      b.textContent = label;
      // The visible label leads the name, and the post's title tells one
      // post's button from the next in a screen reader's list of buttons.
      b.setAttribute("aria-label", label + ": " + title);
      bar.append(b);
    };
    // The share sheet offers copying too, so one button is enough: share
    // where the browser can, copy the link where it cannot.
    if (navigator.share) add("share", "Share");
    else if (navigator.clipboard?.writeText) add("copy", "Copy link");
    if (bar.children.length) el.append(bar);
  }

  function setState(state, started) {
    data.state = state;
    const badge = main.querySelector(".live-badge");
    badge.dataset.state = state;
    badge.textContent = LABELS[state] || state;
    // The "Coverage started" line, which a page opened before the start lacks.
    if (started && !main.querySelector(".coverage-time")) {
      const el = parse(started);
      badge.after(" ", el);
      relativeTimes(el);
    }
    const note = $("coverage-note");
    note.textContent = NOTES[state] || "";
    note.hidden = !NOTES[state];
    say(NOTES[state] || (state === "live" ? "Coverage is live." : ""));
    if (state === "ended") stop();
  }

  function retitle(title, description) {
    const h1 = $("event-title");
    if (title) {
      baseTitle = baseTitle.replace(h1.textContent, title);
      h1.textContent = title;
      setTitle();
    }
    if (description !== undefined) {
      const p = $("event-description");
      p.textContent = description;
      p.hidden = !description;
    }
  }

  function setTitle() {
    document.title = (unseen ? "(" + unseen + ") " : "") + baseTitle;
  }

  function say(text) {
    const announcer = $("announcer");
    // Clearing first makes screen readers repeat an identical message.
    announcer.textContent = "";
    if (text) setTimeout(() => (announcer.textContent = text), 50);
  }

  // reportHeight tells the page that frames this embed how tall it is, so
  // the frame can fit it with no scroll bar of its own: at once, whenever it
  // changes, and when the host's script asks (it may load after the first
  // report).
  function reportHeight() {
    if (window.parent === window) return;
    const send = () =>
      window.parent.postMessage({ type: "liveblog:height", height: Math.ceil(document.documentElement.getBoundingClientRect().height) }, "*");
    new ResizeObserver(send).observe(document.documentElement);
    addEventListener("message", (e) => {
      if (e.source === window.parent && e.data?.type === "liveblog:ping") send();
    });
  }
}

// focusLinked brings a permalink's post into view, unless the address already
// names a place on the page.
function focusLinked(id) {
  const el = id && document.getElementById("post-" + id);
  if (!el || location.hash) return;
  el.classList.add("is-focus");
  el.tabIndex = -1;
  el.focus();
}

// relativeTimes adds to each time under a day old its age, "09:45 GMT · 5
// minutes ago": the server's clock time, in the event's zone, kept in
// data-abs, then the age. Run again, it brings the ages up to date.
function relativeTimes(root) {
  const now = Date.now();
  for (const t of root.querySelectorAll("time[datetime]")) {
    const abs = t.dataset.abs || t.textContent;
    const age = now - Date.parse(t.dateTime);
    if (!(age < RELATIVE_UNTIL)) {
      if (t.dataset.abs) t.textContent = abs;
      continue;
    }
    t.dataset.abs = abs;
    t.textContent = abs + " · " + ago(age);
  }
}

function absoluteTimes(root) {
  for (const t of root.querySelectorAll("time[data-abs]")) t.textContent = t.dataset.abs;
}

// ago says how long ago in the page's language ("5 minutes ago", "il y a
// 5 minutes"); a time in the future by a clock skew reads as just now.
function ago(ms) {
  const lang = document.documentElement.lang || "en";
  if (ms < MINUTE) {
    // Intl says "now"; after "Updated" English says "just now".
    return /^en\b/i.test(lang) ? "just now" : relative(lang).format(0, "second");
  }
  if (ms < HOUR) return relative(lang).format(-Math.floor(ms / MINUTE), "minute");
  return relative(lang).format(-Math.floor(ms / HOUR), "hour");
}

function relative(lang) {
  if (!relativeFormat) {
    try {
      relativeFormat = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
    } catch {
      relativeFormat = new Intl.RelativeTimeFormat("en", { numeric: "auto" }); // a tag the browser refuses
    }
  }
  return relativeFormat;
}

// keyItem is the key events list's entry for an article, as the server
// renders it: its title linked to its permalink, and its time.
function keyItem(el, id) {
  const li = document.createElement("li");
  li.dataset.sort = el.dataset.sort;
  li.dataset.post = id;
  const a = document.createElement("a");
  a.href = el.querySelector(".post-header a").getAttribute("href");
  a.textContent = titleOf(el);
  li.append(a);
  const time = el.querySelector(".post-time time");
  if (time) li.append(" ", time.cloneNode(true));
  return li;
}

// titleOf is what a post is called: its headline, or else the first line of
// its first text, cut as the server cuts it (render.Excerpt).
function titleOf(el) {
  const h = el.querySelector(".post-headline");
  if (h) return h.textContent;
  const block = el.querySelector(".post-body > p:not(.embed-card), .post-body > ul > li, .post-body blockquote p");
  if (!block) return "Update";
  // The first line: the text before the first line break.
  const walk = document.createTreeWalker(block, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
  let text = "";
  for (let n = walk.nextNode(); n && n.nodeName !== "BR"; n = walk.nextNode()) {
    if (n.nodeType === Node.TEXT_NODE) text += n.data;
  }
  text = text.trim();
  if ([...text].length <= EXCERPT) return text;
  let cut = [...text].slice(0, EXCERPT).join("");
  const space = cut.lastIndexOf(" ");
  if (space > EXCERPT / 2) cut = cut.slice(0, space);
  return cut.replace(/[ ,;:\-–]+$/, "") + "…";
}

// sorted inserts el among parent's children by data-sort: newest first when
// dir is 1, oldest first when -1.
function sorted(parent, el, dir) {
  for (const child of parent.children) {
    if (dir * compare(el, child) > 0) return child.before(el);
  }
  parent.append(el);
}

function motion() {
  return matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth";
}

function parse(html) {
  const t = document.createElement("template");
  t.innerHTML = html;
  return t.content.firstElementChild;
}

// compare orders two elements by data-sort ("micros-id"), newer first > 0.
// Microseconds since 1970 stay well inside a double's exact integers.
function compare(a, b) {
  const [x, i] = a.dataset.sort.split("-").map(Number);
  const [y, j] = b.dataset.sort.split("-").map(Number);
  return x - y || i - j;
}
