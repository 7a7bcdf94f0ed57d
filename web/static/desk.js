/**
 * desk.js runs the newsroom desk: the composer, its autosave, preview and
 * publishing, and the event's controls. The live view beside it is the
 * reader page's DOM, kept current by reader.js; this script only adds an
 * Edit button to each article there.
 *
 * Text is typed as plain text with a tiny markup (**bold**, _italic_,
 * [text](https://…)) that the server parses: a journalist on deadline pastes
 * wire copy without dragging hidden formatting along, undo works as it does
 * everywhere, and the preview, rendered by the server with the reader's own
 * templates, shows exactly what readers will get.
 *
 * Every request carries the session's CSRF token (meta[name=csrf-token]) in
 * the X-CSRF-Token header. Drafts save themselves to the server a moment
 * after typing stops, so a crashed browser loses at most that moment; and
 * every change is kept on the device (localStorage) until the server has
 * it, so a weak connection in the field loses nothing either.
 */

const AUTOSAVE_DELAY = 1500; // ms after the last keystroke: long enough not to save every word

const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

// send makes a request to the desk and returns {ok, status, data}, data
// being the parsed JSON (a problem document on failure) or the text.
async function send(method, url, body) {
  const headers = { Accept: "application/json", "X-CSRF-Token": csrf };
  let payload = body;
  if (body instanceof URLSearchParams) {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
  } else if (body instanceof Blob) {
    headers["Content-Type"] = body.type || "application/octet-stream";
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, { method, headers, body: payload, credentials: "same-origin" });
  } catch {
    return { ok: false, status: 0, data: { detail: "The desk cannot reach the server. Your text is kept here and on this device; try again when the connection is back." } };
  }
  const type = res.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await res.json() : await res.text();
  return { ok: res.ok, status: res.status, data };
}

function problemText(res) {
  if (res.status === 401) return "Your session has ended. Sign in again in another tab; this text stays here.";
  return (res.data && res.data.detail) || "Something went wrong (" + res.status + ").";
}

// parseHTML turns server-rendered HTML into nodes, without the ids that
// would clash with the live view's articles.
function parseHTML(html) {
  const t = document.createElement("template");
  t.innerHTML = html;
  for (const el of t.content.querySelectorAll("[id]")) el.removeAttribute("id");
  return t.content;
}

// Forms marked data-fetch are sent by this script, so the page and the
// composer's work stay; without the script they post and come back.
document.addEventListener("submit", async (e) => {
  const form = e.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-fetch")) return;
  e.preventDefault();
  const question = e.submitter?.dataset.confirm;
  if (question && !confirm(question)) return;
  const res = await send("POST", form.action, new URLSearchParams(new FormData(form)));
  formMessage(form, res.ok ? "" : problemText(res), res.ok ? "" : res.data && res.data.field);
  form.dispatchEvent(new CustomEvent("desk:done", { bubbles: true, detail: res }));
});

// formMessage shows a refusal under a form, or clears it; field names the
// input it is about, which is marked invalid and described by the message.
function formMessage(form, text, field) {
  for (const el of form.querySelectorAll('[aria-invalid="true"]')) {
    el.removeAttribute("aria-invalid");
    el.removeAttribute("aria-describedby");
  }
  let p = form.nextElementSibling;
  if (!p || !p.classList.contains("form-error")) {
    if (!text) return;
    p = document.createElement("p");
    p.className = "form-error";
    p.setAttribute("role", "alert");
    if (form.id) p.id = form.id + "-error";
    form.after(p);
  }
  p.textContent = text;
  p.hidden = !text;
  const input = field && p.id && form.elements[field];
  if (input instanceof HTMLElement && input.type !== "hidden") {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", p.id);
    input.focus();
  }
}

const root = document.getElementById("event-desk");
if (root) startDesk(root);

