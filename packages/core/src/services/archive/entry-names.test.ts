import { describe, expect, it } from 'vitest';
import { checkEntryName, checkSymlinkTarget } from './entry-names.js';

describe('checkEntryName', () => {
  it('drops "." and empty components', () => {
    expect(checkEntryName('./a//b/./c/')).toEqual({ ok: true, components: ['a', 'b', 'c'] });
    expect(checkEntryName('./')).toEqual({ ok: true, components: [] });
  });

  it('keeps names that only look like dots', () => {
    expect(checkEntryName('...')).toEqual({ ok: true, components: ['...'] });
    expect(checkEntryName('..hidden/x..')).toEqual({ ok: true, components: ['..hidden', 'x..'] });
  });

  it.each([
    ['', /empty name/],
    ['/etc/passwd', /absolute/],
    ['a/../../b', /"\.\."/],
    ['..', /"\.\."/],
    ['a\0b', /NUL/],
  ])('refuses %j', (name, reason) => {
    const checked = checkEntryName(name);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.reason).toMatch(reason);
  });
});

describe('checkSymlinkTarget', () => {
  it('accepts targets that stay inside', () => {
    expect(checkSymlinkTarget([], 'a/b')).toBeUndefined();
    expect(checkSymlinkTarget([], '.')).toBeUndefined();
    expect(checkSymlinkTarget(['a', 'b'], '../../c')).toBeUndefined();
    expect(checkSymlinkTarget(['a'], './../x/./y/')).toBeUndefined();
  });

  it.each([
    [[], '../x', /outside/],
    [['a'], '../../x', /outside/],
    [['a'], '/abs', /absolute/],
    [['a'], 'b/../c', /after a name/],
    [['a'], '', /empty target/],
    [['a'], 'b\0c', /NUL/],
  ])('refuses %j -> %j', (dir, linkname, reason) => {
    expect(checkSymlinkTarget(dir, linkname)).toMatch(reason);
  });
});
