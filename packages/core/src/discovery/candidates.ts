import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PackageSource } from './types.js';

/** A directory that may hold a provider package. */
export interface Candidate {
  /** Absolute package directory. */
  dir: string;
  /** Where it was found. */
  source: PackageSource;
}

/** A `node_modules`-like directory to scan, and how to label what it holds. */
export interface SearchRoot {
  /** Absolute directory whose children (and `@scope/*` grandchildren) are packages. */
  dir: string;
  /** Label for packages found there. */
  source: PackageSource;
}

// Synchronous like the package.json reads (see inspect-package.ts): a handful of small directories.
function listDirs(dir: string): string[] {
  try {
    const entries = readdirSync(dir, { withFileTypes: true });
    // Symlinks count: pnpm and `npm link` install packages as links.
    return entries
      .filter((e) => (e.isDirectory() || e.isSymbolicLink()) && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  } catch {
    return []; // a missing root is normal (no plugins installed yet)
  }
}

/** Step 1: every package directory directly in the roots, scoped ones included, in root order. */
export function listCandidates(roots: readonly SearchRoot[]): Candidate[] {
  const perRoot = roots.map((root) => {
    const nested = listDirs(root.dir).map((name) => {
      if (!name.startsWith('@')) return [join(root.dir, name)];
      return listDirs(join(root.dir, name)).map((child) => join(root.dir, name, child));
    });
    return nested.flat().map((dir) => ({ dir, source: root.source }));
  });
  const seen = new Set<string>();
  return perRoot.flat().filter((c) => {
    if (seen.has(c.dir)) return false;
    seen.add(c.dir);
    return true;
  });
}
