// ioredis Cluster with scaleReads: 'slave' against a Shoal cluster with
// replicas (--replicas 1): two nodes form one shard (a primary and its
// replica); writes go to the primary, reads to the replica (ioredis sends
// READONLY), and the replica's own command counters show it served them.
// Run: cd tests/node && node --test
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { startClusterNode, stopAll } from './shoal_server.mjs';

const ports = [];
const procs = [];
let workdir;
let cluster;

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// Until the second node is the synced replica of the first.
async function waitReplicated() {
  const replica = new Redis({ port: ports[1], host: '127.0.0.1', maxRetriesPerRequest: 0 });
  try {
    for (let i = 0; i < 300; i++) {
      const info = await replica.info('replication').catch(() => '');
      if (/role:slave/.test(info) && /master_link_status:up/.test(info)) return;
      await sleep(100);
    }
    throw new Error('the second node did not become a synced replica');
  } finally {
    replica.disconnect();
  }
}

before(async () => {
  workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-ioredis-replicas-'));
  let seed;
  for (let i = 0; i < 2; i++) {
    const n = await startClusterNode(workdir, { join: seed, replicas: 1 });
    seed = seed || n.seed;
    procs.push(n.proc);
    ports.push(n.port);
  }
  await waitReplicated();
  cluster = new Redis.Cluster([{ host: '127.0.0.1', port: ports[0] }],
    { scaleReads: 'slave', redisOptions: { maxRetriesPerRequest: 2 } });
});

after(async () => {
  if (cluster) cluster.disconnect();
  await stopAll(procs);
  if (workdir) fs.rmSync(workdir, { recursive: true, force: true });
});

async function getCalls(port) {
  const c = new Redis({ port, host: '127.0.0.1' });
  try {
    const m = /cmdstat_get:calls=(\d+)/.exec(await c.info('commandstats'));
    return m ? Number(m[1]) : 0;
  } finally {
    c.disconnect();
  }
}

test('writes go to the primary, reads are served by the replica', async () => {
  for (let i = 0; i < 200; i++) await cluster.set(`sr:${i}`, String(i));
  const primary = new Redis({ port: ports[0], host: '127.0.0.1' });
  assert.equal(await primary.call('WAIT', 1, 2000), 1);
  primary.disconnect();
  const before = { primary: await getCalls(ports[0]), replica: await getCalls(ports[1]) };
  for (let i = 0; i < 200; i++) assert.equal(await cluster.get(`sr:${i}`), String(i));
  const primaryGets = (await getCalls(ports[0])) - before.primary;
  const replicaGets = (await getCalls(ports[1])) - before.replica;
  assert.equal(replicaGets, 200, `replica served ${replicaGets} GETs, primary ${primaryGets}`);
  assert.equal(primaryGets, 0);
});

test('a write sent to the replica is redirected to the primary', async () => {
  const replica = new Redis({ port: ports[1], host: '127.0.0.1' });
  await assert.rejects(replica.set('sr:0', 'x'), new RegExp(`^ReplyError: MOVED \\d+ 127.0.0.1:${ports[0]}$`));
  assert.equal(await replica.call('READONLY'), 'OK');
  assert.equal(await replica.get('sr:0'), '0');
  replica.disconnect();
});
