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
 * Without this script the page is complete; it just does not move.
 */

const MIN_DELAY = 1000; // first reconnect wait after the server refused the stream
const MAX_DELAY = 60000; // cap, so a long outage does not leave readers behind for long
const HEALTHY_AFTER = 15000; // a stream open this long resets the backoff
const NEAR_TOP = 200; // px: a reader this close to the top sees new posts at once

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
  const first = data.first === "true"; // only the newest page receives new posts
  const keyOnly = data.keyOnly === "true";
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
      case "summary.updated":
        return $("summary").replaceWith(parse(f.html));
      case "coverage.changed":
        return setState(f.state);
      case "event.updated":
        return retitle(f.title, f.description);
    }
  }

  function upsert(f) {
    const el = parse(f.html);
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
      if (fresh) notice(el);
    } else if (queue.has(el.id)) {
      queue.set(el.id, el);
    } else if (old && old.parentNode !== pinned) {
      old.replaceWith(el);
    } else if (old || fresh || keyOnly) {
      old?.remove(); // unpinned: back to its place in time
      place(el, fresh);
    }
  }

  // place puts an article into #posts in sort order, or, for a new post
  // while the reader is further down, behind the button, so that the page
  // never moves under the reader's eyes.
  function place(el, fresh) {
    if (!first || !fits(el)) return;
    if (fresh && dir > 0 && scrollY > NEAR_TOP) {
      queue.set(el.id, el);
      showButton();
    } else {
      insert(el);
    }
    if (fresh) notice(el);
  }

  // fits reports whether a post belongs on this page rather than on an older
  // one: a post dated before everything shown waits for its own page.
  function fits(el) {
    const oldest = dir > 0 ? posts.lastElementChild : posts.firstElementChild;
    return !hasOlder || !oldest || compare(el, oldest) > 0;
  }

  function insert(el) {
    for (const child of posts.children) {
      if (dir * compare(el, child) > 0) return child.before(el);
    }
    posts.append(el);
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
    posts.scrollIntoView({ behavior: matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
  }

  function remove(id) {
    if (queue.delete("post-" + id)) showButton();
    $("post-" + id)?.remove();
  }

  function showButton() {
    button.hidden = queue.size === 0;
    button.textContent = queue.size === 1 ? "1 new post" : queue.size + " new posts";
  }

  function notice(el) {
    const headline = el.querySelector(".post-headline");
    say(headline ? "New post: " + headline.textContent : "New post");
    if (document.hidden) {
      unseen++;
      setTitle();
    }
  }

  function setState(state) {
    data.state = state;
    const badge = main.querySelector(".live-badge");
    badge.dataset.state = state;
    badge.textContent = LABELS[state] || state;
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

function parse(html) {
  const t = document.createElement("template");
  t.innerHTML = html;
  return t.content.firstElementChild;
}

// compare orders two articles by data-sort ("micros-id"), newer first > 0.
// Microseconds since 1970 stay well inside a double's exact integers.
function compare(a, b) {
  const [x, i] = a.dataset.sort.split("-").map(Number);
  const [y, j] = b.dataset.sort.split("-").map(Number);
  return x - y || i - j;
}
