// Template of an adapter module: `swarmperf run --backend module:./my-adapter.mjs` and
// `swarmperf contract module:./my-adapter.mjs`. Copy it, replace openYourClient() and the calls
// marked YOUR STORE, and delete the ports you do not have: their suites are reported as skipped.
// A worked, runnable example is examples/jsonfile-lock-adapter.mjs.
//
// Rules the suites rely on (the full contract with types: `import type { … } from 'swarmperf'`,
// src/targets/ports.ts):
//   - Every agent is its own process and imports this module itself: the state must live in your
//     store (a server, files), never in this module's memory.
//   - Methods may be sync or async. Errors should carry a `code` (e.g. 'VERSION_CONFLICT',
//     'TASK_NOT_FOUND', 'INVALID_ARGUMENT'); swarmperf records it as the failure reason.
//   - reset() must empty YOUR SCRATCH state: every suite and `contract` call it first. Point the
//     adapter at a test database or folder, never at data you keep.
//   - Times are epoch milliseconds; use options.now() when given (it is Date.now otherwise).

/** @typedef {import('swarmperf').PartialBackend} PartialBackend */

/** @type {import('swarmperf').CreateBackend} */
export async function createBackend(options) {
  const now = options.now ?? Date.now;
  const client = await openYourClient(); // YOUR STORE: connect to a scratch database or folder

  /** @type {PartialBackend} */
  const backend = {
    name: 'my-store',

    // TaskStore: claim() must hand each task to exactly one worker, even when many claim at once.
    tasks: {
      create: (task) => client.createTask({ ...task, dependsOn: task.dependsOn ?? [], createdAt: now() }), // → Task, status 'pending', version 1
      update: (id, patch, expectedVersion) => client.updateTask(id, patch, expectedVersion), // → Task, or throw {code: 'VERSION_CONFLICT'}
      claim: (workerId, filter) => client.claimNext(workerId, filter?.minPriority), // → Task (status 'claimed', claimedBy workerId) or null
      complete: (id, result) => client.completeTask(id, result), // → false when the task is not claimed
      list: (status) => client.listTasks(status), // → Task[]
      get: (id) => client.getTask(id), // → Task or null
    },

    // MemoryStore: namespace/key entries with TTL (ms) and glob search (`*` one segment, `**` any).
    // memory: { store, retrieve, delete, list, search, clear, export, import, purgeExpired },

    // AgentRegistry: { register, heartbeat, deregister, list, reapStale }
    // LeaderElection (fencing epochs): { campaign, renew, resign, current }
    // MessageBus (ordered per topic): { publish, subscribe, semantics }

    reset: () => client.deleteEverything(), // YOUR SCRATCH STORE ONLY
    close: () => client.close(),
  };
  return backend;
}

async function openYourClient() {
  throw Object.assign(new Error('adapter-template.mjs: replace openYourClient() with the client of your store'), { code: 'TEMPLATE' });
}
