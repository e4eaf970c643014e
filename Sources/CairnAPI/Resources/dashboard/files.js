// The Files page: this peer's own files, with upload, download, share, capability, health, repair and delete;
// and a box to download a file shared with this peer (by ID) or any file (by read capability).
import { APIError, del, filePath, get, post, upload } from "/ui/api.js";
import { $, bytes, date, el } from "/ui/format.js";

let notify = () => {};
let listed = [];
let fileCount = null;
let selected = null;
const health = new Map();

export function init(notifier) {
  notify = notifier;
  const drop = $("drop");
  $("file-input").addEventListener("change", (event) => {
    if (event.target.files.length) send(event.target.files[0]);
    event.target.value = "";
  });
  for (const name of ["dragenter", "dragover"]) {
    drop.addEventListener(name, (event) => { event.preventDefault(); drop.classList.add("over"); });
  }
  for (const name of ["dragleave", "drop"]) {
    drop.addEventListener(name, () => drop.classList.remove("over"));
  }
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer.files.length) send(event.dataTransfer.files[0]);
  });
  $("share-form").addEventListener("submit", (event) => { event.preventDefault(); share(); });
  $("get-form").addEventListener("submit", (event) => { event.preventDefault(); fetchShared(); });
  $("panel-cap").addEventListener("click", copyCapability);
  $("panel-check").addEventListener("click", () => check(selected, true));
  $("panel-repair").addEventListener("click", repair);
  $("panel-delete").addEventListener("click", remove);
}

export async function show() {
  await refresh();
}

export function update(snapshot) {
  const count = snapshot.status ? snapshot.status.files : null;
  if (count !== null && count !== fileCount) refresh().catch((error) => notify(error.message));
}

async function refresh() {
  const reply = await get("/api/v0/files");
  listed = reply.files.slice().reverse();
  fileCount = listed.length;
  render();
  for (const file of listed) {
    if (health.has(file.id)) continue;
    health.set(file.id, null);
    check(file, false);
  }
}

function render() {
  const body = $("files-table").querySelector("tbody");
  body.replaceChildren(...listed.map(row));
  $("files-empty").hidden = listed.length > 0;
  if (selected && !listed.some((file) => file.id === selected.id)) closePanel();
}

function row(file) {
  const tr = el("tr", null, { "data-id": file.id });
  tr.append(el("td", file.name, { class: "name" }), el("td", bytes(file.size), { class: "num" }),
    el("td", date(file.created)), healthCell(file));
  const open = el("button", "Manage", { type: "button", class: "manage" });
  open.addEventListener("click", () => openPanel(file));
  const download = el("a", "Download", { href: filePath(file.id), download: file.name, class: "button download" });
  const actions = el("td", null, { class: "actions" });
  actions.append(download, open);
  tr.append(actions);
  return tr;
}

function healthCell(file) {
  const report = health.get(file.id);
  const cell = el("td", null, { class: "health" });
  if (!report) {
    cell.append(el("span", "checking…", { class: "badge" }));
  } else if (report.error) {
    cell.append(el("span", "unknown", { class: "badge bad", title: report.error }));
  } else {
    const { healthy_min: min, k, n } = report;
    const kind = min >= n ? "good" : min > k ? "fair" : min === k ? "warn" : "bad";
    const badge = el("span", `${min}/${n}`, { class: `badge ${kind}`, title: `readable while at least ${k} of ${n} remain` });
    badge.append(el("span", ` shards${report.verified ? ", proved" : ""}`, { class: "wide" }));
    cell.append(badge);
  }
  return cell;
}

// Asks every holder of the file which shards it has (with `verify`, a proof of storage of each).
async function check(file, verify) {
  if (!file) return;
  try {
    const report = await get(`${filePath(file.id)}/check${verify ? "?verify=true" : ""}`);
    health.set(file.id, report);
    if (verify) result(`Health: ${report.healthy_min} of ${report.n} shards in the weakest segment (k = ${report.k}), `
      + `every holder proved its shards: ${report.verified}`);
  } catch (error) {
    health.set(file.id, { error: error.message });
    if (verify) notify(error.message);
  }
  const tr = document.querySelector(`#files-table tr[data-id="${file.id}"]`);
  if (tr) tr.querySelector("td.health").replaceWith(healthCell(file));
}

