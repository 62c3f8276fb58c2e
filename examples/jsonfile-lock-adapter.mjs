// An adapter module for `swarmperf --backend module:examples/jsonfile-lock-adapter.mjs`.
//
// It wraps a coordination store like the one many agent runtimes grow by themselves: JSON files
// (agents.json, tasks.json, memory.json) in one folder, each write done under a lock file. It
// provides three of the five ports (registry, tasks, memory); suites of the other two (election,
// bus) are reported as skipped.
//
// It carries one deliberate, realistic defect: claim() picks the task OUTSIDE the lock and locks
// only the write, so two agents that read tasks.json before either writes both "win" the same
// task. Set JSONSTORE_SAFE_CLAIM=1 to re-check the task under the lock (the fix); the tasks
// suite and `swarmperf contract` then pass.
//
// Where its files go: $JSONSTORE_DIR, else .jsonstore/ next to this file. Point it at scratch
// space, never at a store you care about: suites empty it (reset) before they run.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, openSync, closeSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** An error with the `code` swarmperf records as the failure reason. */
function coded(code, message) {
  return Object.assign(new Error(message), { code });
}

class JsonFiles {
  constructor(dir, now) {
    this.dir = dir;
    this.now = now;
    mkdirSync(dir, { recursive: true });
  }
  read(name, empty) {
    try {
      return JSON.parse(readFileSync(join(this.dir, name), 'utf8'));
    } catch (err) {
      if (err.code === 'ENOENT') return empty();
      throw err;
    }
  }
  write(name, value) {
    const tmp = join(this.dir, `${name}.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, join(this.dir, name));
  }
  /** Runs fn holding <name>.lock (O_EXCL create); a lock older than 5 s is taken over. */
  async locked(name, fn) {
    const lock = join(this.dir, `${name}.lock`);
    for (let attempt = 0; ; attempt++) {
      try {
        closeSync(openSync(lock, 'wx'));
        break;
      } catch (err) {
        if (err.code !== 'EEXIST') throw err;
        if (attempt > 5000) throw coded('LOCK_TIMEOUT', `${lock} stayed locked`);
        try {
          if (Date.now() - statSync(lock).mtimeMs > 5000) rmSync(lock, { force: true });
        } catch {
          // the holder just released it
        }
        await sleep(1);
      }
    }
    try {
      return await fn();
    } finally {
      rmSync(lock, { force: true });
    }
  }
}

const emptyTasks = () => ({ next: 1, tasks: {} });

function tasksPort(files, safeClaim) {
  const claimable = (state, filter) => {
    const done = (id) => state.tasks[id]?.status === 'completed';
    return Object.values(state.tasks)
      .filter((t) => t.status === 'pending' && t.dependsOn.every(done) && (filter?.minPriority === undefined || t.priority >= filter.minPriority))
      .sort((a, b) => b.priority - a.priority || a.createdAt - b.createdAt || a.seq - b.seq)[0];
  };
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- seq is the file's insertion order, not a port field
  const strip = ({ seq, ...task }) => task;
  return {
    create: (task) =>
      files.locked('tasks', () => {
        const state = files.read('tasks.json', emptyTasks);
        for (const d of task.dependsOn ?? []) if (!state.tasks[d]) throw coded('INVALID_ARGUMENT', `dependsOn: task ${d} does not exist`);
        const now = files.now();
        const seq = state.next++;
        const t = { id: `task-${seq}`, seq, title: task.title, priority: task.priority, dependsOn: [...(task.dependsOn ?? [])], status: 'pending', claimedBy: null, result: null, version: 1, createdAt: now, updatedAt: now };
        state.tasks[t.id] = t;
        files.write('tasks.json', state);
        return strip(t);
      }),
    update: (id, patch, expectedVersion) =>
      files.locked('tasks', () => {
        const state = files.read('tasks.json', emptyTasks);
        const t = state.tasks[id];
        if (!t) throw coded('TASK_NOT_FOUND', `task ${id} does not exist`);
        if (t.version !== expectedVersion) throw coded('VERSION_CONFLICT', `task ${id}: expected version ${expectedVersion}, found ${t.version}`);
        Object.assign(t, patch.title !== undefined ? { title: patch.title } : {}, patch.priority !== undefined ? { priority: patch.priority } : {});
        t.version++;
        t.updatedAt = files.now();
        files.write('tasks.json', state);
        return strip(t);
      }),
    async claim(workerId, filter) {
      // THE DEFECT: the choice is made on a read taken without the lock…
      const pick = claimable(files.read('tasks.json', emptyTasks), filter);
      if (!pick) return null;
      return files.locked('tasks', () => {
        const state = files.read('tasks.json', emptyTasks);
        // …and only the write is locked. The fix: choose again from what is read under the lock.
        const t = safeClaim ? claimable(state, filter) : state.tasks[pick.id];
        if (!t) return null;
        Object.assign(t, { status: 'claimed', claimedBy: workerId, version: t.version + 1, updatedAt: files.now() });
        files.write('tasks.json', state);
        return strip(t);
      });
    },
    complete: (id, result) =>
      files.locked('tasks', () => {
        const state = files.read('tasks.json', emptyTasks);
        const t = state.tasks[id];
        if (!t || t.status !== 'claimed') return false;
        Object.assign(t, { status: 'completed', result: result ?? null, version: t.version + 1, updatedAt: files.now() });
        files.write('tasks.json', state);
        return true;
      }),
    list: (status) => Object.values(files.read('tasks.json', emptyTasks).tasks).filter((t) => status === undefined || t.status === status).sort((a, b) => a.seq - b.seq).map(strip),
    get: (id) => {
      const t = files.read('tasks.json', emptyTasks).tasks[id];
      return t ? strip(t) : null;
    },
  };
}

function registryPort(files) {
  const read = () => files.read('agents.json', () => ({}));
  return {
    register: (agent) =>
      files.locked('agents', () => {
        const all = read();
        const now = files.now();
        const rec = { ...agent, registeredAt: all[agent.id]?.registeredAt ?? now, lastHeartbeat: now };
        all[agent.id] = rec;
        files.write('agents.json', all);
        return rec;
      }),
    heartbeat: (id) =>
      files.locked('agents', () => {
        const all = read();
        if (!all[id]) return false;
        all[id].lastHeartbeat = files.now();
        files.write('agents.json', all);
        return true;
      }),
    deregister: (id) =>
      files.locked('agents', () => {
        const all = read();
        if (!all[id]) return false;
        delete all[id];
        files.write('agents.json', all);
        return true;
      }),
    list: (filter) =>
      Object.values(read())
        .filter((a) => (filter?.role === undefined || a.role === filter.role) && (filter?.aliveSince === undefined || a.lastHeartbeat >= filter.aliveSince))
        .sort((a, b) => (a.id < b.id ? -1 : 1)),
    reapStale: (olderThanMs) =>
      files.locked('agents', () => {
        const all = read();
        const cutoff = files.now() - olderThanMs;
        const gone = Object.keys(all).filter((id) => all[id].lastHeartbeat < cutoff);
        for (const id of gone) delete all[id];
        files.write('agents.json', all);
        return gone.sort();
      }),
  };
}

/** `*` within one `/`-segment, `**` across segments, `?` one character. */
function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function memoryPort(files) {
  const live = (e) => e.expiresAt === null || e.expiresAt > files.now();
  const read = () => files.read('memory.json', () => ({}));
  const byKey = (a, b) => (a.fullKey < b.fullKey ? -1 : a.fullKey > b.fullKey ? 1 : 0);
  const checkName = (what, v) => {
    if (typeof v !== 'string' || v === '' || v.includes('/')) throw coded('INVALID_ARGUMENT', `${what} must be a non-empty string without "/", got ${JSON.stringify(v)}`);
  };
  return {
    store: (namespace, key, value, ttlMs) => {
      checkName('namespace', namespace);
      if (typeof key !== 'string' || key === '') throw coded('INVALID_ARGUMENT', 'key must be a non-empty string');
      if (ttlMs !== undefined && !(ttlMs > 0)) throw coded('INVALID_ARGUMENT', `ttlMs must be positive, got ${ttlMs}`);
      return files.locked('memory', () => {
        const all = read();
        const now = files.now();
        const fullKey = `${namespace}/${key}`;
        const old = all[fullKey];
        const e = { namespace, key, fullKey, value, createdAt: old && live(old) ? old.createdAt : now, updatedAt: now, expiresAt: ttlMs === undefined ? null : now + ttlMs };
        all[fullKey] = e;
        files.write('memory.json', all);
        return e;
      });
    },
    retrieve: (namespace, key) => {
      const e = read()[`${namespace}/${key}`];
      return e && live(e) ? e : null;
    },
    delete: (namespace, key) =>
      files.locked('memory', () => {
        const all = read();
        const e = all[`${namespace}/${key}`];
        if (!e) return false;
        delete all[`${namespace}/${key}`];
        files.write('memory.json', all);
        return live(e);
      }),
    list: (namespace, prefix = '') => Object.values(read()).filter((e) => live(e) && e.namespace === namespace && e.key.startsWith(prefix)).sort(byKey),
    search: (pattern, query) => {
      const re = globToRegExp(pattern);
      const q = query?.toLowerCase();
      return Object.values(read()).filter((e) => live(e) && re.test(e.fullKey) && (q === undefined || e.value.toLowerCase().includes(q))).sort(byKey);
    },
    clear: (namespace) =>
      files.locked('memory', () => {
        const all = read();
        const gone = Object.keys(all).filter((k) => all[k].namespace === namespace);
        for (const k of gone) delete all[k];
        files.write('memory.json', all);
        return gone.length;
      }),
    export: () => Object.values(read()).filter(live).sort(byKey),
    import: (entries) =>
      files.locked('memory', () => {
        const all = read();
        for (const e of entries) all[e.fullKey] = e;
        files.write('memory.json', all);
        return entries.length;
      }),
    purgeExpired: () =>
      files.locked('memory', () => {
        const all = read();
        const gone = Object.keys(all).filter((k) => !live(all[k]));
        for (const k of gone) delete all[k];
        files.write('memory.json', all);
        return gone.length;
      }),
  };
}

/** @param {{ modulePath: string, now?: () => number }} options */
export function createBackend(options) {
  const dir = process.env.JSONSTORE_DIR ?? join(dirname(options.modulePath), '.jsonstore');
  const files = new JsonFiles(dir, options.now ?? Date.now);
  const safeClaim = process.env.JSONSTORE_SAFE_CLAIM === '1';
  return {
    name: `jsonfile-lock${safeClaim ? ' (safe claim)' : ''}`,
    registry: registryPort(files),
    tasks: tasksPort(files, safeClaim),
    memory: memoryPort(files),
    // No election, no bus: those suites report "skipped".
    async reset() {
      await files.locked('tasks', () => files.write('tasks.json', emptyTasks()));
      await files.locked('agents', () => files.write('agents.json', {}));
      await files.locked('memory', () => files.write('memory.json', {}));
    },
    close() {},
  };
}
