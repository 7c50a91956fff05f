/**
 * The provider conformance kit: the same lifecycle checks for every provider, ours and third
 * parties'. `runConformanceSuite` registers them with vitest; `conformanceChecks` hands them out to
 * be run by other means (the kit's own tests run it against broken providers).
 */

export { INVALID_NAMES } from './checks/refusals.js';
export type {
  ConformanceFixture,
  ConformanceOptions,
  ConformanceSettings,
  ConformanceTimeouts,
} from './options.js';
export { defaultBootParams } from './options.js';
export { conformanceChecks } from './plan.js';
export type {
  ConformanceCheck,
  ConformanceNames,
  ConformancePlan,
  ConformanceState,
  NotApplicable,
} from './state.js';
export { runConformanceSuite } from './suite.js';
