import { describe, expect, it } from 'vitest';
import { decodeRemoteError } from './libvirt-error.js';
import { readDomain, readTypedParam, type TypedParam, writeDomain, writeTypedParam } from './remote-types.js';
import { XdrError, XdrReader, XdrWriter, xdrDecode, xdrEncode } from './xdr.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const bytes = (hexText: string) => Buffer.from(hexText.replace(/\s+/g, ''), 'hex');

describe('XDR encoding', () => {
  it('writes integers big-endian in 4 or 8 bytes', () => {
    expect(hex(xdrEncode((w) => w.int(-2)))).toBe('fffffffe');
    expect(hex(xdrEncode((w) => w.uint(0xdeadbeef)))).toBe('deadbeef');
    expect(hex(xdrEncode((w) => w.hyper(-1n)))).toBe('ffffffffffffffff');
    expect(hex(xdrEncode((w) => w.uhyper(2n ** 64n - 2n)))).toBe('fffffffffffffffe');
    expect(hex(xdrEncode((w) => w.bool(true).bool(false)))).toBe('0000000100000000');
    expect(hex(xdrEncode((w) => w.double(1.5)))).toBe('3ff8000000000000');
  });

  it('pads strings and opaque data to 4 bytes with zeros', () => {
    expect(hex(xdrEncode((w) => w.string('abc')))).toBe('0000000361626300');
    expect(hex(xdrEncode((w) => w.string('abcd')))).toBe('0000000461626364');
    expect(hex(xdrEncode((w) => w.string('')))).toBe('00000000');
    expect(hex(xdrEncode((w) => w.opaque(Uint8Array.of(1))))).toBe('0000000101000000');
    expect(hex(xdrEncode((w) => w.fixedOpaque(Uint8Array.of(1, 2, 3, 4, 5), 5)))).toBe('0102030405000000');
    expect(hex(xdrEncode((w) => w.string('é')))).toBe('00000002c3a90000');
  });

  it('writes optional data and arrays with their discriminant and count', () => {
    expect(hex(xdrEncode((w) => w.optional(null, (ww, v: number) => ww.int(v))))).toBe('00000000');
    expect(hex(xdrEncode((w) => w.optional(7, (ww, v) => ww.int(v))))).toBe('0000000100000007');
    expect(hex(xdrEncode((w) => w.array([1, 2], (ww, v) => ww.uint(v))))).toBe('000000020000000100000002');
  });

  it('refuses values that do not fit their type or limit', () => {
    expect(() => xdrEncode((w) => w.int(2 ** 31))).toThrow(XdrError);
    expect(() => xdrEncode((w) => w.int(1.5))).toThrow(XdrError);
    expect(() => xdrEncode((w) => w.uint(-1))).toThrow(XdrError);
    expect(() => xdrEncode((w) => w.hyper(2n ** 63n))).toThrow(XdrError);
    expect(() => xdrEncode((w) => w.uhyper(-1n))).toThrow(XdrError);
    expect(() => xdrEncode((w) => w.string('toolong', 3))).toThrow(/exceeds the limit/);
    expect(() => xdrEncode((w) => w.fixedOpaque(Uint8Array.of(1), 16))).toThrow(/needs 16 bytes/);
    expect(() => xdrEncode((w) => w.array([1, 2, 3], (ww, v) => ww.int(v), 2))).toThrow(/exceeds the limit/);
  });

  it('grows its buffer for large values', () => {
    const big = 'x'.repeat(100_000);
    const writer = new XdrWriter(8);
    writer.string(big).int(1);
    const reader = new XdrReader(writer.bytes());
    expect(reader.string()).toBe(big);
    expect(reader.int()).toBe(1);
    reader.end();
  });
});

