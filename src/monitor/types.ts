/** The resource sampler's interface; the implementation lives in sampler.ts. */
import type { Resources, ResourceSample } from '../core/result.js';

export interface SampledProcess {
  pid: number;
  label: string;
}

export interface ResourceSamplerOptions {
  /** Sample period, ms (default 1000). */
  intervalMs?: number;
  /** Child processes to sample besides this one; called at each tick so workers can come and go. */
  children?: () => SampledProcess[];
  /**
   * Called with each sample as it is taken (own process and each child), so a live view sees
   * resources while the run goes; stop() still returns them all. A listener that throws is ignored.
   */
  onSample?: (sample: ResourceSample) => void;
}

export interface ResourceSampler {
  /** Stops sampling and returns every sample taken plus a summary. */
  stop(): Resources;
}
