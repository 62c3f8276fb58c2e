/** Gossip in the registry: SWIM membership plus epidemic broadcast, simulator only, up to 10,000 members. */
import { z } from 'zod';
import { UsageError } from '../../core/errors.js';
import { parseBytes, parseIntFlag, parsePositiveDurationUs, parsePositiveNumber } from '../../core/parse.js';
import { withDefaults } from '../bench/params.js';
import type { ProtocolDefinition, ProtocolMetric, ProtocolRunRequest } from '../registry.js';
import { GOSSIP_SUITE, runGossipScenario, type GossipScenarioOptions, type GossipSetup } from '../gossip/scenarios.js';

const text = (def: string, placeholder: string, help: string) => z.string().default(def).meta({ placeholder }).describe(help);

export const gossipParams = z.object({
  fanout: text('3', 'k', 'gossip: members each gossip round pushes to'),
  gossipInterval: text('200ms', 'd', 'gossip: round length (memberlist GossipInterval)'),
  dissemination: text('push', 'push|push-pull', 'gossip: push hot updates only, or also exchange digests so stragglers pull what they lack'),
  probeInterval: text('1s', 'd', 'gossip: SWIM protocol period (one ping per member per period)'),
  probeTimeout: text('500ms', 'd', 'gossip: SWIM wait for a direct ack before asking others (ping-req)'),
  indirect: text('3', 'k', 'gossip: members asked to ping on our behalf'),
  suspicionMult: text('4', 'n', 'gossip: suspicion timeout = n · ⌈log10(N+1)⌉ · probe interval'),
  retransmitMult: text('4', 'n', 'gossip: an item stays hot for n · ⌈log10(N+1)⌉ rounds'),
  maxPiggyback: text('32', 'n', 'gossip: most items carried by one message'),
  updates: text('10', 'n', 'gossip convergence: broadcasts to measure, one after another'),
  crash: text('1', 'n', 'gossip failure-detection: members crashed after warmup'),
  updateSize: text('64', 'bytes', 'gossip: bytes per broadcast update'),
  gossipRate: text('50', 'updates/s', 'gossip throughput: broadcasts per second'),
});

const METRICS: Record<string, ProtocolMetric> = {
  roundsTo9999: { unit: 'count', direction: 'smaller', description: 'mean gossip rounds until 99.99 % of live members know an update' },
  roundsToAll: { unit: 'count', direction: 'smaller', description: 'mean gossip rounds until every live member knows an update' },
  roundsToAllMax: { unit: 'count', direction: 'smaller', description: 'slowest update, in rounds to every live member' },
  timeToAllUs: { unit: 'us', direction: 'smaller', description: 'mean time until every live member knows an update' },
  modelRounds: { unit: 'count', direction: 'smaller', description: 'epidemic model: log_{k+1} n + ln n / k rounds' },
  committedOpsPerSec: { unit: 'ops/s', direction: 'bigger', description: 'updates delivered to every live member per second' },
  messagesPerOp: { unit: 'count', direction: 'smaller', description: 'gossip messages (probes included) per update' },
  bytesPerOp: { unit: 'bytes', direction: 'smaller', description: 'gossip bytes per update' },
  detectFirstUs: { unit: 'us', direction: 'smaller', description: 'crash → first member declares it dead' },
  missedDetections: { unit: 'count', direction: 'smaller', description: 'crashed members not declared dead by every live member' },
  falseSuspicions: { unit: 'count', direction: 'smaller', description: 'live members suspected (refuted later)' },
  falsePositives: { unit: 'count', direction: 'smaller', description: 'live members declared dead' },
  messagesPerNodePerSec: { unit: 'count', direction: 'smaller', description: 'gossip and probe messages each member sends per second' },
};

function gossipSetup(req: ProtocolRunRequest): { setup: GossipSetup; options: GossipScenarioOptions } {
  const p = withDefaults(gossipParams, req.params);
  const d = p.dissemination.trim();
  if (d !== 'push' && d !== 'push-pull') throw new UsageError(`--dissemination: expected push or push-pull, got "${p.dissemination}"`);
  const setup: GossipSetup = {
    ...req.shared,
    fanout: parseIntFlag('--fanout', p.fanout, 1, 100),
    intervalUs: parsePositiveDurationUs('--gossip-interval', p.gossipInterval),
    pushPull: d === 'push-pull',
    probeIntervalUs: parsePositiveDurationUs('--probe-interval', p.probeInterval),
    probeTimeoutUs: parsePositiveDurationUs('--probe-timeout', p.probeTimeout),
    indirect: parseIntFlag('--indirect', p.indirect, 0, 100),
    suspicionMult: parseIntFlag('--suspicion-mult', p.suspicionMult, 1, 1000),
    retransmitMult: parseIntFlag('--retransmit-mult', p.retransmitMult, 1, 1000),
    maxPiggyback: parseIntFlag('--max-piggyback', p.maxPiggyback, 1, 100_000),
    updateBytes: parseBytes('--update-size', p.updateSize),
  };
  if (setup.probeTimeoutUs >= setup.probeIntervalUs) throw new UsageError(`--probe-timeout ${p.probeTimeout} must be below --probe-interval ${p.probeInterval}`);
  const options: GossipScenarioOptions = {
    scenario: req.scenario as GossipScenarioOptions['scenario'],
    updates: parseIntFlag('--updates', p.updates, 1, 100_000),
    crashes: parseIntFlag('--crash', p.crash, 0, Math.max(0, req.shared.nodes - 1)),
    rate: parsePositiveNumber('--gossip-rate', p.gossipRate),
    durationUs: req.durationUs,
    warmupUs: req.warmupUs,
  };
  return { setup, options };
}

export const gossipProtocol: ProtocolDefinition = {
  name: 'gossip',
  description: 'SWIM membership (ping, ping-req, suspicion, incarnations, piggybacking) with epidemic push / push-pull broadcast',
  suite: GOSSIP_SUITE,
  params: gossipParams,
  scenarios: [
    { name: 'convergence', description: '--updates broadcasts → roundsTo9999, roundsToAll, timeToAllUs against the epidemic model' },
    { name: 'failure-detection', description: '--crash members crashed after warmup → time to detection, false suspicions and positives under --loss' },
    { name: 'throughput', description: 'broadcasts at --gossip-rate → updates delivered everywhere per second, messages and bytes per update', comparison: true },
  ],
  defaultScenario: 'convergence',
  modes: ['sim'],
  maxNodes: 10_000,
  metrics: METRICS,
  tolerance: (n) => ({ crash: n - 1, byzantine: 0 }),
  ordersCommands: false,
  // No leader: crash-leader and isolate-leader do not apply.
  faultTargets: ['crash', 'crash-random', 'restart', 'partition', 'isolate', 'rates'],
  checkers: ['every live member learns every update', 'every crashed member detected by every live member'],
  async run(req) {
    const { setup, options } = gossipSetup(req);
    req.progress.log(`▶ gossip ${req.scenario} · sim · ${setup.nodes} nodes · fanout ${setup.fanout} · ${setup.pushPull ? 'push-pull' : 'push'} · seed ${req.seed}`);
    const r = await runGossipScenario(setup, options, { intervalUs: req.intervalUs, signal: req.signal, progress: req.progress });
    return { suites: [r.suite], aborted: r.aborted };
  },
};
