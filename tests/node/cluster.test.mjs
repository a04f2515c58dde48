// ioredis Cluster against a Shoal cluster: slot discovery from CLUSTER
// SLOTS, MOVED handling, thousands of keys spread over the nodes, hash tags,
// pipelines per slot, and the CROSSSLOT error.
//
// Uses the cluster named by SHOAL_CLUSTER_PORTS (client ports, comma
// separated; tests/test_cluster.py sets it) or starts its own three nodes.
// Run: cd tests/node && node --test
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { startClusterNode, stopAll } from './shoal_server.mjs';

let ports = [];
const procs = [];
let workdir;
let cluster;

async function slotsCoverage(port) {
  const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await c.connect();
    const slots = await c.call('CLUSTER', 'SLOTS');
    const owners = new Set(slots.map((s) => s[2][1]));
    const covered = slots.reduce((n, s) => n + s[1] - s[0] + 1, 0);
    return { covered, owners: owners.size, text: JSON.stringify(slots) };
  } finally {
    c.disconnect();
  }
}

async function waitConverged() {
  for (let i = 0; i < 300; i++) {
    const views = await Promise.all(ports.map((p) => slotsCoverage(p).catch(() => null)));
    if (views.every((v) => v && v.covered === 16384 && v.owners === ports.length &&
                           v.text === views[0].text)) {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('cluster did not converge');
}

before(async () => {
  if (process.env.SHOAL_CLUSTER_PORTS) {
    ports = process.env.SHOAL_CLUSTER_PORTS.split(',').map(Number);
  } else {
    workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-ioredis-'));
    let seed;
    for (let i = 0; i < 3; i++) {
      const n = await startClusterNode(workdir, { join: seed });
      seed = seed || n.seed;
      procs.push(n.proc);
      ports.push(n.port);
    }
  }
  await waitConverged();
  cluster = new Redis.Cluster([{ host: '127.0.0.1', port: ports[0] }],
    { redisOptions: { maxRetriesPerRequest: 2 } });
});

after(async () => {
  if (cluster) cluster.disconnect();
  // Nodes write their nodes file as they stop: remove the directory only
  // once every process has exited (it raced the removal before).
  await stopAll(procs);
  if (workdir) fs.rmSync(workdir, { recursive: true, force: true });
});

test('set and get thousands of keys across the nodes', async () => {
  for (let i = 0; i < 2000; i++) await cluster.set(`io:${i}`, String(i));
  for (let i = 0; i < 2000; i += 37) assert.equal(await cluster.get(`io:${i}`), String(i));
  const masters = cluster.nodes('master');
  assert.equal(masters.length, ports.length);
  const sizes = await Promise.all(masters.map((m) => m.dbsize()));
  assert.ok(sizes.every((n) => n > 0), `every node holds keys: ${sizes}`);
});

test('hash tags keep multi-key commands on one slot', async () => {
  await cluster.mset('{acct:1}:a', '1', '{acct:1}:b', '2');
  assert.deepEqual(await cluster.mget('{acct:1}:a', '{acct:1}:b'), ['1', '2']);
  const res = await cluster.multi().incr('{acct:1}:n').incr('{acct:1}:n').exec();
  assert.deepEqual(res, [[null, 1], [null, 2]]);
});

test('pipelines within one slot', async () => {
  const p = cluster.pipeline();
  for (let i = 0; i < 50; i++) p.set(`{pipe}:${i}`, String(i));
  const out = await p.exec();
  assert.equal(out.length, 50);
  assert.equal(await cluster.get('{pipe}:49'), '49');
});

test('keys of different slots get CROSSSLOT from the server', async () => {
  const node = new Redis({ port: ports[0], host: '127.0.0.1' });
  await assert.rejects(node.mget('a', 'b'), /CROSSSLOT Keys in request don't hash to the same slot/);
  node.disconnect();
});

test('CLUSTER KEYSLOT and INFO through the cluster client', async () => {
  const node = cluster.nodes('master')[0];
  assert.equal(await node.call('CLUSTER', 'KEYSLOT', 'foo'), 12182);
  const info = await node.call('CLUSTER', 'INFO');
  assert.match(info, /cluster_state:ok/);
});
