// BullMQ on Shoal: every queue operation of BullMQ is a Lua script (EVALSHA)
// and its events travel in a stream (XADD, XREAD BLOCK). A Queue, a Worker
// and QueueEvents complete jobs end to end, one failing job included.
// Run: cd tests/node && node --test   (make test does this)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Queue, Worker, QueueEvents } from 'bullmq';
import { startNode } from './shoal_server.mjs';

let server;
let port;

function withTimeout(promise, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

before(async () => {
  ({ port, proc: server } = await startNode());
});

after(() => {
  if (server) server.kill('SIGTERM');
});

test('bullmq queue, worker and queue events complete jobs', { timeout: 60000 }, async () => {
  const connection = { host: '127.0.0.1', port };
  const queue = new Queue('mail', { connection });
  const events = new QueueEvents('mail', { connection });
  const worker = new Worker('mail', async (job) => {
    if (job.data.fail) throw new Error('cannot send');
    return { sent: job.data.to };
  }, { connection });
  try {
    await withTimeout(events.waitUntilReady(), 10000, 'queue events ready');
    const completed = [];
    const failed = [];
    events.on('completed', ({ jobId }) => completed.push(jobId));
    events.on('failed', ({ jobId, failedReason }) => failed.push([jobId, failedReason]));

    const job = await queue.add('send', { to: 'ada@example.com' });
    const result = await withTimeout(job.waitUntilFinished(events), 20000, 'job finished');
    assert.deepEqual(result, { sent: 'ada@example.com' });

    const jobs = await queue.addBulk([1, 2, 3].map((i) => ({ name: 'send', data: { to: `u${i}` } })));
    const bad = await queue.add('send', { fail: true }, { attempts: 1 });
    for (const j of jobs) await withTimeout(j.waitUntilFinished(events), 20000, `job ${j.id}`);
    await assert.rejects(withTimeout(bad.waitUntilFinished(events), 20000, 'bad job'), /cannot send/);

    const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active');
    assert.equal(counts.completed, 4);
    assert.equal(counts.failed, 1);
    assert.equal(counts.waiting, 0);
    assert.equal(counts.active, 0);
    // waitUntilFinished listens for the job's own event, which QueueEvents
    // may emit before the generic one: wait (bounded) for the generic ones.
    await withTimeout((async () => {
      while (!completed.includes(job.id) || failed.length < 1) {
        await new Promise((r) => setTimeout(r, 20));
      }
    })(), 10000, 'generic completed/failed events');
    assert.equal(failed.length, 1);
    assert.equal(failed[0][0], bad.id);
  } finally {
    await worker.close();
    await events.close();
    await queue.close();
  }
});
