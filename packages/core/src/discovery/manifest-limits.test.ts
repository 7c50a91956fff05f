import { describe, expect, it } from 'vitest';
import { formatBytes, nestsDeeperThan } from './manifest-limits.js';

describe('nestsDeeperThan', () => {
  it('counts objects and arrays, not brackets inside strings', () => {
    expect(nestsDeeperThan('{"a":[[1]]}', 3)).toBe(false);
    expect(nestsDeeperThan('{"a":[[[1]]]}', 3)).toBe(true);
    expect(nestsDeeperThan(`{"a":"${'['.repeat(500)}"}`, 3)).toBe(false);
    expect(nestsDeeperThan(`{"a":"\\"${'{'.repeat(10)}"}`, 3)).toBe(false);
    expect(nestsDeeperThan(`{"a\\\\":${'['.repeat(5)}`, 3)).toBe(true);
  });

  it('walks a very deep document without recursion', () => {
    expect(nestsDeeperThan('['.repeat(1_000_000), 64)).toBe(true);
  });
});

describe('formatBytes', () => {
  it('says limits the way people do', () => {
    expect(formatBytes(1024 * 1024)).toBe('1 MiB');
    expect(formatBytes(64 * 1024)).toBe('64 KiB');
    expect(formatBytes(1000)).toBe('1000 bytes');
  });
});