function startDesk(root) {
  const $ = (id) => document.getElementById(id);
  const slug = root.dataset.slug;
  const base = "/desk/events/" + slug;
  const composer = $("composer");
  const blocks = $("blocks");
  const status = $("composer-status");
  const flags = { breaking: $("flag-breaking"), key: $("flag-key"), pinned: $("flag-pinned") };

  // current is the post in the composer: null for a new one, else its id,
  // version, status and the flags it was loaded with (kept for users who
  // may not change them).
  let current = null;
  let dirty = false;
  let timer = 0;
  let queue = Promise.resolve(); // saves run one after another
  let lastIntent = null; // what the last refused save meant to do, for "save mine over theirs"
  const conflict = { post: null }; // the colleague's post when a save was refused as stale
  let revisions = []; // the post's history as last shown
  let beatPost = -1; // the post the last presence heartbeat named, 0 for none
  let beatTimer = 0;
  let blockCount = 0; // numbers the blocks' ids, which labels point to

  // What the composer holds that the server may not have yet, kept on this
  // device; one per event.
  const localKey = "liveblog-composer:" + slug;

  clearComposer();
  restoreLocal();
  watchCoverage();
  addEditButtons();
  watchPresence();

  // Event controls.
  root.addEventListener("desk:done", (e) => {
    const res = e.detail;
    if (res.ok && res.data && res.data.event) eventChanged(res.data.event);
    if (res.status === 409 && res.data && res.data.current_points) {
      $("summary-points").value = res.data.current_points.join("\n");
      setEventVersion(res.data.current_version);
      formMessage(e.target, res.data.detail);
    }
    if (res.ok && e.target.closest("#queue")) refreshQueue();
  });

  function eventChanged(ev) {
    setEventVersion(ev.version);
    setCoverage(ev.state);
    $("desk-event-title").textContent = ev.title;
  }

  function setEventVersion(v) {
    for (const input of root.querySelectorAll("[data-event-version]")) input.value = v;
  }

  function setCoverage(state) {
    const controls = $("coverage");
    if (!controls) return;
    controls.dataset.state = state;
    for (const form of controls.querySelectorAll("form")) {
      form.hidden = !form.dataset.from.split(" ").includes(state);
      form.elements.from.value = state;
    }
  }

  // watchCoverage follows the live view's badge, which reader.js updates
  // from the stream, so the buttons follow a colleague's change too.
  function watchCoverage() {
    const badge = document.querySelector("#live .live-badge");
    if (!badge) return;
    new MutationObserver(() => setCoverage(badge.dataset.state)).observe(badge, { attributes: true, attributeFilter: ["data-state"] });
  }

  // addEditButtons gives each article of the live view an Edit button,
  // including the ones reader.js inserts later.
  function addEditButtons() {
    const add = () => {
      for (const article of document.querySelectorAll("#live article.post")) {
        if (article.querySelector(".desk-edit")) continue;
        const id = article.id.replace("post-", "");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "small desk-edit";
        button.dataset.edit = id;
        button.textContent = "Edit";
        (article.querySelector(".post-header") || article).append(button);
      }
    };
    add();
    for (const id of ["posts", "pinned"]) {
      const el = $(id);
      if (el) new MutationObserver(add).observe(el, { childList: true });
    }
  }

  document.addEventListener("click", (e) => {
    const edit = e.target.closest("[data-edit]");
    if (edit) {
      e.preventDefault();
      loadPost(edit.dataset.edit);
    }
  });

  // Blocks.
  for (const button of composer.querySelectorAll("[data-add]")) {
    button.addEventListener("click", () => addBlock(button.dataset.add, {}, true));
  }

  function addBlock(type, data, focus) {
    const tpl = $("tpl-" + type);
    const block = tpl.content.firstElementChild.cloneNode(true);
    const n = ++blockCount;
    for (const label of block.querySelectorAll("label[data-for]")) {
      const name = label.dataset.for;
      const control = name === "upload" ? block.querySelector("[data-upload]") : block.querySelector('[data-field="' + name + '"]');
      control.id = "block-" + n + "-" + name;
      label.htmlFor = control.id;
    }
    for (const field of block.querySelectorAll("[data-field]")) {
      const v = data[field.dataset.field];
      if (v !== undefined && v !== null) field.value = v;
    }
    if (type === "image" && data.src) showThumb(block, data.src);
    blocks.append(block);
    if (focus) block.querySelector("textarea, input:not([type=hidden]):not([type=file])")?.focus();
    return block;
  }

  blocks.addEventListener("click", (e) => {
    const button = e.target.closest("button");
    if (!button) return;
    const block = button.closest(".block");
    if (button.dataset.move) {
      const sibling = button.dataset.move === "-1" ? block.previousElementSibling : block.nextElementSibling;
      if (sibling) {
        button.dataset.move === "-1" ? sibling.before(block) : sibling.after(block);
        button.focus();
        changed();
      }
    } else if (button.hasAttribute("data-remove")) {
      block.remove();
      changed();
    } else if (button.dataset.wrap) {
      wrap(block.querySelector("textarea"), button.dataset.wrap);
    } else if (button.hasAttribute("data-link")) {
      link(block.querySelector("textarea"));
    }
  });

  blocks.addEventListener("change", async (e) => {
    const input = e.target;
    if (!input.matches("[data-upload]") || !input.files.length) return;
    const block = input.closest(".block");
    const note = block.querySelector("[data-upload-status]");
    note.textContent = "Uploading…";
    const res = await send("POST", "/desk/media", input.files[0]);
    if (!res.ok) {
      note.textContent = problemText(res);
      return;
    }
    block.querySelector('[data-field="src"]').value = res.data.src;
    block.querySelector('[data-field="width"]').value = res.data.width;
    block.querySelector('[data-field="height"]').value = res.data.height;
    showThumb(block, res.data.src);
    note.textContent = "Uploaded. Describe it in the alt text.";
    block.querySelector('[data-field="alt"]').focus();
    changed();
  });

  // A pasted address of a known provider brings what its facade will show
  // (the server asks the provider), for the journalist to check and
  // correct before publishing. Only empty fields are filled, as the capture
  // after publishing does.
  blocks.addEventListener("change", async (e) => {
    const input = e.target;
    const block = input.closest('.block[data-type="embed"]');
    if (!block || input.dataset.field !== "url" || !input.value.trim()) return;
    const field = (name) => block.querySelector('[data-field="' + name + '"]');
    if (field("author").value || field("text").value) return;
    const res = await send("POST", "/desk/capture", { url: input.value.trim() });
    if (!res.ok || field("url").value.trim() !== res.data.url) return; // a link card, or the address changed meanwhile
    for (const name of ["title", "author", "text", "thumbnail", "posted_at", "width", "height"]) {
      const f = field(name);
      if (f && !f.value && res.data[name]) f.value = res.data[name];
    }
    changed();
  });

  function showThumb(block, src) {
    const img = block.querySelector("[data-thumb]");
    img.src = src;
    img.hidden = false;
  }

  // wrap puts markup around the selection of a textarea.
  function wrap(area, marker) {
    const { selectionStart: a, selectionEnd: b, value } = area;
    const text = value.slice(a, b) || "text";
    area.setRangeText(marker + text + marker, a, b, "select");
    area.setSelectionRange(a + marker.length, a + marker.length + text.length);
    area.focus();
    changed();
  }

  function link(area) {
    const url = prompt("Link address (https://…)");
    if (!url) return;
    const { selectionStart: a, selectionEnd: b, value } = area;
    const text = value.slice(a, b) || url;
    area.setRangeText("[" + text + "](" + url + ")", a, b, "end");
    area.focus();
    changed();
  }

  composer.addEventListener("keydown", (e) => {
    const mod = e.ctrlKey || e.metaKey;
    if (!mod) return;
    if (e.key === "Enter") {
      e.preventDefault();
      publish();
    } else if (e.target.tagName === "TEXTAREA" && e.target.closest(".block")) {
      const key = e.key.toLowerCase();
      if (key === "b" || key === "i") {
        e.preventDefault();
        wrap(e.target, key === "b" ? "**" : "_");
      } else if (key === "k") {
        e.preventDefault();
        link(e.target);
      }
    }
  });

  composer.addEventListener("input", changed);
  composer.addEventListener("change", (e) => {
    if (!e.target.matches("[data-upload]")) changed();
  });
  composer.addEventListener("submit", (e) => {
    e.preventDefault();
    publish();
  });
  $("schedule").addEventListener("click", schedule);
  $("preview-button").addEventListener("click", preview);
  $("new-post").addEventListener("click", () => {
    if (dirty && current?.status !== "draft" && !confirm("Discard the changes in the composer?")) return;
    flush().then(() => {
      clearComposer();
      dropLocal();
    });
  });
  $("delete-post").addEventListener("click", remove);
  $("history-button").addEventListener("click", history);
  $("history-list").addEventListener("click", (e) => {
    const button = e.target.closest("[data-restore]");
    if (!button || !current) return;
    const rev = revisions[Number(button.dataset.restore)];
    // The old text goes into the composer over the current version; it
    // reaches readers only when the journalist presses Update.
    fill(Object.assign({}, rev.post, { id: current.id, version: current.version, status: current.status, correction_note: "" }));
    dirty = true;
    say("The version of " + clock(new Date(rev.at)) + " is in the composer. Press Update to publish it again.");
    $("headline").focus();
  });
  $("conflict-load").addEventListener("click", () => {
    fill(conflict.post);
    hideConflict();
    say("Loaded their version. Make your change again, then save.");
  });
  $("conflict-overwrite").addEventListener("click", () => {
    current.version = conflict.post.version;
    hideConflict();
    if (lastIntent) save(lastIntent.status, lastIntent.extra);
  });

  // changed marks the composer edited and, for a draft, schedules a save.
  function changed() {
    dirty = true;
    keepLocal();
    // "Published." is about the post that left the composer, not the next.
    if (status.hasAttribute("data-done")) say("");
    if (current && current.status !== "draft") return; // published and scheduled posts save when asked
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (dirty && !empty()) save("draft", { auto: true });
    }, AUTOSAVE_DELAY);
  }

  // flush saves a pending draft now.
  function flush() {
    clearTimeout(timer);
    if (dirty && (!current || current.status === "draft") && !empty()) save("draft", { auto: true });
    return queue;
  }

  function empty() {
    return !$("headline").value.trim() && read().blocks.every((b) => !Object.values(b).some((v) => v && v !== b.type));
  }

  // read returns the composer as the server's composerPost.
  function read() {
    const post = {
      headline: $("headline").value,
      blocks: [],
      contributors: [],
      breaking: flags.breaking ? flags.breaking.checked : !!current?.breaking,
      key_event: flags.key ? flags.key.checked : !!current?.key_event,
      pinned: flags.pinned ? flags.pinned.checked : !!current?.pinned,
      correction_note: $("correction-note").value,
    };
    for (const block of blocks.children) {
      const b = { type: block.dataset.type };
      for (const field of block.querySelectorAll("[data-field]")) {
        const v = field.value;
        b[field.dataset.field] = field.dataset.field === "width" || field.dataset.field === "height" ? Number(v) || 0 : v;
      }
      post.blocks.push(b);
    }
    for (const box of $("bylines").querySelectorAll("input[name=byline]:checked")) {
      post.contributors.push({ name: box.dataset.name, role: box.dataset.role || "", avatar: box.dataset.avatar || "", url: box.dataset.url || "" });
    }
    return post;
  }

  // fill loads a post into the composer.
  function fill(post) {
    current = { id: post.id, version: post.version, status: post.status, breaking: post.breaking, key_event: post.key_event, pinned: post.pinned };
    $("headline").value = post.headline || "";
    blocks.replaceChildren();
    for (const b of post.blocks) addBlock(b.type, b, false);
    if (!post.blocks.length) addBlock("text", {}, false);
    const boxes = [...$("bylines").querySelectorAll("input[name=byline]")];
    for (const box of boxes) {
      box.checked = false;
      if (box.hasAttribute("data-extra")) box.closest("label").remove();
    }
    for (const c of post.contributors) {
      const box = boxes.find((b) => b.dataset.name === c.name && (b.dataset.role || "") === (c.role || ""));
      if (box) box.checked = true;
      else addByline(c, true);
    }
    if (flags.breaking) flags.breaking.checked = post.breaking;
    if (flags.key) flags.key.checked = post.key_event;
    if (flags.pinned) flags.pinned.checked = post.pinned;
    $("correction-note").value = post.correction_note || "";
    $("correction").hidden = post.status !== "published";
    $("schedule-at").value = post.scheduled_at ? localInput(new Date(post.scheduled_at)) : "";
    $("delete-post").hidden = false;
    $("history-button").hidden = post.status !== "published";
    $("history").hidden = true;
    $("publish").textContent = post.status === "published" ? "Update" : "Publish";
    $("composer-heading").textContent =
      { draft: "Draft", scheduled: "Scheduled post", published: "Editing a published post" }[post.status] || "Post";
    dirty = false;
    hideConflict();
    $("preview").hidden = true;
  }

  // addByline offers a byline as a ticked box: one of the post being
  // loaded that is not offered (extra, gone when the composer is cleared),
  // or a guest just typed in, offered from then on like the event's others.
  function addByline(c, extra) {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.name = "byline";
    box.checked = true;
    box.dataset.name = c.name;
    box.dataset.role = c.role || "";
    box.dataset.avatar = c.avatar || "";
    box.dataset.url = c.url || "";
    box.setAttribute(extra ? "data-extra" : "data-guest", "");
    label.append(box, " " + c.name);
    if (c.role) {
      const role = document.createElement("span");
      role.className = "desk-hint";
      role.textContent = c.role;
      label.append(" ", role);
    }
    $("byline-new").before(label);
  }

  // A guest's byline, typed in: checked here for what a reader would
  // otherwise meet as a broken link or image; the server checks again.
  $("byline-add").addEventListener("click", () => {
    const c = {};
    for (const key of ["name", "role", "avatar", "url"]) c[key] = $("byline-" + key).value.trim();
    clearErrors();
    if (!c.name) return markError("#byline-name", "A byline needs a name.");
    for (const key of ["avatar", "url"]) {
      if (c[key] && !/^https?:\/\/[^\s\\]+$/i.test(c[key])) return markError("#byline-" + key, "Use an address that starts with https://.");
    }
    const same = [...$("bylines").querySelectorAll("input[name=byline]")].find(
      (b) => b.dataset.name === c.name && b.dataset.role === c.role && b.dataset.avatar === c.avatar && b.dataset.url === c.url,
    );
    if (same) same.checked = true;
    else addByline(c, false);
    for (const key of ["name", "role", "avatar", "url"]) $("byline-" + key).value = "";
    say("Byline “" + c.name + "” added to this post.");
    changed();
  });
  // Enter in a byline field adds the byline; it must not publish the post.
  $("byline-new").addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    $("byline-add").click();
  });

  function clearComposer() {
    current = null;
    $("headline").value = "";
    blocks.replaceChildren();
    addBlock("text", {}, false);
    for (const box of $("bylines").querySelectorAll("input[name=byline]")) {
      if (box.hasAttribute("data-extra")) box.closest("label").remove();
      else box.checked = box.hasAttribute("data-mine");
    }
    for (const f of Object.values(flags)) if (f) f.checked = false;
    $("correction-note").value = "";
    $("correction").hidden = true;
    $("schedule-at").value = "";
    $("delete-post").hidden = true;
    $("history-button").hidden = true;
    $("history").hidden = true;
    $("publish").textContent = "Publish";
    $("composer-heading").textContent = "New post";
    $("preview").hidden = true;
    hideConflict();
    clearErrors();
    say("");
    dirty = false;
  }

  function keepLocal() {
    const post = Object.assign(read(), { id: current?.id || 0, version: current?.version || 0, status: current?.status || "draft" });
    try {
      localStorage.setItem(localKey, JSON.stringify(post));
    } catch {
      // Storage full or refused (a private window): the server's drafts remain.
    }
  }

  function dropLocal() {
    try {
      localStorage.removeItem(localKey);
    } catch {}
  }

  // restoreLocal puts back what the composer held when the page was left
  // before the server had it (a publish that failed, a tab closed offline).
  function restoreLocal() {
    let kept = null;
    try {
      kept = JSON.parse(localStorage.getItem(localKey) || "null");
    } catch {}
    if (!kept || !Array.isArray(kept.blocks)) return;
    fill(kept);
    if (empty()) {
      clearComposer();
      dropLocal();
      return;
    }
    if (!kept.id) {
      current = null;
      $("delete-post").hidden = true;
      $("composer-heading").textContent = "New post";
    }
    say("The text you had not saved yet is back, kept on this device.");
    changed();
  }

  // save sends the composer with the given status; extra holds more
  // members (scheduled_at). Saves queue behind each other, so a publish
  // never overtakes the autosave before it.
  function save(statusTo, extra = {}) {
    const run = async () => {
      const post = Object.assign(read(), { status: statusTo }, extra);
      delete post.auto;
      const editing = current && current.id;
      if (editing) post.version = current.version;
      if (extra.auto) say("Saving draft…");
      const res = editing
        ? await send("PUT", base + "/posts/" + current.id, post)
        : await send("POST", base + "/posts", post);
      if (res.ok) {
        const saved = res.data.post;
        clearErrors();
        dropLocal();
        if (statusTo === "draft") {
          current = { id: saved.id, version: saved.version, status: saved.status, breaking: saved.breaking, key_event: saved.key_event, pinned: saved.pinned };
          dirty = false;
          $("delete-post").hidden = false;
          $("composer-heading").textContent = "Draft";
          say("Draft saved " + clock(new Date()) + ".");
        } else {
          const what = statusTo === "scheduled" ? "Scheduled for " + clock(new Date(saved.scheduled_at)) + "." : editing && current.status === "published" ? "Updated." : "Published.";
          clearComposer();
          say(what);
          status.setAttribute("data-done", "");
          $("headline").focus();
        }
        refreshQueue();
        return;
      }
      if (res.status === 409 && res.data && res.data.current) {
        lastIntent = { status: statusTo, extra };
        showConflict(res.data);
        return;
      }
      const text = problemText(res);
      markError(res.data && res.data.field, text, extra.auto);
      say((extra.auto ? "Draft not saved yet: " : "Not saved: ") + text, !extra.auto);
    };
    queue = queue.then(run, run);
    return queue;
  }

  function publish() {
    clearTimeout(timer);
    const statusTo = "published";
    save(statusTo);
  }

  function schedule() {
    const value = $("schedule-at").value;
    const when = value && new Date(value);
    if (!when || isNaN(when) || when <= new Date()) {
      const text = "Choose a time in the future to schedule the post.";
      markError("scheduled_at", text);
      say("Not scheduled: " + text, true);
      return;
    }
    clearTimeout(timer);
    save("scheduled", { scheduled_at: when.toISOString() });
  }

  async function preview() {
    const res = await send("POST", base + "/preview", Object.assign(read(), { id: current?.id || 0, version: current?.version || 0 }));
    const pane = $("preview");
    if (!res.ok) {
      const text = problemText(res);
      markError(res.data && res.data.field, text);
      say("Cannot preview: " + text, true);
      return;
    }
    clearErrors();
    pane.replaceChildren(parseHTML(res.data));
    pane.hidden = false;
  }

  async function remove() {
    if (!current || !current.id) return;
    if (!confirm("Delete this post? Readers stop seeing it at once; an editor can restore it.")) return;
    await flush();
    const res = await send("POST", base + "/posts/" + current.id + "/delete", new URLSearchParams({ version: current.version }));
    if (!res.ok) {
      say("Not deleted: " + problemText(res), true);
      return;
    }
    clearComposer();
    say("Deleted.");
    refreshQueue();
  }

  async function history() {
    const res = await send("GET", base + "/posts/" + current.id + "/history");
    if (!res.ok) {
      say(problemText(res), true);
      return;
    }
    revisions = res.data.revisions;
    const list = $("history-list");
    list.replaceChildren();
    revisions.forEach((rev, i) => {
      const li = document.createElement("li");
      const head = document.createElement("p");
      head.className = "desk-hint";
      head.textContent = (rev.kind === "post.published" ? "Published " : "Edited ") + new Date(rev.at).toLocaleString();
      const restore = document.createElement("button");
      restore.type = "button";
      restore.className = "small";
      restore.dataset.restore = i;
      restore.textContent = i === 0 ? "Current" : "Restore this version";
      restore.disabled = i === 0;
      head.append(" ", restore);
      const body = document.createElement("div");
      body.className = "history-post";
      body.append(parseHTML(rev.html));
      li.append(head, body);
      list.append(li);
    });
    $("history").hidden = false;
  }

  async function loadPost(id) {
    await flush();
    const res = await send("GET", base + "/posts/" + id);
    if (!res.ok) {
      say(problemText(res), true);
      return;
    }
    if (!res.data.editable) {
      say("Reporters can only edit their own posts; ask an editor.", true);
      return;
    }
    fill(res.data.post);
    heartbeat();
    say("Editing “" + (res.data.post.headline || "untitled post") + "”.");
    $("headline").focus();
  }

  // watchPresence tells colleagues who is on this desk and which post each
  // has open, so two people do not write the same update. A heartbeat every
  // interval (and whenever the composer gets a different post) records this
  // desk in the database and answers with everyone's, whichever node they
  // are on.
  function watchPresence() {
    composer.addEventListener("focusin", () => {
      if (((current && current.id) || 0) !== beatPost) heartbeat();
    });
    heartbeat();
  }

  async function heartbeat() {
    clearTimeout(beatTimer);
    beatPost = (current && current.id) || 0;
    const res = await send("POST", base + "/presence", new URLSearchParams({ post: beatPost }));
    beatTimer = setTimeout(heartbeat, (res.ok && res.data.interval) || 10000);
    if (res.ok) showPresence(res.data.present);
  }

  function showPresence(present) {
    const list = $("presence");
    const me = root.dataset.user;
    const others = present.filter((p) => String(p.user_id) !== me);
    list.replaceChildren(
      ...others.map((p) => {
        const li = document.createElement("li");
        li.dataset.user = p.user_id;
        if (!p.post_id) {
          li.textContent = p.user_name + " is on this desk";
        } else {
          const title = p.headline || "an untitled post";
          const short = title.length > 40 ? title.slice(0, 40) + "…" : title;
          li.textContent = p.user_name + " is editing “" + short + "”";
          li.dataset.post = p.post_id;
          if (current && current.id === p.post_id) {
            li.className = "presence-same";
            li.textContent += " too: agree who carries on before you both save";
          }
        }
        return li;
      }),
    );
    list.hidden = others.length === 0;
  }

  async function refreshQueue() {
    const res = await send("GET", base + "/queue");
    if (res.ok && typeof res.data === "string") {
      const t = document.createElement("template");
      t.innerHTML = res.data;
      $("queue").replaceWith(t.content);
    }
  }

  function showConflict(problem) {
    conflict.post = problem.current;
    $("conflict-message").textContent = problem.detail;
    $("conflict-current").replaceChildren(parseHTML(problem.current_html));
    $("conflict").hidden = false;
    say("Not saved: someone else changed this post.", true);
    $("conflict").scrollIntoView({ block: "nearest" });
  }

  function hideConflict() {
    $("conflict").hidden = true;
    conflict.post = null;
  }

  // markError shows a refusal beside the input it is about ("headline",
  // "blocks[2].alt", "scheduled_at"): the input is marked invalid and
  // described by the message, and, unless quiet (an autosave while the
  // journalist types), scrolled into view and focused. The status line,
  // a live region, announces the same text.
  function markError(field, text, quiet) {
    clearErrors();
    const el = field && fieldInput(field);
    if (!el) return;
    const note = document.createElement("p");
    note.className = "field-error";
    note.id = (el.id || "composer-field") + "-error";
    note.textContent = text;
    (el.type === "checkbox" ? el.closest("label") : el).after(note);
    el.setAttribute("aria-invalid", "true");
    el.setAttribute("aria-describedby", note.id);
    if (quiet) return;
    el.scrollIntoView({ block: "center" });
    el.focus({ preventScroll: true });
  }

  function fieldInput(field) {
    if (field.startsWith("#")) return $(field.slice(1));
    const c = /^contributors\[(\d+)\]/.exec(field);
    if (c) return $("bylines").querySelectorAll("input[name=byline]:checked")[Number(c[1])] || null;
    const m = /^blocks\[(\d+)\](?:\.(\w+))?/.exec(field);
    if (m) {
      const block = blocks.children[Number(m[1])];
      const name = { spans: "text", items: "text" }[m[2]] || m[2];
      return block && (block.querySelector('[data-field="' + name + '"]:not([type=hidden])') || block.querySelector("textarea, input:not([type=hidden])"));
    }
    return { headline: $("headline"), scheduled_at: $("schedule-at"), correction_note: $("correction-note") }[field.split(".")[0]] || null;
  }

  function clearErrors() {
    for (const note of composer.querySelectorAll(".field-error")) note.remove();
    for (const el of composer.querySelectorAll('[aria-invalid="true"]')) {
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
    }
  }

  function say(text, alarm) {
    status.textContent = text;
    status.classList.toggle("is-error", !!alarm);
    status.removeAttribute("data-done");
  }
}

function clock(d) {
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

// localInput formats a date for a datetime-local input, in the browser's zone.
function localInput(d) {
  const pad = (n) => String(n).padStart(2, "0");
  return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
}
