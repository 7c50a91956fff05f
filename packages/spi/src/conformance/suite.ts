import { afterAll, beforeAll, describe, it } from 'vitest';
import { ImsError } from '../errors.js';
import type { ConformanceOptions } from './options.js';
import { conformanceChecks } from './plan.js';
import type { ConformanceState } from './state.js';

/** Registers the kit as a vitest `describe` named after the options, one `it` per check, run in order. */
export function runConformanceSuite(options: ConformanceOptions): void {
  const plan = conformanceChecks(options);
  // The lifecycle checks build on each other: never run them concurrently or shuffled.
  describe(`provider conformance: ${options.name}`, { concurrent: false, shuffle: false }, () => {
    let state: ConformanceState | undefined;
    beforeAll(async () => {
      state = await plan.setup();
    }, plan.setupTimeoutMs);
    afterAll(async () => {
      if (state !== undefined) await plan.teardown(state);
    }, plan.teardownTimeoutMs);
    for (const check of plan.checks) {
      it(check.title, { timeout: check.timeoutMs }, async (context) => {
        if (state === undefined) {
          throw new ImsError(
            'IMS_INTERNAL',
            `Conformance check "${check.id}" cannot run: the setup did not complete.`,
            {
              hint: "Fix the error reported for the suite's beforeAll hook (the fixture's setup()) first.",
            },
          );
        }
        const outcome = await check.run(state);
        if (outcome !== undefined) context.skip(`not applicable: ${outcome.notApplicable}`);
      });
    }
  });
}
