#!/usr/bin/env bash
# Agents on several hosts, reproduced on one machine (docs/multi-host.md, "Figures"): two network
# namespaces with a veth pair each, a Redis bound to the first pair's host-side address as control
# plane and store, one `swarmperf agent` per namespace, `swarmperf run tasks --remote-agents 2` here,
# RUNS times (default 3). Prints each run's hosts (operations, clock offsets) and checks, and the
# load average before and after. Needs root, iproute2, redis-server and a build (npm run build).
# Everything it makes is removed on exit.
set -euo pipefail
RUNS=${RUNS:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLI="$ROOT/bin/swarmperf.js"
S=$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
B1=10.177.$((RANDOM % 250)); B2=10.178.$((RANDOM % 250))
PORT=${PORT:-16399}
WORK=$(mktemp -d)
RP=
cleanup() {
  [ -n "$RP" ] && kill "$RP" 2>/dev/null || true
  ip netns del "fa$S" 2>/dev/null || true
  ip netns del "fb$S" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
for n in a b; do
  if [ $n = a ]; then B=$B1; else B=$B2; fi
  ip netns add "f$n$S"
  ip link add "fo$n$S" type veth peer name "fi$n$S"
  ip link set "fi$n$S" netns "f$n$S"
  ip addr add "$B.1/24" dev "fo$n$S"; ip link set "fo$n$S" up
  ip netns exec "f$n$S" ip addr add "$B.2/24" dev "fi$n$S"
  ip netns exec "f$n$S" ip link set "fi$n$S" up
  ip netns exec "f$n$S" ip link set lo up
  ip netns exec "f$n$S" ip route add default via "$B.1"
done
redis-server --bind "$B1.1" --port "$PORT" --save '' --appendonly no --protected-mode no > "$WORK/redis.log" 2>&1 & RP=$!
until redis-cli -h "$B1.1" -p "$PORT" ping >/dev/null 2>&1; do sleep 0.2; done
U=redis://$B1.1:$PORT
cd "$WORK"
for i in $(seq 1 "$RUNS"); do
  G=lab$i$S
  AGENTS=()
  for n in a b; do ip netns exec "f$n$S" node "$CLI" agent --control "$U" --control-group "$G" --name "ns-$n" --runs 1 --quiet & AGENTS+=($!); done
  echo "load before: $(cat /proc/loadavg)"
  node "$CLI" run tasks --agents 3 --remote-agents 2 --control "$U" --control-group "$G" --backend "$U?ns=lab$i" \
    --duration 5s --warmup 1s --json "o$i.json" --quiet --data-dir ./data || echo "run $i: exit $?"
  echo "load after:  $(cat /proc/loadavg)"
  wait "${AGENTS[@]}" || true
  node -e '
    const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).suites[0];
    for (const h of s.hosts) console.log(JSON.stringify(h));
    console.log("operations", s.operations.reduce((n, o) => n + o.count, 0));
    for (const c of s.checks) console.log(`${c.passed ? "ok" : "FAILED"} ${c.name}: ${c.detail}`);
  ' "o$i.json"
done
