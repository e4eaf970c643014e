// The Network page: this peer's identity and addresses, its routing table, the key-space ring and lookups.
import { get } from "/ui/api.js";
import { $, bucket, date, el, shortID, xor } from "/ui/format.js";
import { drawRing } from "/ui/ring.js";

let notify = () => {};
let self = null;
let peers = [];
let lastLookup = null;
let peerCount = null;

export function init(notifier) {
  notify = notifier;
  $("lookup-form").addEventListener("submit", (event) => { event.preventDefault(); lookup(); });
}

export async function show() {
  const id = await get("/api/v0/id");
  self = id.id;
  $("net-id").textContent = id.id;
  $("net-addresses").textContent = id.addresses.join(", ") || "–";
  await refresh();
}

export function update(snapshot, current) {
  if (current === "network" && snapshot.peers !== peerCount) refresh().catch((error) => notify(error.message));
}

async function refresh() {
  const reply = await get("/api/v0/peers");
  peers = reply.peers;
  peerCount = peers.length;
  $("net-count").textContent = peers.length;
  const body = $("peers-table").querySelector("tbody");
  body.replaceChildren(...peers.map((peer) => {
    const tr = el("tr");
    tr.append(el("td", shortID(peer.id), { class: "mono", title: peer.id }), el("td", peer.address, { class: "mono" }),
      el("td", bucket(xor(self, peer.id)), { class: "num" }), el("td", date(peer.last_seen)));
    return tr;
  }));
  draw();
}

function draw() {
  if (self) drawRing($("ring"), self, peers.map((peer) => peer.id), lastLookup);
}

// A 64-hex key as given, or the SHA-256 of any other text.
async function keyOf(text) {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return text.toLowerCase();
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function lookup() {
  const input = $("lookup-key");
  const text = input.value.trim() || crypto.getRandomValues(new Uint8Array(32)).reduce(
    (hex, b) => hex + b.toString(16).padStart(2, "0"), "");
  const key = await keyOf(text);
  input.value = key;
  $("lookup-summary").textContent = "Looking up…";
  try {
    const reply = await get(`/api/v0/dht/closest/${key}`);
    lastLookup = { key, peers: reply.peers };
    $("lookup-summary").textContent =
      `${reply.peers.length} closest peers to ${shortID(key)}: ${reply.hops} hops, ${reply.ms.toFixed(1)} ms`;
    $("lookup-peers").replaceChildren(...reply.peers.map((id) =>
      el("li", `${shortID(id)} · bucket ${bucket(xor(key, id))} from the key${id === self ? " (this peer)" : ""}`,
        { title: id, "data-id": id })));
    draw();
  } catch (error) {
    $("lookup-summary").textContent = `Lookup failed: ${error.message}`;
  }
}