describe('XDR decoding', () => {
  it('round-trips every type', () => {
    const encoded = xdrEncode((w) =>
      w
        .int(-5)
        .uint(4_000_000_000)
        .hyper(-(2n ** 62n))
        .uhyper(2n ** 63n + 5n)
        .bool(true)
        .double(-0.25)
        .string('naïve')
        .opaque(Uint8Array.of(9, 8, 7))
        .fixedOpaque(Uint8Array.of(1, 2), 2)
        .optional('x', (ww, v) => ww.string(v))
        .optional(null, (ww, v: string) => ww.string(v))
        .array(['a', 'bb'], (ww, v) => ww.string(v)),
    );
    const decoded = xdrDecode(encoded, (r) => [
      r.int(),
      r.uint(),
      r.hyper(),
      r.uhyper(),
      r.bool(),
      r.double(),
      r.string(),
      [...r.opaque()],
      [...r.fixedOpaque(2)],
      r.optional((rr) => rr.string()),
      r.optional((rr) => rr.string()),
      r.array((rr) => rr.string()),
    ]);
    expect(decoded).toEqual([
      -5,
      4_000_000_000,
      -(2n ** 62n),
      2n ** 63n + 5n,
      true,
      -0.25,
      'naïve',
      [9, 8, 7],
      [1, 2],
      'x',
      null,
      ['a', 'bb'],
    ]);
  });

  it('refuses truncated input at every length', () => {
    const full = xdrEncode((w) =>
      w
        .int(1)
        .string('hello')
        .uhyper(3n)
        .array([1, 2], (ww, v) => ww.int(v)),
    );
    const decode = (data: Uint8Array) =>
      xdrDecode(data, (r) => [r.int(), r.string(), r.uhyper(), r.array((rr) => rr.int())]);
    expect(decode(full)).toEqual([1, 'hello', 3n, [1, 2]]);
    for (let length = 0; length < full.length; length++) {
      expect(() => decode(full.subarray(0, length)), `length ${length}`).toThrow(XdrError);
    }
  });

  it('refuses trailing bytes', () => {
    expect(() => xdrDecode(bytes('00000001 00000002'), (r) => r.int())).toThrow(/trailing/);
  });

  it('refuses a string longer than its limit before reading it', () => {
    expect(() => xdrDecode(bytes('00000005 68656c6c 6f000000'), (r) => r.string(4))).toThrow(
      /exceeds the limit/,
    );
  });

  it('refuses a length that points past the end', () => {
    expect(() => new XdrReader(bytes('7fffffff 41424344')).string()).toThrow(/truncated/);
    expect(() => new XdrReader(bytes('00000003 4142')).opaque()).toThrow(/truncated/);
  });

  it('refuses missing padding', () => {
    expect(() => new XdrReader(bytes('00000003 414243')).string()).toThrow(/truncated/);
  });

  it('refuses booleans and optional discriminants other than 0 and 1', () => {
    expect(() => new XdrReader(bytes('00000002')).bool()).toThrow(/bool must be 0 or 1/);
    expect(() => new XdrReader(bytes('ffffffff 00000000')).optional((r) => r.int())).toThrow(/bool/);
  });

  it('refuses array counts above the limit or beyond the data, without allocating', () => {
    expect(() =>
      new XdrReader(bytes('00000003 00000001 00000002 00000003')).array((r) => r.int(), 2),
    ).toThrow(/exceeds the limit/);
    expect(() => new XdrReader(bytes('ffffffff 00000001')).array((r) => r.int())).toThrow(
      /claims 4294967295/,
    );
  });

  it('refuses 64-bit values that do not fit a number where one is required', () => {
    expect(new XdrReader(bytes('001fffff ffffffff')).uhyperNumber()).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => new XdrReader(bytes('00200000 00000000')).uhyperNumber()).toThrow(/too large/);
  });
});

describe('libvirt wire types', () => {
  it('round-trips a domain', () => {
    const uuid = Uint8Array.from({ length: 16 }, (_, i) => i);
    const encoded = xdrEncode((w) => writeDomain(w, { name: 'vm1', uuid, id: -1 }));
    expect(hex(encoded)).toBe(`00000003766d3100${hex(uuid)}ffffffff`);
    expect(xdrDecode(encoded, readDomain)).toEqual({ name: 'vm1', uuid, id: -1 });
  });

  it('round-trips every typed parameter kind', () => {
    const params: TypedParam[] = [
      { field: 'a.int', type: 'int', value: -3 },
      { field: 'a.uint', type: 'uint', value: 3 },
      { field: 'a.llong', type: 'llong', value: -(2n ** 40n) },
      { field: 'a.ullong', type: 'ullong', value: 2n ** 64n - 1n },
      { field: 'a.double', type: 'double', value: 0.5 },
      { field: 'a.boolean', type: 'boolean', value: true },
      { field: 'a.string', type: 'string', value: 'vda' },
    ];
    const encoded = xdrEncode((w) => w.array(params, writeTypedParam));
    expect(xdrDecode(encoded, (r) => r.array(readTypedParam))).toEqual(params);
  });

  it('refuses a typed parameter of unknown type', () => {
    const encoded = xdrEncode((w) => w.string('x').int(8).int(0));
    expect(() => xdrDecode(encoded, readTypedParam)).toThrow(/unknown type 8/);
  });

  it('decodes a remote_error with and without optional fields', () => {
    const full = xdrEncode((w) => {
      w.int(42).int(10);
      w.optional("Domain not found: no domain with matching name 'x'", (ww, m) => ww.string(m));
      w.int(2);
      w.optional({ name: 'x', uuid: new Uint8Array(16), id: 1 }, writeDomain);
      w.optional('s1', (ww, v) => ww.string(v))
        .bool(false)
        .bool(false);
      w.int(7).int(8);
      w.optional('net', (ww, v) => ww.string(v).fixedOpaque(new Uint8Array(16), 16));
    });
    expect(xdrDecode(full, decodeRemoteError)).toEqual({
      code: 42,
      domain: 10,
      message: "Domain not found: no domain with matching name 'x'",
      level: 2,
      str1: 's1',
      str2: null,
      str3: null,
      int1: 7,
      int2: 8,
    });
    const bare = xdrEncode((w) =>
      w
        .int(1)
        .int(0)
        .bool(false)
        .int(2)
        .bool(false)
        .bool(false)
        .bool(false)
        .bool(false)
        .int(0)
        .int(0)
        .bool(false),
    );
    expect(xdrDecode(bare, decodeRemoteError).message).toBeNull();
    expect(() => xdrDecode(bare.subarray(0, bare.length - 4), decodeRemoteError)).toThrow(XdrError);
  });
});
