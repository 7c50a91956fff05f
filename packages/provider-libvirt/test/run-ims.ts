/**
 * Runs the built `ims` CLI the way users do; the libvirt provider is found in the host's
 * node_modules, so it must be built too, and built from the current sources.
 */
import { resolve } from 'node:path';
import { assertProviderBuilt } from '../../core/test/cli/provider-build.js';
import { type ImsRun, runImsOk, runIms as runImsWithEnv } from '../../core/test/cli/run-ims.js';

export type { ImsRun };

/** Fails saying to run `pnpm build` when the CLI or this provider's compiled code is missing or stale. */
export function assertBuilt(): void {
  assertProviderBuilt(resolve(import.meta.dirname, '..'));
}

/** Runs `ims` with `args` and the given IMS_HOME. */
export function runIms(args: readonly string[], home: string): Promise<ImsRun> {
  return runImsWithEnv(args, { IMS_HOME: home });
}

/** Runs `ims` and fails with its output unless it exits with 0. */
export function ims(args: readonly string[], home: string): Promise<ImsRun> {
  return runImsOk(args, { IMS_HOME: home });
}
