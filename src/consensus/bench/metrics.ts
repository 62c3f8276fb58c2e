/** Units and directions of the consensus.raft suite metrics, so compare, trends and alerts read them right. */
import { declareSuiteMetric, type MetricInfo } from '../../results/metrics.js';

const SUITE = 'consensus.raft';

const METRICS: Record<string, MetricInfo> = {
  committedOpsPerSec: { unit: 'ops/s', direction: 'bigger', description: 'commands committed and answered per second' },
  messagesPerOp: { unit: 'count', direction: 'smaller', description: 'Raft messages between nodes per committed command' },
  bytesPerOp: { unit: 'bytes', direction: 'smaller', description: 'Raft bytes between nodes per committed command' },
  successRate: { unit: 'ratio', direction: 'bigger', description: 'share of commands that succeeded' },
  splitVotes: { unit: 'count', direction: 'smaller', description: 'extra election terms needed after leader crashes' },
  electionsWithSplitVote: { unit: 'count', direction: 'smaller', description: 'elections that needed more than one term' },
  termsPerElection: { unit: 'count', direction: 'smaller', description: 'mean terms from a crash to a new leader' },
  failedElections: { unit: 'count', direction: 'smaller', description: 'crashes not followed by a new leader in time' },
  availabilityLeader: { unit: 'ratio', direction: 'bigger', description: 'share of time a majority followed a live leader' },
  availabilityRequests: { unit: 'ratio', direction: 'bigger', description: 'share of 100 ms windows in which a command succeeded' },
  recoveryMaxUs: { unit: 'us', direction: 'smaller', description: 'longest time from a fault to the next successful command' },
  unrecoveredFaults: { unit: 'count', direction: 'smaller', description: 'faults after which no command succeeded' },
  lostAcknowledgedWrites: { unit: 'count', direction: 'smaller', description: 'acknowledged writes missing from the committed log (must be 0)' },
  leaderChanges: { unit: 'count', direction: 'smaller', description: 'leaders elected during the run' },
  deliveriesPerSec: { unit: 'ops/s', direction: 'bigger', description: 'simulated message deliveries per wall second' },
  simSpeedup: { unit: 'ratio', direction: 'bigger', description: 'simulated seconds per wall second' },
  wallSeconds: { unit: 'none', direction: 'smaller', description: 'wall time the simulation took' },
};

let declared = false;

export function declareRaftMetrics(): void {
  if (declared) return;
  declared = true;
  for (const [name, info] of Object.entries(METRICS)) declareSuiteMetric(SUITE, name, info);
}
