// Prints the gzipped size of every built asset and of the initial JavaScript (what index.html
// loads before any lazy page): the budget is 250 KB gzipped.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const dist = new URL("../dist/", import.meta.url).pathname;
const assets = join(dist, "assets");
const html = readFileSync(join(dist, "index.html"), "utf8");
const initial = new Set(
  [...html.matchAll(/(?:src|href)="\/assets\/([^"]+\.js)"/g)].map((m) => m[1]),
);
let initialBytes = 0;
let total = 0;
const rows = [];
for (const name of readdirSync(assets).sort()) {
  const bytes = readFileSync(join(assets, name));
  const gz = gzipSync(bytes, { level: 9 }).length;
  total += gz;
  if (initial.has(name)) initialBytes += gz;
  rows.push(`${initial.has(name) ? "*" : " "} ${(gz / 1024).toFixed(1).padStart(8)} KB gz  ${(bytes.length / 1024).toFixed(1).padStart(8)} KB  ${name}`);
}
console.log(rows.join("\n"));
console.log(`initial JS (gzipped, * above): ${(initialBytes / 1024).toFixed(1)} KB (budget 250 KB)`);
console.log(`all assets (gzipped): ${(total / 1024).toFixed(1)} KB`);
if (initialBytes > 250 * 1024) process.exit(1);
