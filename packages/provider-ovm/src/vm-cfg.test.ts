import { describe, expect, it } from 'vitest';
import { findAssignment, parseVmCfg, setVifMac, VmCfgSyntaxError, vifMacs } from './vm-cfg.js';

/** The sample from the Oracle VM 2.2 reference (shared/reference/ovm-2.2.md). */
const REFERENCE_SAMPLE = `name = 'gf1'
memory = 1024
vcpus = 1
bootloader = '/usr/bin/pygrub'
disk = ['file:/OVS/running_pool/12_gf1/System.img,xvda,w',
        'file:/OVS/running_pool/12_gf1/Application.img,xvdb,w',
        'file:/OVS/running_pool/12_gf1/Bootparams.img,xvdc,r']
vif = ['mac=00:16:3e:5a:01:02, bridge=xenbr0']
on_crash = 'restart'
on_reboot = 'restart'
`;

const NEW_MAC = '00:16:3e:12:ab:cd';

/** Asserts that `after` equals `before` with exactly one span replaced by `replacement`. */
function expectOnlyChange(before: string, after: string, original: string, replacement: string): void {
  const at = before.indexOf(original);
  expect(at, `${original} is in the file`).toBeGreaterThanOrEqual(0);
  expect(after).toBe(before.slice(0, at) + replacement + before.slice(at + original.length));
}

describe('parseVmCfg', () => {
  it('finds every assignment of the reference sample, lists over several lines included', () => {
    const keys = parseVmCfg(REFERENCE_SAMPLE).map((a) => a.key);
    expect(keys).toEqual(['name', 'memory', 'vcpus', 'bootloader', 'disk', 'vif', 'on_crash', 'on_reboot']);
    const disk = findAssignment(REFERENCE_SAMPLE, 'disk');
    expect(disk?.strings.map((s) => s.depth)).toEqual([1, 1, 1]);
    expect(REFERENCE_SAMPLE.slice(disk?.valueStart, disk?.valueEnd)).toMatch(/^\['file:.*xvdc,r'\]$/s);
  });

  it('ignores keys and brackets inside comments and strings', () => {
    const text = [
      "# vif = ['mac=00:00:00:00:00:01']",
      "extra = 'console=hvc0 vif = [ # not a comment'",
      'vif = [ # the NICs',
      "  'bridge=xenbr0', # first",
      '  "mac=00:16:3e:00:00:02,bridge=xenbr1", # second ]\'',
      ']',
      '',
    ].join('\n');
    expect(parseVmCfg(text).map((a) => a.key)).toEqual(['extra', 'vif']);
    expect(vifMacs(text)).toEqual([undefined, '00:16:3e:00:00:02']);
  });

  it('reports unterminated strings and lists', () => {
    expect(() => parseVmCfg("vif = ['bridge=xenbr0'\nname = 'x'\n")).toThrow(VmCfgSyntaxError);
    expect(() => parseVmCfg("name = 'x\n")).toThrow(/never closed/);
    expect(() => parseVmCfg('a = ]\n')).toThrow(/unbalanced/);
  });

  it('reads triple-quoted strings, escapes and line continuations', () => {
    const text =
      "extra = '''a\n'b' ]'''\nname = 'it\\'s'\nmemory = \\\n  512\nvif = ['mac=00:16:3e:00:00:03']\n";
    expect(parseVmCfg(text).map((a) => a.key)).toEqual(['extra', 'name', 'memory', 'vif']);
    expect(vifMacs(text)).toEqual(['00:16:3e:00:00:03']);
  });
});

describe('setVifMac', () => {
  it('changes only the MAC of the reference sample', () => {
    const edited = setVifMac(REFERENCE_SAMPLE, 0, NEW_MAC);
    expectOnlyChange(REFERENCE_SAMPLE, edited, '00:16:3e:5a:01:02', NEW_MAC);
    expect(vifMacs(edited)).toEqual([NEW_MAC]);
  });

  it('adds a MAC in front of an entry that has none (as ims-template-build writes it)', () => {
    const text = "vif = ['bridge=xenbr0']\non_poweroff = 'destroy'\n";
    expect(setVifMac(text, 0, NEW_MAC)).toBe(
      `vif = ['mac=${NEW_MAC}, bridge=xenbr0']\non_poweroff = 'destroy'\n`,
    );
  });

  it('keeps comments, odd spacing, quotes and CRLF line ends byte for byte', () => {
    const text = [
      '#!/usr/bin/python  ',
      '# Xen config   with   odd spacing',
      "name   =   'vm'   # trailing comment",
      'vif=[',
      '',
      '   "type=netfront ,  MAC = 00:16:3E:AA:BB:CC ,bridge=xenbr0"  ,   # keep me',
      "\t'mac=00:16:3e:00:00:09,bridge=xenbr1'",
      '    ]   # end',
      "on_crash='restart'",
    ].join('\r\n');
    const edited = setVifMac(text, 0, NEW_MAC);
    expectOnlyChange(text, edited, '00:16:3E:AA:BB:CC', NEW_MAC);
    const second = setVifMac(text, 1, NEW_MAC);
    expectOnlyChange(text, second, '00:16:3e:00:00:09', NEW_MAC);
    expect(vifMacs(text)).toEqual(['00:16:3e:aa:bb:cc', '00:16:3e:00:00:09']);
  });

  it('edits the assignment Python would keep when vif is assigned twice', () => {
    const text = "vif = ['mac=00:16:3e:00:00:01']\nvif = ['mac=00:16:3e:00:00:02']\n";
    expectOnlyChange(
      text,
      setVifMac(text, 0, NEW_MAC),
      "vif = ['mac=00:16:3e:00:00:02']",
      `vif = ['mac=${NEW_MAC}']`,
    );
  });

  it('handles a vif given as one string rather than a list', () => {
    const text = "vif = 'mac=00:16:3e:00:00:01, bridge=xenbr0'\n";
    expect(setVifMac(text, 0, NEW_MAC)).toBe(`vif = 'mac=${NEW_MAC}, bridge=xenbr0'\n`);
  });

  it('fails clearly when there is no such vif entry', () => {
    expect(() => setVifMac("name = 'x'\n", 0, NEW_MAC)).toThrow(
      /no vif entry 1 \(no "vif = \[...\]" line at all\)/,
    );
    expect(() => setVifMac(REFERENCE_SAMPLE, 1, NEW_MAC)).toThrow(/no vif entry 2/);
    expect(() => setVifMac(REFERENCE_SAMPLE, 0, 'not-a-mac')).toThrow(/canonical MAC/);
  });
});
