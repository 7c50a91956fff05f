// Template upload to dom0 as the OVM provider does it — IMS's SSH connector (host key pinned,
// aes128-gcm preferred, Nagle off) and its SFTP upload (pipelined 128 KiB writes, about 1 MiB in
// flight; files of 64 MiB or more also over a second connection, which connects, authenticates and
// checks the same pinned host key inside the timed run; like scp, it writes over the previous run's
// file in place and sets the size at the end) — against OpenSSH `scp` (SFTP protocol) of
// the same 256 MiB file to the same sshd on 127.0.0.1. The server offers only
// aes128-gcm@openssh.com, so both sides use the same cipher. Each side connects, authenticates
// with the same key, verifies the same pinned host key, uploads and disconnects: scp as the
// command a user would run; IMS in a process of its own that loads what `ims template import`
// loads for it (lib/sftp-upload.mjs, bundled like the CLI) and reports the time from connect to
// disconnect — an `ims` process is running anyway, its start-up is not part of the transfer.
// Target: at least scp's throughput (ratio ≤ 1.0). Both uploads are checked byte for byte.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from '../lib/paths.mjs';
import { requireCommand } from '../lib/prerequisites.mjs';
import { startBenchSshd } from '../lib/sshd.mjs';

const CIPHER = 'aes128-gcm@openssh.com';
const SIZE_BYTES = 256 * 1024 * 1024;

/** SHA-256 of a file, streamed (a 256 MiB buffer would weigh on the timed runs' process). */
async function sha256(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

export default {
  name: 'ovm-template-upload-vs-scp',
  maxRatio: 1.0,
  runs: 7,
  warmup: 1,
  timeoutSeconds: 120,
  async setup(scope) {
    requireCommand(
      'sh',
      ['-c', 'command -v scp'],
      'apt-get install -y --no-install-recommends openssh-client',
    );
    const dir = mkdtempSync(join(tmpdir(), 'ims-bench-upload-'));
    scope.defer(() => rmSync(dir, { recursive: true, force: true }));
    const sshd = await startBenchSshd(scope, CIPHER);
    const local = join(dir, 'template.tgz');
    execFileSync('sh', ['-c', 'head -c "$1" /dev/urandom > "$2"', 'sh', String(SIZE_BYTES), local]);
    const expected = await sha256(local);

    const home = join(dir, 'home');
    mkdirSync(home);
    // Bundled like the `ims` CLI (ssh2 stays external: it has a native add-on), and placed beside
    // the CLI's bundle so ssh2 resolves the same way.
    const script = join(repoRoot, 'packages', 'core', 'dist', `bench-sftp-upload-${process.pid}.mjs`);
    scope.defer(() => rmSync(script, { force: true }));
    await build({
      entryPoints: [join(repoRoot, 'bench', 'lib', 'sftp-upload.mjs')],
      outfile: script,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external: ['ssh2', 'cpu-features'],
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
      logLevel: 'warning',
      // The SPI's pre-bundled entry imports a helper chunk for its side effects, which it has none
      // of; esbuild's note about dropping that import is noise here.
      logOverride: { 'ignored-bare-import': 'silent' },
    });
    const imsRemote = join(dir, 'uploaded-by-ims.tgz');
    const upload = [process.execPath, script, JSON.stringify({ home, ...sshd, local, remote: imsRemote })];

    const scpRemote = join(dir, 'uploaded-by-scp.tgz');
    const scp = [
      'scp',
      '-q',
      '-c',
      CIPHER,
      '-i',
      sshd.clientKey,
      '-P',
      String(sshd.port),
      '-o',
      `UserKnownHostsFile=${sshd.knownHosts}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      local,
      `${sshd.username}@127.0.0.1:${scpRemote}`,
    ];
    execFileSync(upload[0], upload.slice(1));
    execFileSync(scp[0], scp.slice(1));
    for (const copy of [imsRemote, scpRemote]) {
      if ((await sha256(copy)) !== expected) throw new Error(`${copy} differs from the uploaded file`);
    }
    return { upload, scp };
  },
  subject: ({ upload }) => ({
    name: 'IMS SFTP upload (ssh2, tuned)',
    command: { argv: upload, reportsSeconds: true },
  }),
  baseline: ({ scp }) => ({ name: `scp -c ${CIPHER}`, command: { argv: scp } }),
};
