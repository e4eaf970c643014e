// Small formatting helpers shared by the pages.

export function bytes(n) {
  if (n === undefined || n === null) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = Number(n);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function date(iso) {
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString();
}

export function shortID(hex) {
  return hex.length > 16 ? `${hex.slice(0, 8)}…${hex.slice(-6)}` : hex;
}

// The element with this id.
export const $ = (id) => document.getElementById(id);

// A new element with text and attributes.
export function el(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

export function bytesFromHex(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

// XOR distance of two 64-hex keys, as bytes.
export function xor(a, b) {
  const x = bytesFromHex(a), y = bytesFromHex(b);
  return x.map((v, i) => v ^ y[i]);
}

// Index of the k-bucket a distance falls in: 255 for the farthest half of the key space, −1 for itself.
export function bucket(distance) {
  for (let i = 0; i < distance.length; i++) {
    if (distance[i] !== 0) return (distance.length - 1 - i) * 8 + (31 - Math.clz32(distance[i]));
  }
  return -1;
}

// A distance as a fraction of the key space, from its top 48 bits.
export function fraction(distance) {
  let value = 0;
  for (let i = 0; i < 6; i++) value = value * 256 + distance[i];
  return value / 2 ** 48;
}
