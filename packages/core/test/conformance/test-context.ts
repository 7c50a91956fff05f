import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ImsError, type Logger, type ProviderContext } from '@ims/spi';

/** A hand-made provider context for tests of providers that need no host services. */
export interface TestContext {
  /** The context to hand to `plugin.create()`. */
  context: ProviderContext;
  /** Every line logged through `context.logger`, as `level message {fields}`. */
  logLines: string[];
  /** Removes the data directory. */
  cleanup(): Promise<void>;
}

function notNeeded(service: string): never {
  throw new ImsError(
    'IMS_OPERATION_UNSUPPORTED',
    `The test context has no ${service}: not needed by the memory provider.`,
    {
      hint: 'Use the host container when a provider under test needs real host services.',
    },
  );
}

function collectingLogger(lines: string[]): Logger {
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push(
      fields === undefined ? `${level} ${message}` : `${level} ${message} ${JSON.stringify(fields)}`,
    );
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

async function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, signal === undefined ? {} : { signal });
  } catch (error) {
    if (signal?.aborted)
      throw new ImsError('IMS_ABORTED', `Waiting ${ms} ms was cancelled.`, { cause: error });
    throw error;
  }
}

/** Makes a context with a fresh data directory under the OS temp dir, a real clock and a collecting logger. */
export async function createTestContext(configName = 'test'): Promise<TestContext> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ims-conformance-'));
  const logLines: string[] = [];
  const context: ProviderContext = {
    configName,
    dataDir,
    logger: collectingLogger(logLines),
    localRunner: { target: 'local', run: async () => notNeeded('command runner') },
    ssh: { connect: async () => notNeeded('SSH connector') },
    archives: { extract: async () => notNeeded('archive extractor') },
    bootImage: {
      renderConf: () => notNeeded('boot image builder'),
      build: async () => notNeeded('boot image builder'),
    },
    progress: { start: () => notNeeded('progress reporter') },
    signal: new AbortController().signal,
    clock: { now: () => Date.now(), sleep: realSleep },
  };
  return { context, logLines, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
}
