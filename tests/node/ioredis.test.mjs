// End-to-end tests with the ioredis client: strings, hashes, lists with
// BLPOP, pipelines, MULTI and pub/sub against the real build/shoal binary.
// Run: cd tests/node && node --test   (make test does this)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { startNode } from './shoal_server.mjs';

let server;
let port;

function client() {
  return new Redis({ port, host: '127.0.0.1', lazyConnect: false, maxRetriesPerRequest: 1 });
}

before(async () => {
  ({ port, proc: server } = await startNode());
});

after(() => {
  if (server) server.kill('SIGTERM');
});

test('strings with TTL', async () => {
  const r = client();
  try {
    assert.equal(await r.set('user:12', JSON.stringify({ id: 12 }), 'EX', 3600), 'OK');
    assert.deepEqual(JSON.parse(await r.get('user:12')), { id: 12 });
    const ttl = await r.ttl('user:12');
    assert.ok(ttl > 3590 && ttl <= 3600, `ttl ${ttl}`);
    assert.equal(await r.incrby('counter', 5), 5);
    assert.equal(await r.get('missing'), null);
    await assert.rejects(r.incr('user:12'), /ERR value is not an integer or out of range/);
  } finally {
    r.disconnect();
  }
});

test('hashes', async () => {
  const r = client();
  try {
    await r.del('h');
    assert.equal(await r.hset('h', 'name', 'Ada', 'lang', 'en'), 2);
    assert.deepEqual(await r.hgetall('h'), { name: 'Ada', lang: 'en' });
    assert.equal(await r.hincrby('h', 'visits', 3), 3);
    assert.equal(await r.hget('h', 'name'), 'Ada');
  } finally {
    r.disconnect();
  }
});

test('pipeline and MULTI', async () => {
  const r = client();
  try {
    await r.del('p1', 'p2');
    const res = await r.pipeline().set('p1', 'a').set('p2', 'b').mget('p1', 'p2').exec();
    assert.deepEqual(res, [[null, 'OK'], [null, 'OK'], [null, ['a', 'b']]]);
    const tx = await r.multi().incr('p3').incr('p3').get('p3').exec();
    assert.deepEqual(tx.map(([, v]) => v), [1, 2, '2']);
  } finally {
    r.disconnect();
  }
});

test('lists with BLPOP served by another client', async () => {
  const consumer = client();
  const producer = client();
  try {
    await producer.del('jobs');
    const popped = consumer.blpop('jobs', 5);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await producer.rpush('jobs', 'job-1'), 1);
    assert.deepEqual(await popped, ['jobs', 'job-1']);
    assert.equal(await consumer.blpop('jobs', 0.1), null);
  } finally {
    consumer.disconnect();
    producer.disconnect();
  }
});

test('pub/sub', async () => {
  const sub = client();
  const pub = client();
  try {
    const got = new Promise((resolve) => sub.on('message', (ch, msg) => resolve([ch, msg])));
    await sub.subscribe('news');
    assert.equal(await pub.publish('news', 'hello'), 1);
    assert.deepEqual(await got, ['news', 'hello']);
  } finally {
    sub.disconnect();
    pub.disconnect();
  }
});
