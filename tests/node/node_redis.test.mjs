// End-to-end tests with node-redis (the `redis` npm package, v5), over RESP2
// and RESP3: strings with TTL, hashes, lists with a blocking pop, sorted
// sets, MULTI, EVAL, streams, SCAN and pub/sub against the real build/shoal
// binary. node-redis sends HELLO and CLIENT SETINFO on connect and parses
// RESP3 maps, sets and doubles itself, so both protocol versions are run.
// Run: cd tests/node && node --test   (make test does this)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startNode } from './shoal_server.mjs';

let server;
let port;

before(async () => {
  ({ port, proc: server } = await startNode());
});

after(() => {
  if (server) server.kill('SIGTERM');
});

async function connect(resp) {
  const c = createClient({ url: `redis://127.0.0.1:${port}`, RESP: resp });
  c.on('error', () => {});  // a test's own assertion reports the failure
  await c.connect();
  return c;
}

for (const resp of [2, 3]) {
  test(`RESP${resp}: strings, hashes, lists, sorted sets`, async () => {
    const c = await connect(resp);
    try {
      const p = `r${resp}:`;
      assert.equal(await c.set(`${p}k`, 'v', { expiration: { type: 'EX', value: 100 } }), 'OK');
      assert.equal(await c.get(`${p}k`), 'v');
      const ttl = await c.ttl(`${p}k`);
      assert.ok(ttl > 90 && ttl <= 100, `ttl ${ttl}`);
      assert.equal(await c.incrBy(`${p}n`, 5), 5);
      assert.equal(await c.get(`${p}missing`), null);
      await assert.rejects(c.incr(`${p}k`), /value is not an integer or out of range/);
      assert.equal(await c.hSet(`${p}h`, { a: '1', b: '2' }), 2);
      assert.deepEqual({ ...(await c.hGetAll(`${p}h`)) }, { a: '1', b: '2' });
      assert.equal(await c.lPush(`${p}l`, ['x', 'y']), 2);
      assert.deepEqual({ ...(await c.blPop(`${p}l`, 1)) }, { key: `${p}l`, element: 'y' });
      assert.equal(await c.blPop(`${p}empty`, 0.1), null);
      assert.equal(await c.zAdd(`${p}z`, [{ score: 1.5, value: 'a' }, { score: 2, value: 'b' }]), 2);
      assert.deepEqual((await c.zRangeWithScores(`${p}z`, 0, -1)).map((e) => ({ ...e })),
                       [{ value: 'a', score: 1.5 }, { value: 'b', score: 2 }]);
      assert.equal(await c.zScore(`${p}z`, 'a'), 1.5);
    } finally {
      c.destroy();
    }
  });

  test(`RESP${resp}: MULTI, EVAL, streams, SCAN`, async () => {
    const c = await connect(resp);
    try {
      const p = `t${resp}:`;
      assert.deepEqual(await c.multi().set(`${p}a`, '1').incr(`${p}a`).exec(), ['OK', 2]);
      assert.equal(await c.eval("return redis.call('GET', KEYS[1])", { keys: [`${p}a`] }), '2');
      const id = await c.xAdd(`${p}s`, '*', { f: 'v' });
      assert.match(id, /^\d+-\d+$/);
      const entries = await c.xRange(`${p}s`, '-', '+');
      assert.equal(entries.length, 1);
      assert.equal(entries[0].id, id);
      assert.deepEqual({ ...entries[0].message }, { f: 'v' });
      const seen = [];
      for await (const keys of c.scanIterator({ MATCH: `${p}*`, COUNT: 100 })) seen.push(...keys);
      assert.deepEqual(seen.sort(), [`${p}a`, `${p}s`]);
    } finally {
      c.destroy();
    }
  });

  test(`RESP${resp}: pub/sub`, async () => {
    const c = await connect(resp);
    const sub = c.duplicate();
    sub.on('error', () => {});
    await sub.connect();
    try {
      let deliver;
      const got = new Promise((resolve) => { deliver = resolve; });
      // subscribe() resolves once the server confirmed it: the publish after
      // it must reach this subscriber.
      await sub.subscribe(`news${resp}`, (m) => deliver(m));
      assert.equal(await c.publish(`news${resp}`, 'hello'), 1);
      assert.equal(await got, 'hello');
    } finally {
      sub.destroy();
      c.destroy();
    }
  });
}
