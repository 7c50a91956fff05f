/**
 * dom0 over SSH: one session per provider instance, opened on first use and opened again when
 * it turns out to be lost. Host keys are verified by the host's connector (pinned fingerprint or
 * known_hosts); a changed key is refused there with `IMS_HOST_KEY_MISMATCH`.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { ImsError, isImsError, type ProviderContext, type SshSession, type SshTarget } from '@ims/spi';
import type { OvmConfig } from '../config.js';
import { assertSafeDom0Path, type Dom0, parseSha256sum } from './dom0.js';

/** dom0 reached over SSH at the host `resolveHost` names (the configured one, or the pool master). */
export function sshDom0(
  context: ProviderContext,
  config: OvmConfig,
  resolveHost: () => Promise<string>,
): Dom0 {
  let pending: Promise<SshSession> | undefined;
  let opened: SshSession | undefined;
  let closed = false;

  const target = async (): Promise<SshTarget> => {
    const result: SshTarget = { host: await resolveHost(), port: config.dom0Port, username: config.dom0User };
    if (config.dom0Key !== undefined) result.privateKey = config.dom0Key;
    if (config.dom0Password !== undefined) result.password = config.dom0Password;
    if (config.hostKeyFingerprint !== undefined) result.hostKeyFingerprint = config.hostKeyFingerprint;
    return result;
  };

  const session = async (): Promise<SshSession> => {
    if (closed) throw new ImsError('IMS_INTERNAL', 'The OVM provider was used after close().');
    // Concurrent callers share one attempt; a failed attempt is forgotten so the next call tries again.
    // After a cancel, clean-up still needs a session: connect without the (fired) signal then.
    pending ??= target()
      .then((t) => context.ssh.connect(t, context.signal.aborted ? undefined : context.signal))
      .then((ssh) => {
        opened = ssh;
        return ssh;
      });
    const attempt = pending;
    try {
      return await attempt;
    } catch (error) {
      if (pending === attempt) pending = undefined;
      throw error;
    }
  };

  const discard = (dead: SshSession) => {
    if (opened === dead) {
      opened = undefined;
      pending = undefined;
    }
    void dead.close().catch(() => {});
  };

  /** Runs `work` on the session; a lost session is dropped, and `work` repeated once on a new one when `retry`. */
  const use = async <T>(work: (ssh: SshSession) => Promise<T>, retry: boolean): Promise<T> => {
    const ssh = await session();
    try {
      return await work(ssh);
    } catch (error) {
      if (!isLost(error)) throw error;
      discard(ssh);
      if (!retry) throw error;
      context.logger.debug('SSH session to dom0 lost; reconnecting once', { target: ssh.target });
      return work(await session());
    }
  };

  return {
    where: async () => {
      const t = await target();
      return `ssh://${t.username}@${t.host}:${t.port ?? 22}`;
    },
    run: (argv, options = {}) => use((ssh) => ssh.run(argv, { signal: context.signal, ...options }), false),
    upload: (localPath, remotePath, onProgress) =>
      use(async (ssh) => {
        const { signal } = context;
        const cancelled = (cause?: unknown) =>
          new ImsError('IMS_ABORTED', `The upload of ${remotePath} to dom0 was cancelled.`, { cause });
        if (signal.aborted) throw cancelled();
        // An SFTP upload cannot be cancelled by itself (and may never settle once its channel is
        // gone): on abort the session is dropped, which ends the transfer, and the wait ends at once.
        let onAbort: () => void = () => {};
        const aborted = new Promise<never>((_resolve, reject) => {
          onAbort = () => {
            discard(ssh);
            reject(cancelled(signal.reason));
          };
          signal.addEventListener('abort', onAbort, { once: true });
        });
        const transfer = ssh.upload(localPath, remotePath, onProgress);
        transfer.catch(() => {});
        try {
          await Promise.race([transfer, aborted]);
        } finally {
          signal.removeEventListener('abort', onAbort);
        }
      }, false),
    replaceFile: (path, data) =>
      use(async (ssh) => {
        assertSafeDom0Path(path);
        const temp = posix.join(
          posix.dirname(path),
          `.${posix.basename(path)}.ims-${randomBytes(4).toString('hex')}`,
        );
        try {
          await ssh.writeFile(temp, data, 0o644);
          await ssh.run(['mv', '-f', '--', temp, path], { signal: context.signal });
        } catch (error) {
          await ssh.remove(temp).catch(() => {});
          throw error;
        }
      }, true),
    readFile: (path) => use((ssh) => ssh.readFile(path), true),
    exists: (path) => use((ssh) => ssh.exists(path), true),
    mkdir: (path) => use((ssh) => ssh.mkdir(path), true),
    removeTree: (path) =>
      use(async (ssh) => {
        assertSafeDom0Path(path);
        // Not cancellable: removals are what clean-up after a cancel consists of.
        await ssh.run(['rm', '-rf', '--', path]);
      }, true),
    rename: (from, to) =>
      use(async (ssh) => {
        assertSafeDom0Path(from);
        assertSafeDom0Path(to);
        if (await ssh.exists(to)) {
          throw new ImsError(
            'IMS_ALREADY_EXISTS',
            `Cannot move ${from} to ${to} on dom0: it exists already.`,
            {
              details: { path: to },
            },
          );
        }
        // -T: never move into `to` should it appear meanwhile.
        await ssh.run(['mv', '-T', '--', from, to], { signal: context.signal });
      }, false),
    sha256: (path) =>
      use(
        async (ssh) =>
          parseSha256sum((await ssh.run(['sha256sum', '--', path], { signal: context.signal })).stdout, path),
        true,
      ),
    close: async () => {
      closed = true;
      const current = pending;
      pending = undefined;
      opened = undefined;
      const ssh = await current?.catch(() => undefined);
      await ssh?.close().catch(() => {});
    },
  };
}

function isLost(error: unknown): boolean {
  return isImsError(error) && error.code === 'IMS_CONNECTION_FAILED';
}
