// The Provider page: this peer's disk as other peers use it, and its standing in the storage market — stake,
// score, proof record, warnings, earnings, and its agreements as owner or provider. Live: the disk's figures
// come with every server-sent snapshot, the market's are read again when the chain's height moves.
import { APIError, get } from "/ui/api.js";
import { $, bytes, el, shortID } from "/ui/format.js";

let notify = () => {};
let height = null;

export function init(notifier) {
  notify = notifier;
}

export async function show() {
  render(await get("/api/v0/status"));
  await refreshMarket();
}

export function update(snapshot, current) {
  if (snapshot.status) render(snapshot.status);
  if (current === "provider" && snapshot.chain && snapshot.chain.height !== height) {
    height = snapshot.chain.height;
    refreshMarket().catch((error) => notify(error.message));
  }
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

async function refreshMarket() {
  let provider, list;
  try {
    [provider, list] = await Promise.all([get("/api/v0/provider"), get("/api/v0/agreements")]);
  } catch (error) {
    // A network without a market says so in words, rather than as an error.
    if (error instanceof APIError && error.status === 503) {
      $("market-summary").textContent = error.message;
      return;
    }
    throw error;
  }
  $("market-summary").textContent = provider.registered
    ? `${provider.status} provider at height ${provider.height} (epoch ${provider.epoch}): `
      + `${bytes(provider.used)} of ${bytes(provider.capacity)} in agreements, ${provider.price_formatted} per GiB per epoch`
    : `Not registered as a provider (height ${provider.height}). Register with `
      + "`cairn provider register --capacity SIZE --price AMOUNT --stake AMOUNT`; "
      + `the stake must be at least ${provider.min_stake_formatted}.`;
  $("market-stake").textContent = provider.stake_formatted;
  $("market-score").textContent = provider.registered ? `${(provider.score * 100).toFixed(1)}%` : "–";
  $("market-proofs-ok").textContent = provider.proofs_ok;
  $("market-proofs-missed").textContent = provider.proofs_missed;
  $("market-earnings").textContent = provider.earnings_formatted;
  $("market-agreements").textContent = provider.agreements;
  $("market-warnings").replaceChildren(...provider.warnings.map((warning) => el("li", warning)));
  $("agreements-table").querySelector("tbody").replaceChildren(...list.agreements.map((agreement) => {
    const role = agreement.provider === provider.address
      ? (agreement.owner === provider.address ? "owner, provider" : "provider") : "owner";
    const tr = el("tr", null, { "data-id": agreement.id });
    tr.append(el("td", shortID(agreement.id), { class: "mono", title: agreement.id }),
      el("td", shortID(agreement.file), { class: "mono", title: agreement.file }),
      el("td", agreement.slot, { class: "num" }), el("td", role),
      el("td", agreement.proofs_ok, { class: "num" }), el("td", agreement.proofs_missed, { class: "num" }),
      el("td", agreement.paid, { class: "num" }), el("td", agreement.escrow, { class: "num" }),
      el("td", agreement.state.replace("_", " "), { class: "state" }));
    return tr;
  }));
  $("agreements-empty").hidden = list.agreements.length > 0;
}
