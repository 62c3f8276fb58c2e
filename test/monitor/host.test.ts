import { describe, expect, it } from 'vitest';
import { HostSampler, parseLoadavg, parsePressureSome, parseProcStatCpu, procHostReader, type HostReader } from '../../src/monitor/host.js';
import { fakeHost } from '../helpers/fake-host.js';

describe('host sampling from /proc', () => {
  it('parses /proc/stat, /proc/loadavg and /proc/pressure', () => {
    expect(parseProcStatCpu('cpu  100 5 20 800 50 1 2 3 0 0\ncpu0 1 1 1 1\n')).toEqual({ busy: 131, total: 981 });
    expect(parseProcStatCpu('intr 1 2 3\n')).toBeUndefined();
    expect(parseLoadavg('0.50 0.40 0.30 3/345 12345\n')).toEqual({ load1: 0.5, runnable: 3 });
    expect(parseLoadavg('garbage')).toBeUndefined();
    expect(parsePressureSome('some avg10=1.23 avg60=0.5 avg300=0 total=9\n')).toBe(1.23);
  });

  it('takes busy shares as deltas between readings, with run queue and pressure', () => {
    let t = 0;
    const s = new HostSampler(fakeHost([0, 100, 50]), () => (t += 1000));
    expect(s.available).toBe(true);
    expect(s.sampleNow()).toMatchObject({ cpuBusyPct: 100, runnable: 3, loadAvg1: 7.5, cpuPressureSomePct: 42.5 });
    expect(s.sampleNow()?.cpuBusyPct).toBe(50);
    const all = s.stop();
    expect(all.map((x) => x.cpuBusyPct)).toEqual([100, 50, 50]);
    expect(() => new HostSampler(fakeHost([0])).start(0)).toThrow(RangeError);
  });

  it('produces nothing where the platform has no /proc/stat', () => {
    const none: HostReader = { stat: () => undefined, loadavg: () => undefined, pressure: () => undefined };
    const s = new HostSampler(none);
    expect(s.available).toBe(false);
    expect(s.sampleNow()).toBeUndefined();
    expect(s.stop()).toEqual([]);
  });

  it('reads this machine when it has /proc (Linux)', () => {
    if (procHostReader.stat() === undefined) return;
    const s = new HostSampler();
    // Burn a little CPU so the counters move; the share is whatever the host did, within 0..100.
    let x = 0;
    for (let i = 0; i < 2e6; i++) x += Math.sqrt(i);
    expect(x).toBeGreaterThan(0);
    const sample = s.stop()[0];
    if (sample) {
      expect(sample.cpuBusyPct).toBeGreaterThanOrEqual(0);
      expect(sample.cpuBusyPct).toBeLessThanOrEqual(100);
    }
  });
});
