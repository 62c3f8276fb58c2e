/** A scripted /proc for host-sampler tests. */
import type { HostReader } from '../../src/monitor/host.js';

/** A host whose /proc/stat advances by `busy` of every 100 jiffies per reading. */
export function fakeHost(busyPct: number[], runnable = 3): HostReader {
  let user = 1000;
  let idle = 1000;
  let call = 0;
  return {
    stat: () => {
      const b = busyPct[Math.min(call, busyPct.length - 1)] as number;
      if (call > 0) {
        user += b;
        idle += 100 - b;
      }
      call++;
      return `cpu  ${user} 0 0 ${idle} 0 0 0 0 0 0\ncpu0 1 2 3 4\n`;
    },
    loadavg: () => `7.50 6.00 5.00 ${runnable}/345 12345\n`,
    pressure: (kind) => (kind === 'cpu' ? 'some avg10=42.50 avg60=40.00 avg300=30.00 total=1\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n' : undefined),
  };
}

