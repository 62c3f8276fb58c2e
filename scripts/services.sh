#!/usr/bin/env bash
# Starts, stops or reports the coordination servers the backend adapters and their tests use:
# PostgreSQL (127.0.0.1:5432), Redis (6379), NATS with JetStream (4222) and etcd (2379). Only
# servers whose Debian package is installed are touched; `start` leaves a running one alone.
#
#   bash scripts/services.sh start|stop|status [postgres|redis|nats|etcd ...]   (default: all four)
#
# Prints one line per server saying what it did. Exit status: 0, or 1 when a server that should be
# up (start) is not up in the end.
set -uo pipefail

ETCD_DATA=${SWARMPERF_ETCD_DATA:-/var/lib/swarmperf-etcd}
ETCD_LOG=${SWARMPERF_ETCD_LOG:-/var/log/swarmperf-etcd.log}
ETCD_PID=${SWARMPERF_ETCD_PID:-/run/swarmperf-etcd.pid}

port_of() {
  case "$1" in postgres) echo 5432 ;; redis) echo 6379 ;; nats) echo 4222 ;; etcd) echo 2379 ;; esac
}

# Something accepts TCP connections on 127.0.0.1:<port>.
listening() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

installed() {
  case "$1" in
    postgres) command -v pg_ctlcluster >/dev/null && [ -n "$(ls /etc/postgresql 2>/dev/null)" ] ;;
    redis) command -v redis-server >/dev/null ;;
    nats) [ -x /usr/sbin/nats-server ] ;;
    etcd) command -v etcd >/dev/null ;;
  esac
}

# Waits up to ~15 s for the server to accept connections (etcd: to report itself healthy).
wait_up() {
  for _ in $(seq 1 150); do
    if [ "$1" = etcd ]; then
      curl -fsS --max-time 1 http://127.0.0.1:2379/health 2>/dev/null | grep -q '"health":"true"' && return 0
    else
      listening "$(port_of "$1")" && return 0
    fi
    sleep 0.1
  done
  return 1
}

start_one() {
  case "$1" in
    postgres) pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start ;;
    redis)
      mkdir -p /var/lib/redis /var/log/redis
      redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
      ;;
    nats)
      mkdir -p /var/lib/nats-server
      start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
      ;;
    etcd)
      mkdir -p "$ETCD_DATA" && chmod 700 "$ETCD_DATA"
      setsid etcd --name swarmperf --data-dir "$ETCD_DATA" \
        --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
        --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
        --initial-cluster swarmperf=http://127.0.0.1:2380 >>"$ETCD_LOG" 2>&1 </dev/null &
      echo $! >"$ETCD_PID"
      ;;
  esac
}

stop_one() {
  case "$1" in
    postgres) pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main stop ;;
    redis) redis-cli -p 6379 shutdown nosave ;;
    nats) start-stop-daemon --stop --oknodo --retry 5 --exec /usr/sbin/nats-server ;;
    etcd)
      # Only the etcd this script started (by its pid file), never another one.
      if [ -f "$ETCD_PID" ]; then
        kill "$(cat "$ETCD_PID")" 2>/dev/null
        rm -f "$ETCD_PID"
      else
        echo "etcd: not started by this script (no $ETCD_PID); left alone"
        return 1
      fi
      ;;
  esac
}

action=${1:-}
shift || true
services=("$@")
[ ${#services[@]} -eq 0 ] && services=(postgres redis nats etcd)
case "$action" in start | stop | status) ;; *)
  echo "usage: bash scripts/services.sh start|stop|status [postgres|redis|nats|etcd ...]" >&2
  exit 2
  ;;
esac

status=0
for s in "${services[@]}"; do
  port=$(port_of "$s")
  if [ -z "$port" ]; then
    echo "services.sh: unknown service \"$s\"; known: postgres redis nats etcd" >&2
    exit 2
  fi
  if ! installed "$s"; then
    echo "$s: not installed (skipped)"
    continue
  fi
  case "$action" in
    status)
      if listening "$port"; then echo "$s: up on 127.0.0.1:$port"; else echo "$s: down"; fi
      ;;
    start)
      if listening "$port"; then
        echo "$s: already up on 127.0.0.1:$port"
      elif start_one "$s" >/dev/null && wait_up "$s"; then
        echo "$s: started on 127.0.0.1:$port"
      else
        echo "$s: FAILED to start (see its log)" >&2
        status=1
      fi
      ;;
    stop)
      if ! listening "$port"; then
        echo "$s: already down"
      elif stop_one "$s"; then
        # Wait (up to ~15 s) until the port is free, so a start right after finds it free.
        for _ in $(seq 1 150); do listening "$port" || break; sleep 0.1; done
        echo "$s: stopped"
      else
        status=1
      fi
      ;;
  esac
done
exit $status