async function send(file) {
  $("upload").hidden = false;
  $("upload-name").textContent = file.name;
  const progress = $("upload-progress");
  const percent = $("upload-percent");
  const set = (fraction) => {
    progress.value = Math.round(fraction * 100);
    percent.textContent = `${Math.round(fraction * 100)}%`;
  };
  set(0);
  $("drop").classList.add("busy");
  try {
    const put = await upload(file, (fraction) => set(Math.min(fraction, 0.99)));
    set(1);
    percent.textContent = "stored";
    notify(`Stored ${put.name}: ${put.segments} segments on ${put.providers} providers, ${put.k}-of-${put.n}`, "ok");
    await refresh();
  } catch (error) {
    percent.textContent = "failed";
    notify(error.message);
  } finally {
    $("drop").classList.remove("busy");
  }
}

function openPanel(file) {
  selected = file;
  $("file-panel").hidden = false;
  $("panel-name").textContent = file.name;
  $("panel-id").textContent = file.id;
  $("panel-download").href = filePath(file.id);
  $("panel-download").setAttribute("download", file.name);
  $("panel-cap-text").hidden = true;
  $("panel-result").hidden = true;
  $("panel-delete").textContent = "Delete";
  $("file-panel").scrollIntoView({ block: "nearest" });
}

function closePanel() {
  selected = null;
  $("file-panel").hidden = true;
}

function result(text) {
  const out = $("panel-result");
  out.textContent = text;
  out.hidden = false;
}

async function copyCapability() {
  const file = selected;
  try {
    const reply = await get(`${filePath(file.id)}/cap`);
    const field = $("panel-cap-text");
    field.value = reply.cap;
    field.hidden = false;
    field.select();
    try {
      await navigator.clipboard.writeText(reply.cap);
      notify("Read capability copied: whoever holds it can read the file", "ok");
    } catch {
      notify("Select the capability above and copy it: the browser refused the clipboard", "ok");
    }
  } catch (error) {
    notify(error.message);
  }
}

async function share() {
  const file = selected;
  const to = $("share-to").value.trim().toLowerCase();
  result(`Sharing with ${to}…`);
  try {
    const reply = await post(`${filePath(file.id)}/share?to=${encodeURIComponent(to)}`);
    result(`Shared with ${reply.to}: the grant is kept by ${reply.stored_at} peers`);
  } catch (error) {
    result(`Not shared: ${error.message}`);
  }
}

async function repair() {
  const file = selected;
  result("Repairing…");
  try {
    const report = await post(`${filePath(file.id)}/repair`);
    result(`Repair: ${JSON.stringify(report)}`);
    health.delete(file.id);
    check(file, false);
  } catch (error) {
    result(`Repair failed: ${error.message}`);
  }
}

async function remove() {
  const button = $("panel-delete");
  if (button.textContent === "Delete") {
    button.textContent = "Really delete?";
    return;
  }
  const file = selected;
  try {
    const reply = await del(filePath(file.id));
    notify(`Deleted ${file.name} (${reply.deleted_shards} shards)`, "ok");
    closePanel();
    await refresh();
  } catch (error) {
    notify(error.message);
  }
}

// A file shared with this peer, or any file by its read capability: checked with HEAD, then downloaded.
async function fetchShared() {
  const ref = $("get-ref").value.trim();
  const status = $("get-result");
  status.textContent = "Looking for the file…";
  try {
    const response = await fetch(filePath(ref), { method: "HEAD" });
    if (!response.ok) throw new APIError(response.status, response.status === 403
      ? "this peer may not read that file: it was not shared with it" : `the peer answered ${response.status}`);
    const link = el("a", null, { href: filePath(ref), download: "" });
    document.body.append(link);
    link.click();
    link.remove();
    status.textContent = `Downloading ${bytes(Number(response.headers.get("Content-Length")))}…`;
  } catch (error) {
    status.textContent = `Not downloaded: ${error.message}`;
  }
}
