// The Provider page: this peer's disk as other peers use it.
import { get } from "/ui/api.js";
import { $, bytes } from "/ui/format.js";

export function init() {}

export async function show() {
  render(await get("/api/v0/status"));
}

export function update(snapshot) {
  if (snapshot.status) render(snapshot.status);
}

function render(status) {
  $("prov-capacity").textContent = bytes(status.capacity);
  $("prov-used").textContent = bytes(status.used);
  $("prov-free").textContent = bytes(status.free);
  $("prov-shards").textContent = status.shards;
  $("prov-served").textContent = bytes(status.served_bytes ?? 0);
  $("prov-served-shards").textContent = status.served_shards ?? 0;
  $("prov-meter").value = status.capacity ? status.used / status.capacity : 0;
}
