/** Faults the tests inject into the simulator: latency, an HTTP 500, or a dropped connection. */

/** One fault to inject. */
export interface FaultSpec {
  /** The operation it applies to; any operation when absent. */
  operation?: string;
  /** Delay the answer, answer HTTP 500 without a SOAP body, or close the connection without an answer. */
  kind: 'latency' | 'http500' | 'drop';
  /** The delay of a `latency` fault, in ms. */
  ms?: number;
  /** How many requests it hits (default 1). */
  times?: number;
}

interface ArmedFault {
  spec: FaultSpec;
  remaining: number;
}

/** Armed faults, consumed by matching requests in the order they were injected. */
export class FaultInjector {
  private faults: ArmedFault[] = [];

  /** Arms a fault; `times: Infinity` keeps it forever. */
  inject(spec: FaultSpec): void {
    const times = spec.times === undefined ? 1 : spec.times;
    this.faults.push({ spec, remaining: times });
  }

  /** Disarms every fault. */
  clear(): void {
    this.faults = [];
  }

  /** The faults hitting one request of `operation` (each used up once), latency first. */
  take(operation: string): FaultSpec[] {
    const hits: FaultSpec[] = [];
    for (const fault of this.faults) {
      if (fault.spec.operation !== undefined && fault.spec.operation !== operation) continue;
      if (fault.spec.kind !== 'latency' && hits.some((h) => h.kind !== 'latency')) continue;
      hits.push(fault.spec);
      fault.remaining--;
    }
    this.faults = this.faults.filter((f) => f.remaining > 0);
    return hits.sort((a, b) => (a.kind === 'latency' ? 0 : 1) - (b.kind === 'latency' ? 0 : 1));
  }
}

/** A fault spec from untrusted JSON (the `/sim/faults` endpoint); throws with the reason when invalid. */
export function parseFaultSpec(value: unknown): FaultSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('expected a JSON object');
  const v = value as Record<string, unknown>;
  if (v.kind !== 'latency' && v.kind !== 'http500' && v.kind !== 'drop') {
    throw new Error('kind must be latency, http500 or drop');
  }
  const spec: FaultSpec = { kind: v.kind };
  if (v.operation !== undefined) {
    if (typeof v.operation !== 'string' || v.operation === '')
      throw new Error('operation must be a non-empty string');
    spec.operation = v.operation;
  }
  if (v.ms !== undefined) {
    if (typeof v.ms !== 'number' || !Number.isFinite(v.ms) || v.ms < 0)
      throw new Error('ms must be a number ≥ 0');
    spec.ms = v.ms;
  }
  if (v.times !== undefined) {
    if (typeof v.times !== 'number' || !Number.isInteger(v.times) || v.times < 1) {
      throw new Error('times must be an integer ≥ 1');
    }
    spec.times = v.times;
  }
  return spec;
}
