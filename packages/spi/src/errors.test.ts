import { describe, expect, it } from 'vitest';
import { categoryOf, ERROR_CODES, ImsError, isImsError } from './errors.js';

describe('the error catalogue', () => {
  it('gives every code one of the four categories', () => {
    for (const [code, category] of Object.entries(ERROR_CODES)) {
      expect({ code, ok: ['failed', 'usage', 'not-found', 'plugin'].includes(category) }).toEqual({
        code,
        ok: true,
      });
    }
  });

  it('keeps hint, details and cause', () => {
    const cause = new Error('socket closed');
    const e = new ImsError('IMS_CONNECTION_FAILED', 'Cannot reach 127.0.0.1:1.', {
      hint: 'Start it.',
      cause,
      details: { port: 1 },
    });
    expect(e).toMatchObject({
      code: 'IMS_CONNECTION_FAILED',
      category: 'failed',
      hint: 'Start it.',
      details: { port: 1 },
      cause,
    });
    expect(e.message).toBe('Cannot reach 127.0.0.1:1.');
  });

  it('recognises errors by brand, also from another copy of the SPI, and refuses look-alikes', () => {
    const foreign = Object.assign(new Error('x'), {
      code: 'IMS_VM_NOT_FOUND',
      [Symbol.for('ims.error')]: true,
    });
    expect(isImsError(foreign)).toBe(true);
    expect(categoryOf(foreign)).toBe('not-found');
    expect(isImsError(Object.assign(new Error('x'), { code: 'IMS_VM_NOT_FOUND' }))).toBe(false);
    expect(
      isImsError(Object.assign(new Error('x'), { code: 'NOT_OURS', [Symbol.for('ims.error')]: true })),
    ).toBe(false);
    expect(categoryOf(new TypeError('bug'))).toBe('failed');
  });
});
