import { describe, expect, it } from 'vitest';
import { hostnameFor } from './vms.js';

describe('hostnameFor', () => {
  it('keeps valid names and repairs what hostnames may not hold', () => {
    expect(hostnameFor('web-1')).toBe('web-1');
    expect(hostnameFor('db.lab')).toBe('db.lab');
    expect(hostnameFor('app_server_2')).toBe('app-server-2');
    expect(hostnameFor('a..b')).toBe('a.b');
    expect(hostnameFor('x_.y')).toBe('x.y');
    expect(hostnameFor('_')).toBe('vm');
  });
});
