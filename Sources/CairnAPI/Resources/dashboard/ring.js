// The key space as a ring (inline SVG): this peer at the top, every known peer at an angle proportional to its
// XOR distance from this peer, so that the routing table's density near the top shows Kademlia's buckets.
import { fraction, shortID, xor } from "/ui/format.js";

const NS = "http://www.w3.org/2000/svg";
const RADIUS = 100;

function node(tag, attributes, title) {
  const element = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (title) {
    const t = document.createElementNS(NS, "title");
    t.textContent = title;
    element.append(t);
  }
  return element;
}

function at(distanceFraction, radius = RADIUS) {
  const angle = distanceFraction * 2 * Math.PI - Math.PI / 2;
  return [Math.cos(angle) * radius, Math.sin(angle) * radius];
}

// Draws `peers` (64-hex IDs) around `self`; `lookup` ({key, peers}) marks a lookup's key and closest peers.
export function drawRing(svg, self, peers, lookup) {
  const closest = new Set(lookup ? lookup.peers : []);
  const children = [node("circle", { cx: 0, cy: 0, r: RADIUS, class: "track" })];
  for (const [label, f] of [["½", 0.5], ["¼", 0.25], ["¾", 0.75]]) {
    const [x, y] = at(f, RADIUS + 12);
    children.push(node("text", { x, y, class: "tick", "text-anchor": "middle", "dominant-baseline": "middle" }, null));
    children[children.length - 1].textContent = label;
  }
  for (const id of peers) {
    const [x, y] = at(fraction(xor(self, id)));
    children.push(node("circle", { cx: x, cy: y, r: closest.has(id) ? 5 : 3.5,
      class: closest.has(id) ? "peer closest" : "peer", "data-id": id }, `${shortID(id)}`));
  }
  if (lookup) {
    const [x, y] = at(fraction(xor(self, lookup.key)));
    children.push(node("path", { d: `M ${x - 5} ${y - 5} L ${x + 5} ${y + 5} M ${x - 5} ${y + 5} L ${x + 5} ${y - 5}`,
      class: "key" }, `key ${shortID(lookup.key)}`));
  }
  const [sx, sy] = at(0);
  children.push(node("circle", { cx: sx, cy: sy, r: 6, class: "self" }, `this peer ${shortID(self)}`));
  children.push(node("text", { x: 0, y: 4, class: "center", "text-anchor": "middle" }, null));
  children[children.length - 1].textContent = `${peers.length} peers`;
  svg.replaceChildren(...children);
}
