/**
 * Network namespaces as hosts, for the multi-host test: each namespace has its own network stack
 * (its own loopback, its own address on a veth pair) and reaches the host only through its veth,
 * as a second machine on a LAN would. Needs root and iproute2; everything made here is named with
 * a random suffix and removed by `remove()` (the namespaces, and with them the veth pairs).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';

export interface NetnsHost {
  /** Namespace name (`ip netns exec NAME …`). */
  name: string;
  /** The namespace's own address. */
  address: string;
  /** The host-side address of its veth pair: what the namespace reaches the host at. */
  hostAddress: string;
}

/** Why namespaces cannot be made here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux network namespaces';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'needs root and ip netns';
  if (!['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].some((p) => existsSync(p))) return 'needs root and ip netns (iproute2 is not installed)';
  const probe = `spprobe${randomBytes(3).toString('hex')}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.status !== 0) return `needs root and ip netns (ip netns add failed: ${add.stderr.trim()})`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A /24 in 10.0.0.0/8 no interface of this machine has an address in. */
function freeSubnetBase(): string {
  const taken = execFileSync('ip', ['-4', '-o', 'addr'], { encoding: 'utf8' });
  for (;;) {
    const base = `10.${100 + (randomBytes(1)[0] as number) % 100}.${randomBytes(1)[0] as number}`;
    if (!taken.includes(` ${base}.`)) return base;
  }
}

export class NetnsLab {
  readonly hosts: NetnsHost[] = [];
  private readonly suffix = randomBytes(3).toString('hex');

  /** Adds a namespace on its own /24, with a default route through the host (to reach any host address). */
  add(): NetnsHost {
    const i = this.hosts.length;
    const name = `sp${this.suffix}n${i}`;
    const outer = `sp${this.suffix}o${i}`;
    const inner = `sp${this.suffix}i${i}`;
    const base = freeSubnetBase();
    const host: NetnsHost = { name, address: `${base}.2`, hostAddress: `${base}.1` };
    ip('netns', 'add', name);
    this.hosts.push(host);
    ip('link', 'add', outer, 'type', 'veth', 'peer', 'name', inner);
    ip('link', 'set', inner, 'netns', name);
    ip('addr', 'add', `${host.hostAddress}/24`, 'dev', outer);
    ip('link', 'set', outer, 'up');
    ip('netns', 'exec', name, 'ip', 'addr', 'add', `${host.address}/24`, 'dev', inner);
    ip('netns', 'exec', name, 'ip', 'link', 'set', inner, 'up');
    ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
    ip('netns', 'exec', name, 'ip', 'route', 'add', 'default', 'via', host.hostAddress);
    return host;
  }

  /** Removes every namespace made (their veth pairs go with them); safe to call twice. */
  remove(): void {
    for (const h of this.hosts.splice(0)) spawnSync('ip', ['netns', 'del', h.name]);
  }
}
