// ioredis Cluster through a failover: three nodes with --replicas 1 (shard
// A: a primary and its replica, shard B: a primary). kill -9 of A's primary:
// the coordinator promotes the replica, and the same ioredis Cluster object,
// left as it was, finds the new primary by itself — writes to A's slots
// succeed again and every key written (and acknowledged by WAIT) before the
// kill reads back.
// Run: cd tests/node && node --test
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { startClusterNode, stopAll } from './shoal_server.mjs';

const nodes = [];
let workdir;
let cluster;

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function client(port) {
  return new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, lazyConnect: false });
}

// Until CLUSTER NODES on `port` shows two primaries with slots and one
// synced replica.
async function waitPaired(port) {
  const c = client(port);
  try {
    for (let i = 0; i < 300; i++) {
      const text = await c.call('CLUSTER', 'NODES').catch(() => '');
      const lines = text.split('\n').filter(Boolean).map((l) => l.split(' '));
      const primaries = lines.filter((f) => f[2].includes('master') && f.length > 8);
      const replicas = lines.filter((f) => f[2].includes('slave'));
      if (primaries.length === 2 && replicas.length === 1) {
        const rport = Number(replicas[0][1].split(':')[1].split('@')[0]);
        const r = client(rport);
        const info = await r.info('replication').catch(() => '');
        r.disconnect();
        if (/master_link_status:up/.test(info)) {
          const primaryId = replicas[0][3];
          const primary = primaries.find((f) => f[0] === primaryId);
          return { primary: Number(primary[1].split(':')[1].split('@')[0]), replica: rport };
        }
      }
      await sleep(100);
    }
    throw new Error('no synced replica');
  } finally {
    c.disconnect();
  }
}

before(async () => {
  workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-ioredis-failover-'));
  let seed;
  for (let i = 0; i < 3; i++) {
    const n = await startClusterNode(workdir, { join: seed, replicas: 1 });
    seed = seed || n.seed;
    nodes.push(n);
  }
});

after(async () => {
  if (cluster) cluster.disconnect();
  await stopAll(nodes.map((n) => n.proc));
  if (workdir) fs.rmSync(workdir, { recursive: true, force: true });
});

test('ioredis Cluster recovers by itself when a primary is killed', async () => {
  const { primary, replica } = await waitPaired(nodes[0].port);
  cluster = new Redis.Cluster([{ host: '127.0.0.1', port: nodes[0].port }], {
    retryDelayOnClusterDown: 100,
    retryDelayOnFailover: 100,
    redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 500 },
  });
  for (let i = 0; i < 500; i++) await cluster.set(`fo:${i}`, String(i));
  const p = client(primary);
  assert.equal(await p.call('WAIT', 1, 2000), 1);
  // A key of the victim's shard.
  const slots = await p.call('CLUSTER', 'SLOTS');
  p.disconnect();
  const owned = slots.filter((e) => e[2][1] === primary);
  let key;
  for (let i = 0; !key; i++) {
    const slot = await cluster.call('CLUSTER', 'KEYSLOT', `probe:${i}`);
    if (owned.some((e) => e[0] <= slot && slot <= e[1])) key = `probe:${i}`;
  }
  const victim = nodes.find((n) => n.port === primary);
  const killedAt = Date.now();
  victim.proc.kill('SIGKILL');
  // The same client object keeps trying; it must find the promoted replica.
  let back = null;
  let lastError = null;
  while (Date.now() - killedAt < 30000) {
    try {
      await cluster.set(key, 'after');
      back = Date.now();
      break;
    } catch (e) {
      lastError = e;
      await sleep(100);
    }
  }
  assert.ok(back !== null, `no write succeeded within 30 s: ${lastError}`);
  console.log(`ioredis: writes to the killed primary's slots succeeded ${(back - killedAt) / 1000} s after kill -9`);
  const r = client(replica);
  assert.match(await r.info('replication'), /role:master/);
  r.disconnect();
  for (let i = 0; i < 500; i++) assert.equal(await cluster.get(`fo:${i}`), String(i));
  assert.equal(await cluster.get(key), 'after');
});
