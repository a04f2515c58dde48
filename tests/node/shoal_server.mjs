// What every node suite needs to run the real binary: where it is
// (SHOAL_BIN or build/shoal), a free port, waiting until it listens, and
// cluster nodes on loopback.
// Not a test file itself (node --test runs only *.test.mjs).
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const shoalBin = process.env.SHOAL_BIN || path.join(here, '..', '..', 'build', 'shoal');

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

export async function waitForPort(p) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((resolve) => {
      const c = net.connect(p, '127.0.0.1', () => { c.end(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('shoal did not start');
}

// Starts one standalone node on loopback (--threads 2, then `extra` flags)
// and returns { port, proc } once it listens.
export async function startNode(extra = []) {
  const port = await freePort();
  const proc = spawn(shoalBin,
                     ['--port', String(port), '--bind', '127.0.0.1', '--threads', '2', ...extra],
                     { stdio: 'ignore' });
  await waitForPort(port);
  return { port, proc };
}

// Starts one cluster node on loopback with the test suites' fast gossip
// timings (200 ms probes). `join` is a seed ("ip:port@bus") or undefined for
// the first node. Returns { port, bus, seed, proc } once it listens.
export async function startClusterNode(workdir, { join, replicas = 0 } = {}) {
  const port = await freePort();
  const bus = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--threads', '2',
    '--cluster-enabled', 'yes', '--cluster-port', String(bus),
    '--cluster-config-file', path.join(workdir, `nodes-${port}.conf`),
    '--announce-ip', '127.0.0.1', '--cluster-probe-interval-ms', '200',
    '--cluster-probe-timeout-ms', '100', '--cluster-push-pull-interval-ms', '1000',
    '--cluster-gossip-interval-ms', '100', '--replicas', String(replicas)];
  if (join) args.push('--join', join);
  const proc = spawn(shoalBin, args, { stdio: 'ignore' });
  await waitForPort(port);
  return { port, bus, seed: `127.0.0.1:${port}@${bus}`, proc };
}

// Stops every process (SIGTERM), waiting for each to exit.
export function stopAll(procs) {
  return Promise.all(procs.map((p) => new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    p.once('exit', resolve);
    p.kill('SIGTERM');
  })));
}
