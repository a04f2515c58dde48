// ioredis with ACL users: it logs in with username + password (AUTH user
// pass on connect), gets NOPERM for what the user may not run, and is
// refused with WRONGPASS for a bad password. Run: cd tests/node && node --test
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { startNode } from './shoal_server.mjs';

let server;
let port;

before(async () => {
  ({ port, proc: server } = await startNode([
    '--user', 'app on >app-secret ~app:* &events +@all -@dangerous',
    '--requirepass', 'admin-secret']));
});

after(() => {
  if (server) server.kill('SIGTERM');
});

function client(opts) {
  return new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, ...opts });
}

test('a user logs in and is held to its rules', async () => {
  const r = client({ username: 'app', password: 'app-secret' });
  try {
    assert.equal(await r.call('ACL', 'WHOAMI'), 'app');
    assert.equal(await r.set('app:1', 'v'), 'OK');
    assert.equal(await r.get('app:1'), 'v');
    await assert.rejects(r.get('other'), /^ReplyError: NOPERM No permissions to access a key$/);
    await assert.rejects(r.flushall(),
                         /NOPERM User app has no permissions to run the 'flushall' command/);
    await assert.rejects(r.publish('news', 'x'), /NOPERM No permissions to access a channel/);
    assert.equal(await r.publish('events', 'x'), 0);
  } finally {
    r.disconnect();
  }
});

test('the default user needs requirepass; ACL LOG records failed AUTHs', async () => {
  const admin = client({ password: 'admin-secret' });
  try {
    await assert.rejects(admin.call('AUTH', 'app', 'wrong'),
                         /WRONGPASS invalid username-password pair or user is disabled\./);
    assert.equal(await admin.call('ACL', 'WHOAMI'), 'default');
    const log = await admin.call('ACL', 'LOG', '1');
    assert.equal(log.length, 1);
    const entry = {};
    for (let i = 0; i < log[0].length; i += 2) entry[log[0][i]] = log[0][i + 1];
    assert.equal(entry.reason, 'auth');
    assert.equal(entry.username, 'app');
    assert.equal(entry.count, 1);
  } finally {
    admin.disconnect();
  }
});
