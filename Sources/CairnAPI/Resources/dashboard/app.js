// The dashboard's entry: checks the session, shows one page at a time (by the URL's #hash), and keeps the
// figures live through the peer's server-sent events.
import { APIError, get, post } from "/ui/api.js";
import { $ } from "/ui/format.js";
import * as files from "/ui/files.js";
import * as network from "/ui/network.js";
import * as provider from "/ui/provider.js";
import * as chain from "/ui/chain.js";

const pages = { files, network, provider, chain };
let current = null;
let events = null;

export function notify(message, kind = "error") {
  const notice = $("notice");
  notice.textContent = message;
  notice.className = `notice ${kind}`;
  notice.hidden = false;
  clearTimeout(notify.timer);
  notify.timer = setTimeout(() => { notice.hidden = true; }, kind === "error" ? 10000 : 4000);
}

function show(name) {
  if (!pages[name]) name = "files";
  for (const section of document.querySelectorAll("section[data-page]")) section.hidden = section.dataset.page !== name;
  for (const link of document.querySelectorAll("nav a")) {
    link.classList.toggle("active", link.dataset.page === name);
  }
  current = name;
  return pages[name].show().catch((error) => notify(error.message));
}

function listen() {
  const live = $("live");
  events = new EventSource("/api/v0/events");
  events.addEventListener("snapshot", (event) => {
    const snapshot = JSON.parse(event.data);
    live.textContent = `live · ${snapshot.peers} peers`;
    live.classList.add("on");
    for (const page of Object.values(pages)) page.update(snapshot, current);
  });
  events.onerror = () => {
    live.classList.remove("on");
    if (events.readyState !== EventSource.CLOSED) {
      live.textContent = "reconnecting…";
      return;
    }
    // Refused rather than cut (a session that ended, a peer that restarted): try again later, and say so.
    live.textContent = "disconnected";
    if (!$("logout").hidden) setTimeout(listen, 10000);
  };
}

async function logOut() {
  try {
    await post("/api/v0/dashboard/logout");
  } catch (error) {
    notify(error.message);
    return;
  }
  $("logout").hidden = true;
  if (events) events.close();
  for (const section of document.querySelectorAll("section[data-page]")) section.hidden = true;
  $("login").hidden = false;
  $("live").textContent = "logged out";
  $("live").classList.remove("on");
}

async function start() {
  try {
    const id = await get("/api/v0/id");
    document.title = `Cairn · ${id.id.slice(0, 8)}`;
    document.body.dataset.peer = id.id;
  } catch (error) {
    if (error instanceof APIError && error.status === 401) {
      $("login").hidden = false;
      $("live").textContent = "logged out";
      return;
    }
    notify(error.message);
    return;
  }
  for (const page of Object.values(pages)) page.init(notify);
  $("logout").hidden = false;
  $("logout").addEventListener("click", logOut);
  window.addEventListener("hashchange", () => show(location.hash.slice(1)));
  await show(location.hash.slice(1));
  listen();
  document.body.dataset.ready = "true";
  // For the browser check: when the first page had its data (navigation timing covers the files alone).
  performance.mark("cairn-ready");
}

start();
