import { describe, expect, it } from 'vitest';
import {
  cfgValue,
  diskEntries,
  diskPath,
  firstVifMac,
  parseVmCfg,
  setCfgValue,
} from '../../src/simulator/vm-cfg.js';
import { rewriteVmCfg } from '../../src/simulator/vm-create.js';

const SAMPLE = `# header comment
name = "gf1"
memory = 1024
disk = [ 'file:/OVS/running_pool/12_gf1/System.img,xvda,w', # first disk
         "tap:aio:/OVS/running_pool/12_gf1/App's.img,xvdb,w",
         'phy:/dev/sdb,xvdc,r',
       ]
vif = ['bridge=xenbr0,mac=00:16:3E:AA:BB:CC']
broken = [ 'unterminated
extra = 'it\\'s' 'joined'
`;

describe('vm.cfg reader', () => {
  it('reads strings, numbers, multi-line lists with comments, and keeps going after a broken line', () => {
    expect(cfgValue(SAMPLE, 'name')).toBe('gf1');
    expect(cfgValue(SAMPLE, 'memory')).toBe(1024);
    expect(diskEntries(SAMPLE).map((d) => d.path)).toEqual([
      '/OVS/running_pool/12_gf1/System.img',
      "/OVS/running_pool/12_gf1/App's.img",
      '/dev/sdb',
    ]);
    expect(firstVifMac(SAMPLE)).toBe('00:16:3e:aa:bb:cc');
    expect(cfgValue(SAMPLE, 'broken')).toBeUndefined();
    expect(cfgValue(SAMPLE, 'extra')).toBe("it'sjoined");
    expect(parseVmCfg(SAMPLE).map((a) => a.key)).toEqual([
      'name',
      'memory',
      'disk',
      'vif',
      'broken',
      'extra',
    ]);
    expect(diskPath('file:/a/b.img,xvda,w')).toBe('/a/b.img');
  });

  it('replaces one value in place and keeps every other byte', () => {
    const out = setCfgValue(SAMPLE, 'memory', 2048);
    expect(out).toBe(SAMPLE.replace('memory = 1024', 'memory = 2048'));
    const named = setCfgValue(SAMPLE, 'name', "o'brien");
    expect(cfgValue(named, 'name')).toBe("o'brien");
    expect(named).toContain("name = 'o\\'brien'\n");
    const appended = setCfgValue('a = 1', 'vcpus', 2);
    expect(appended).toBe('a = 1\nvcpus = 2\n');
  });

  it('rewrites a copied template: name, disks into the VM dir, a fresh Xen MAC, the rest kept', () => {
    const out = rewriteVmCfg(SAMPLE, {
      domainName: '7_web',
      vmDir: '/r/running_pool/7_web',
      uuid: 'u-1',
      bridge: 'xenbr1',
      memoryMiB: 512,
    });
    expect(cfgValue(out, 'name')).toBe('7_web');
    expect(cfgValue(out, 'memory')).toBe(512);
    expect(cfgValue(out, 'disk')).toEqual([
      'file:/r/running_pool/7_web/System.img,xvda,w',
      "tap:aio:/r/running_pool/7_web/App's.img,xvdb,w",
      'phy:/dev/sdb,xvdc,r',
    ]);
    const vif = cfgValue(out, 'vif') as string[];
    expect(vif[0]).toMatch(/^bridge=xenbr0,mac=00:16:3e:[0-7][0-9a-f](:[0-9a-f]{2}){2}$/);
    expect(out.startsWith('# header comment\n')).toBe(true);
    expect(out).toContain("broken = [ 'unterminated\n");
    expect(out).toContain("extra = 'it\\'s' 'joined'\n");

    const noVif = rewriteVmCfg("name = 't'\n", { domainName: 'x', vmDir: '/d', uuid: 'u', bridge: 'xenbr1' });
    expect(cfgValue(noVif, 'vif')).toEqual([
      expect.stringMatching(/^mac=00:16:3e:[0-9a-f:]{8}, bridge=xenbr1$/),
    ]);
    const macless = rewriteVmCfg("vif = ['bridge=xenbr0']\n", {
      domainName: 'x',
      vmDir: '/d',
      uuid: 'u',
      bridge: 'b',
    });
    expect(cfgValue(macless, 'vif')).toEqual([
      expect.stringMatching(/^mac=00:16:3e:[0-9a-f:]{8}, bridge=xenbr0$/),
    ]);
  });
});
