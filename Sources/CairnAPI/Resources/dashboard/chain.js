// The Chain page: the chain as this peer sees it (height, tip, validators, voting power online, recent blocks)
// and this peer's wallet (its identity's account): balance, history, a transfer form and the faucet.
import { get, post, postJSON } from "/ui/api.js";
import { $, el, shortID } from "/ui/format.js";

let notify = () => {};
let self = null;
let height = null;

export function init(notifier) {
  notify = notifier;
  $("transfer-form").addEventListener("submit", (event) => { event.preventDefault(); transfer(); });
  $("faucet").addEventListener("click", faucet);
}

export async function show() {
  renderStatus(await get("/api/v0/chain/status"));
  await refresh();
}

export function update(snapshot, current) {
  if (!snapshot.chain) return;
  renderStatus(snapshot.chain);
  if (current === "chain" && snapshot.chain.height !== height) refresh().catch((error) => notify(error.message));
}

function renderStatus(status) {
  $("chain-height").textContent = status.height;
  $("chain-validators").textContent = status.validators;
  $("chain-power").textContent = `${Math.round(status.voting_power_online * 100)}%`;
  $("chain-sync").textContent = status.peers_in_sync;
  $("chain-mempool").textContent = status.mempool;
  $("chain-tip").textContent = status.tip;
  $("chain-role").textContent = status.is_validator ? "a validator" : "not a validator";
}

async function refresh() {
  const [wallet, history, blocks] = await Promise.all([
    get("/api/v0/wallet"), get("/api/v0/wallet/history?limit=20"), get("/api/v0/chain/blocks?limit=10")]);
  self = wallet.address;
  height = blocks.blocks.length ? blocks.blocks[0].height : 0;
  $("wallet-address").textContent = wallet.address;
  $("wallet-balance").textContent = wallet.balance_formatted;
  $("wallet-stake").textContent = wallet.stake_formatted;
  $("history-table").querySelector("tbody").replaceChildren(...history.transactions.map(historyRow));
  $("history-empty").hidden = history.transactions.length > 0;
  $("blocks-table").querySelector("tbody").replaceChildren(...blocks.blocks.map((block) => {
    const tr = el("tr");
    tr.append(el("td", block.height, { class: "num" }), el("td", shortID(block.hash), { class: "mono", title: block.hash }),
      el("td", new Date(block.time_ms).toLocaleTimeString()), el("td", block.transactions, { class: "num" }),
      el("td", block.signers, { class: "num" }));
    return tr;
  }));
}

function historyRow(tx) {
  const outgoing = tx.sender === self;
  const counterpart = tx.kind === "transfer" ? (outgoing ? `to ${shortID(tx.to)}` : `from ${shortID(tx.sender)}`) : "";
  const sign = tx.kind === "transfer" ? (outgoing ? "−" : "+") : "";
  const tr = el("tr", null, { "data-hash": tx.hash });
  tr.append(el("td", tx.height, { class: "num" }), el("td", tx.kind, { class: "kind" }),
    el("td", counterpart, { class: "mono" }), el("td", tx.amount_formatted ? sign + tx.amount_formatted : "–", { class: "num" }),
    el("td", shortID(tx.hash), { class: "mono", title: tx.hash }));
  return tr;
}

async function transfer() {
  const result = $("transfer-result");
  result.textContent = "Signing and submitting…";
  try {
    const reply = await postJSON("/api/v0/wallet/transfer",
      { to: $("transfer-to").value.trim(), amount: $("transfer-amount").value.trim() });
    result.textContent = `Submitted ${reply.hash}`;
    $("transfer-amount").value = "";
  } catch (error) {
    result.textContent = `Not submitted: ${error.message}`;
  }
}

async function faucet() {
  const result = $("transfer-result");
  try {
    const reply = await post("/api/v0/wallet/faucet");
    result.textContent = `Faucet requested: ${reply.hash}`;
  } catch (error) {
    result.textContent = `Faucet refused: ${error.message}`;
  }
}
