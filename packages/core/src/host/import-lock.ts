/**
 * One import per template name and configuration at a time, across processes. Two imports of
 * the same name would use the same places on the hypervisor (a provider's staging directory, the
 * template directory) and each one's clean-up would remove the other's files; the second is
 * refused instead, naming the process that holds the name.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ImsError, isImsError } from '@ims/spi';
import { acquireFileLock, type FileLock } from '../state/lock.js';

/** Takes the import lock of `template` in `config`, or fails at once with `IMS_ALREADY_EXISTS`. */
export async function lockTemplateImport(home: string, config: string, template: string): Promise<FileLock> {
  const directory = join(home, 'locks');
  await mkdir(directory, { recursive: true, mode: 0o700 });
  // `+` cannot occur in a name, so no two (configuration, template) pairs share a file.
  const path = join(directory, `import+${config}+${template}.lock`);
  try {
    return await acquireFileLock(path, {
      timeoutMs: 0,
      description: `the import of template "${template}" into configuration "${config}"`,
    });
  } catch (error) {
    if (!isImsError(error) || error.code !== 'IMS_STATE_LOCKED') throw error;
    const pid = error.details.pid;
    const since = error.details.acquiredAt;
    const holder =
      typeof pid === 'number'
        ? `process ${pid}${typeof since === 'string' ? ` (since ${since})` : ''}`
        : 'another process';
    throw new ImsError(
      'IMS_ALREADY_EXISTS',
      `Template "${template}" is being imported into configuration "${config}" by ${holder}.`,
      {
        cause: error,
        hint: 'Wait for that import to finish, or import this one under another name with --name.',
        details: { config, template, lockPath: path, ...(typeof pid === 'number' ? { pid } : {}) },
      },
    );
  }
}
