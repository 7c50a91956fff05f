// One template upload as an `ims template import` process does it: IMS's SSH connector (pinned
// host key) and its SFTP upload, in a process that loads what the CLI loads for it (the benchmark
// bundles this file like the CLI). Prints `seconds=<connect + upload + disconnect>` so the
// benchmark compares the transfer, not Node's start-up.
// Usage: node <bundle> '<json: {home, port, username, clientKey, fingerprint, local, remote}>'
import { join } from 'node:path';
import { createSshConnector } from '@ims/core';

const options = JSON.parse(process.argv[2]);
const connector = createSshConnector({ knownHostsPath: join(options.home, 'known_hosts') });
const started = process.hrtime.bigint();
const session = await connector.connect({
  host: '127.0.0.1',
  port: options.port,
  username: options.username,
  privateKey: options.clientKey,
  hostKeyFingerprint: options.fingerprint,
});
try {
  await session.upload(options.local, options.remote);
} finally {
  await session.close();
}
console.log(`seconds=${Number(process.hrtime.bigint() - started) / 1e9}`);
