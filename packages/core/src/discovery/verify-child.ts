/**
 * The process `ims` starts to import and check one provider package (verify-in-child.ts): plugin
 * code runs here, not in the `ims` process, so a plugin that exits, loops forever or never finishes
 * loading costs only this process. Run as a plain ES module with `node`, never from the CLI bundle
 * (a script from a code cache cannot import).
 *
 * Protocol: the request is JSON on stdin, read whole before any plugin code runs; the one result
 * is JSON on file descriptor 3, carrying the request's nonce, so output the plugin prints or a
 * result it fakes without the nonce is not taken for the verdict.
 */
import { readFileSync, writeSync } from 'node:fs';
import { isImsError } from '@ims/spi';
import { loadPlugin } from './load-plugin.js';
import type { DiscoveredProvider } from './types.js';

/** What the host asks. */
export interface VerifyRequest {
  nonce: string;
  provider: DiscoveredProvider;
  hostSpi: string;
  timeoutMs: number;
}

/** What this process answers. */
export type VerifyResult =
  | { nonce: string; ok: true; id: string }
  | { nonce: string; ok: false; error: { code: string; message: string; hint?: string } }
  | { nonce: string; ok: false; exited: number };

const RESULT_FD = 3;

function answer(result: VerifyResult): void {
  writeSync(RESULT_FD, `${JSON.stringify(result)}\n`);
}

const request = JSON.parse(readFileSync(0, 'utf8')) as VerifyRequest;
let answered = false;
// A plugin that ends the process while loading: say so, with the code it chose.
process.on('exit', (code) => {
  if (!answered) answer({ nonce: request.nonce, ok: false, exited: code });
});
try {
  const plugin = await loadPlugin(request.provider, request.hostSpi, {
    timeoutMs: request.timeoutMs,
    guardExit: false,
  });
  answer({ nonce: request.nonce, ok: true, id: plugin.id });
} catch (error) {
  const { code, message, hint } = isImsError(error)
    ? error
    : { code: 'IMS_PLUGIN_IMPORT_FAILED', message: String(error), hint: undefined };
  answer({ nonce: request.nonce, ok: false, error: { code, message, ...(hint ? { hint } : {}) } });
}
answered = true;
// The plugin may have left timers or sockets behind: the verdict is given, nothing else matters.
process.exit(0);
