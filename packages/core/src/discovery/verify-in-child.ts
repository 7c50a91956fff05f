import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ImsError, SPI_VERSION } from '@ims/spi';
import { exitedWhileLoading, hungWhileLoading, loadFailure } from './load-plugin.js';
import { pluginTimeoutMs } from './plugin-timeout.js';
import { CORE_PACKAGE_DIR } from './search-roots.js';
import type { DiscoveredProvider } from './types.js';
import type { VerifyRequest, VerifyResult } from './verify-child.js';

/**
 * The child's script: the compiled module, run by `node` as an ES module. Found from the package
 * directory so it is the same file from the compiled sources, the CLI bundle and the tests.
 */
const CHILD_SCRIPT = join(CORE_PACKAGE_DIR, 'dist', 'discovery', 'verify-child.js');

/** Time for the child's own start (Node, the SPI) on top of the plugin's limit, on a busy machine. */
const START_GRACE_MS = 3000;
/** After the child exits, how long its pipes may stay open (a process the plugin left behind). */
const DRAIN_MS = 500;
/** The end of the child's stderr kept for a message. */
const STDERR_TAIL = 2000;

/**
 * Imports and checks a discovered provider (steps 5–6) in a child process of its own, within a
 * time limit: the plugin's code never runs in this process. A plugin that exits, loops forever or
 * never finishes loading is killed (its process, by pid) and reported as IMS_PLUGIN_IMPORT_FAILED
 * with the reason; a clean verdict comes only from the child's answer carrying this call's nonce.
 */
export function verifyInChild(
  provider: DiscoveredProvider,
  options: { hostSpi?: string | undefined; timeoutMs?: number | undefined } = {},
): Promise<ImsError | undefined> {
  const timeoutMs = options.timeoutMs ?? pluginTimeoutMs();
  const nonce = randomBytes(16).toString('hex');
  const request: VerifyRequest = { nonce, provider, hostSpi: options.hostSpi ?? SPI_VERSION, timeoutMs };
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [CHILD_SCRIPT], {
      stdio: ['pipe', 'ignore', 'pipe', 'pipe'],
    });
    let answer = '';
    let stderr = '';
    let timedOut = false;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let settled = false;
    const resultPipe = child.stdio[3] as NodeJS.ReadableStream;
    resultPipe.setEncoding('utf8');
    resultPipe.on('data', (chunk: string) => {
      if (answer.length < 65_536) answer += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL);
    });
    const killer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs + START_GRACE_MS);

    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(killer);
      child.stderr?.destroy();
      (resultPipe as NodeJS.ReadableStream & { destroy(): void }).destroy();
      resolvePromise(verdict());
    };
    const verdict = (): ImsError | undefined => {
      const result = parseAnswer(answer, nonce);
      if (result?.ok === true) {
        return result.id === provider.manifest.provider
          ? undefined
          : loadFailure(provider, `its code says it is provider "${result.id}".`);
      }
      if (result && 'error' in result) {
        const { code, message, hint } = result.error;
        return new ImsError(code in KNOWN_CODES ? (code as KnownCode) : 'IMS_PLUGIN_IMPORT_FAILED', message, {
          ...(hint ? { hint } : {}),
          details: { package: provider.packageName },
        });
      }
      if (timedOut) return loadFailure(provider, hungWhileLoading(timeoutMs));
      if (result && 'exited' in result) return loadFailure(provider, exitedWhileLoading(result.exited));
      const how = exitSignal ? `signal ${exitSignal}` : `code ${exitCode}`;
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      return loadFailure(
        provider,
        `the process loading it ended (${how}) without a verdict${tail ? `: ${tail}` : '.'}`,
      );
    };
    child.on('error', (error) => {
      exitCode = null;
      stderr = `${stderr}\n${error.message}`;
      finish();
    });
    child.on('exit', (code, signal) => {
      exitCode = code;
      exitSignal = signal;
      clearTimeout(killer);
      setTimeout(finish, DRAIN_MS).unref();
    });
    child.on('close', finish);
    child.stdin?.on('error', () => undefined); // a child that died early closed its stdin
    child.stdin?.end(JSON.stringify(request));
  });
}

const KNOWN_CODES = {
  IMS_PLUGIN_IMPORT_FAILED: 1,
  IMS_PLUGIN_NOT_A_PROVIDER: 1,
  IMS_PLUGIN_SPI_INCOMPATIBLE: 1,
} as const;
type KnownCode = keyof typeof KNOWN_CODES;

/** The child's answer for this nonce; anything else on the pipe is ignored. */
function parseAnswer(text: string, nonce: string): VerifyResult | undefined {
  for (const line of text.split('\n')) {
    try {
      const result = JSON.parse(line) as VerifyResult;
      if (result?.nonce === nonce) return result;
    } catch {
      // not an answer
    }
  }
  return undefined;
}
