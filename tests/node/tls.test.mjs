// ioredis over TLS (--tls-port): a CA, a server and a client certificate
// are made with the openssl CLI in a temporary directory; the client
// presents its certificate (tls-auth-clients yes, the default).
// Run: cd tests/node && node --test
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { shoalBin, freePort, waitForPort } from './shoal_server.mjs';

let server;
let tlsPort;
let dir;

function openssl(...args) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

function makeCerts() {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2',
          '-subj', '/CN=Test CA');
  for (const name of ['server', 'client']) {
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    fs.writeFileSync(path.join(dir, `${name}.ext`),
                     name === 'server' ? 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' : '');
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key',
            '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  }
}

const read = (name) => fs.readFileSync(path.join(dir, name));

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-tls-'));
  makeCerts();
  tlsPort = await freePort();
  server = spawn(shoalBin, ['--port', '0', '--tls-port', String(tlsPort), '--bind', '127.0.0.1',
                            '--threads', '2', '--tls-cert-file', path.join(dir, 'server.crt'),
                            '--tls-key-file', path.join(dir, 'server.key'),
                            '--tls-ca-cert-file', path.join(dir, 'ca.crt')],
                 { stdio: 'ignore' });
  await waitForPort(tlsPort);
});

after(() => {
  if (server) server.kill('SIGTERM');
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('ioredis connects with tls and a client certificate', async () => {
  const r = new Redis({
    port: tlsPort, host: '127.0.0.1', maxRetriesPerRequest: 1,
    tls: { ca: read('ca.crt'), cert: read('client.crt'), key: read('client.key'),
           servername: 'localhost' },
  });
  try {
    assert.equal(await r.set('tls:key', 'v'), 'OK');
    assert.equal(await r.get('tls:key'), 'v');
    const big = 'x'.repeat(1 << 20);
    assert.equal(await r.set('tls:big', big), 'OK');
    assert.equal(await r.get('tls:big'), big);
    const res = await r.pipeline().incr('tls:n').incr('tls:n').get('tls:n').exec();
    assert.deepEqual(res, [[null, 1], [null, 2], [null, '2']]);
  } finally {
    r.disconnect();
  }
});
