/**
 * facade.js loads a provider's frame (a video, a social post, a chart) in
 * place of its facade, and only when the reader asks: until then the page
 * shows what was captured when the post was published and makes no request
 * to the provider (docs/ARCHITECTURE.md, "Embeds").
 *
 * Each facade (<figure class="facade" data-provider data-frame data-sandbox
 * data-allow data-ratio>) gets its consent button shown. A click replaces
 * the card with the frame, sandboxed and sized by data-ratio before it
 * loads, so nothing below it moves when the provider's content arrives. A
 * reader who ticks "always" for a provider has it remembered in this
 * browser's localStorage only, never sent anywhere, and sees that
 * provider's frames at once from then on.
 *
 * The page loads this module only when it has a facade; reader.js imports it
 * when a live post brings the first one.
 */

const KEY = "liveblog:embeds"; // localStorage: providers the reader always allows, a JSON array
const shown = new Set(); // frames the reader asked for on this page, shown again when their post is updated

function allowed() {
  try {
    const list = JSON.parse(localStorage.getItem(KEY) || "[]");
    return Array.isArray(list) ? list : [];
  } catch {
    return []; // storage disabled or a value not ours
  }
}

function allowAlways(provider) {
  const list = allowed();
  if (list.includes(provider)) return;
  list.push(provider);
  try {
    localStorage.setItem(KEY, JSON.stringify(list));
  } catch {
    // Storage full or disabled: the choice holds for this page only.
  }
}

// show replaces the facade's card with the provider's frame.
function show(fig) {
  const src = fig.dataset.frame;
  // Only https frames; the Content-Security-Policy's frame-src names the
  // providers' hosts, so no other could load anyway.
  if (!src || !src.startsWith("https://") || fig.querySelector("iframe")) return;
  const [w, h] = (fig.dataset.ratio || "16/9").split("/").map(Number);
  const frame = document.createElement("iframe");
  frame.className = "facade-frame";
  frame.setAttribute("sandbox", fig.dataset.sandbox || "");
  if (fig.dataset.allow) frame.setAttribute("allow", fig.dataset.allow);
  frame.referrerPolicy = "strict-origin-when-cross-origin";
  const label = fig.querySelector(".facade-provider")?.textContent || "";
  const title = fig.querySelector(".facade-title, .facade-text")?.textContent.trim() || "";
  frame.title = title ? label + ": " + title.slice(0, 100) : label;
  if (w > 0 && h > 0) {
    // Style set through the CSSOM, which the policy's style-src allows.
    frame.style.aspectRatio = w + " / " + h;
    frame.style.setProperty("--ratio", String(w / h));
  }
  frame.src = src;
  shown.add(src);
  fig.querySelector(".facade-card")?.setAttribute("hidden", "");
  fig.querySelector(".facade-consent")?.setAttribute("hidden", "");
  fig.classList.add("is-shown");
  fig.prepend(frame);
}

// prepare offers consent on every facade under root not yet offered, and
// shows at once the frames the reader already allowed.
function prepare(root) {
  const always = allowed();
  for (const fig of root.querySelectorAll(".facade[data-frame]:not([data-ready])")) {
    fig.dataset.ready = "true";
    const consent = fig.querySelector(".facade-consent");
    if (always.includes(fig.dataset.provider) || shown.has(fig.dataset.frame)) show(fig);
    else if (consent) consent.hidden = false;
  }
}

document.addEventListener("click", (e) => {
  const button = e.target.closest?.(".facade-show");
  const fig = button?.closest(".facade");
  if (!fig) return;
  if (fig.querySelector(".facade-always input")?.checked) {
    allowAlways(fig.dataset.provider);
    for (const other of document.querySelectorAll(".facade[data-frame]")) {
      if (other.dataset.provider === fig.dataset.provider) show(other);
    }
  }
  show(fig);
  fig.querySelector("iframe")?.focus();
});

prepare(document);
// Posts arrive and are replaced live (reader.js): their facades too.
new MutationObserver(() => prepare(document)).observe(document.body, { childList: true, subtree: true });
