// The client of bench/callgrind-validation.sh: sends <count> GET requests over <connections>
// keep-alive connections, rotating the Bearer IDs of <idsFile> (a JSON array; `-` sends none),
// and fails if any answer is not 200. Plain JavaScript: it must not be the thing measured.
import http from 'node:http';
import { readFileSync } from 'node:fs';

const [url, idsFile, countText, connectionsText] = process.argv.slice(2);
const ids = idsFile === '-' ? ['none'] : JSON.parse(readFileSync(idsFile, 'utf8'));
const count = Number(countText);
const connections = Number(connectionsText);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
let next = 0;
let refused = 0;

function one(i) {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent, headers: { authorization: `Bearer ${ids[i % ids.length]}` } }, (res) => {
      if (res.statusCode !== 200) refused++;
      res.resume();
      res.on('end', resolve);
    });
    request.on('error', reject);
  });
}

async function worker() {
  while (next < count) await one(next++);
}

await Promise.all(Array.from({ length: connections }, worker));
agent.destroy();
if (refused > 0) {
  process.stderr.write(`${refused} answers were not 200\n`);
  process.exit(1);
}
