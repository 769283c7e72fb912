#!/usr/bin/env bash
# A local pg_auto_failover formation for the failover tests (issue 21): a monitor and three data
# nodes (a primary and two secondaries, number_sync_standbys = 1), each its own data directory under
# DIR and its own port on 127.0.0.1, trust authentication, no TLS. For tests on one machine only.
#
# FORMATION (read by `start`, remembered in DIR) picks a weaker formation, to show what it loses
# (docs/storage.md, "High availability"; FormationGuaranteesTest):
#   default  a primary and two secondaries, both in the replication quorum, number_sync_standbys = 1
#   single   a primary and one secondary (in the quorum: synchronous while it is healthy)
#   async    a primary and one secondary with replication-quorum false: never synchronous
#
#   formation.sh start DIR BASE_PORT   monitor on BASE_PORT, nodes on BASE_PORT+1..; returns once
#                                      the formation is healthy (a primary, its secondaries); writes
#                                      DIR/url (the multi-host JDBC URL)
#   formation.sh wait DIR [SECONDS [N]] waits until there is a primary and N (all) healthy secondaries
#   formation.sh nodes DIR             "name port reportedstate goalstate health reportedlsn tli" per node
#   formation.sh wait-state DIR NAME STATE [SECONDS]  waits until node NAME reports STATE
#   formation.sh kill-node DIR NAME    kill -9 of node NAME (keeper and postmaster), whatever its role
#   formation.sh freeze-replication DIR  SIGSTOP of the primary's WAL senders: from now on no standby
#                                      receives WAL (prints their pids); a kill of the primary ends them
#   formation.sh freeze-standbys DIR   SIGSTOP of every standby's WAL receiver instead: WAL still leaves
#                                      the primary (into the standbys' sockets) but no standby writes
#                                      or acknowledges it until thawed (prints their pids)
#   formation.sh thaw-replication DIR  SIGCONT of whatever the two commands above froze
#   formation.sh perform-failover DIR  pg_autoctl perform failover (prints its output; fails if refused)
#   formation.sh perform-promotion DIR NAME  pg_autoctl perform promotion --name NAME (likewise)
#   formation.sh drop-node DIR NAME    pg_autoctl drop node --force --name NAME on the monitor: the
#                                      operator's "this node is gone for good"
#   formation.sh primary DIR           prints the name and port of the current primary ("node2 55402")
#   formation.sh state DIR             pg_autoctl show state
#   formation.sh kill-primary DIR      kill -9 of the primary's node: its pg_autoctl keeper and its
#                                      postmaster (killing only the postmaster makes the keeper
#                                      restart it in place: a crash restart, not a failover)
#   formation.sh kill-postmaster DIR   kill -9 of the primary's postmaster only: its keeper restarts
#                                      it in place (crash recovery); the monitor may or may not fail
#                                      over, depending on how fast that is
#   formation.sh restart-node DIR NAME starts a killed node again (it rejoins as a secondary)
#   formation.sh switchover DIR        pg_autoctl perform switchover (planned; waits until done)
#   formation.sh stop DIR              kill -9 of everything started from DIR (by the pids it
#                                      recorded: process groups and postmasters), then deletes DIR
#
# Failover is tuned for a test on one machine: monitor health checks every second, a node unhealthy
# after 3 s, primary_demote_timeout 5 s, the keepers' network_partition_timeout 3 s (pg_auto_failover's
# defaults: 20 s and 30 s). What each formation guarantees (synchronous or not, and when
# pg_auto_failover turns synchronous replication off): docs/storage.md, "High availability".
#
# Runs the PostgreSQL and pg_autoctl processes as the `postgres` user (re-executes itself with
# runuser when started as root). Needs Debian's postgresql-15-auto-failover (pg_autoctl 2.0).
set -euo pipefail

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
export PATH="$PG_BIN:$PATH"

die() { echo "formation.sh: $*" >&2; exit 1; }

if [[ $(id -u) -eq 0 ]]; then
  [[ $# -ge 2 ]] || die "usage: formation.sh start|wait|nodes|primary|state|kill-primary|kill-node|restart-node|switchover|stop DIR ..."
  if [[ $1 == start ]]; then
    mkdir -p "$2" && chown postgres: "$2"
  fi
  exec runuser -u postgres -- env FORMATION="${FORMATION:-}" "$0" "$@"
fi

cmd=${1:?command}
DIR=${2:?directory}
[[ -d $DIR ]] || die "$DIR does not exist"
DIR=$(cd "$DIR" && pwd)
# pg_autoctl keeps its configuration and state files under the XDG directories: keep them in DIR
export XDG_CONFIG_HOME="$DIR/xdg/config" XDG_DATA_HOME="$DIR/xdg/data" XDG_RUNTIME_DIR="$DIR/xdg/run"
export PG_AUTOCTL_DEBUG=0
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"

if [[ $cmd == start ]]; then
  FORMATION=${FORMATION:-default}
  case $FORMATION in
    default | single | async) echo "$FORMATION" >"$DIR/formation" ;;
    *) die "FORMATION must be default, single or async, not $FORMATION" ;;
  esac
elif [[ -f $DIR/formation ]]; then
  FORMATION=$(cat "$DIR/formation")
else
  FORMATION=default
fi
if [[ $FORMATION == default ]]; then NODES=(node1 node2 node3); else NODES=(node1 node2); fi
SECONDARIES=$((${#NODES[@]} - 1))

base_port() { cat "$DIR/base_port"; }
monitor_uri() { echo "postgres://autoctl_node@127.0.0.1:$(base_port)/pg_auto_failover?sslmode=disable"; }
monitor_sql() { psql -X -qAt -h 127.0.0.1 -p "$(base_port)" -U postgres -d pg_auto_failover -c "$1"; }

# runs pg_autoctl in the background, detached, logging to DIR/<name>.log; records its pid
launch() {
  local name=$1; shift
  setsid pg_autoctl "$@" >>"$DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$DIR/$name.pid"
}

# "name port reportedstate goalstate health reportedlsn tli" per data node, from the monitor
nodes() {
  monitor_sql "SELECT nodename, nodeport, reportedstate, goalstate, health, reportedlsn, reportedtli FROM pgautofailover.node ORDER BY nodeid" 2>/dev/null | tr '|' ' '
}

healthy() {
  local name port reported goal health rest primary=0 secondary=0
  while read -r name port reported goal health rest; do
    [[ -n $name ]] || continue
    if [[ $reported == primary && $goal == primary ]]; then primary=$((primary + 1)); fi
    if [[ $reported == secondary && $goal == secondary && $health == 1 ]]; then secondary=$((secondary + 1)); fi
  done < <(nodes)
  [[ $primary -eq 1 && $secondary -eq ${1:-$SECONDARIES} ]]
}

wait_healthy() {
  local seconds=${1:-120} secondaries=${2:-$SECONDARIES} i
  for ((i = 0; i < seconds * 5; i++)); do
    if healthy "$secondaries"; then return 0; fi
    sleep 0.2
  done
  nodes >&2 || true
  die "the formation in $DIR did not become healthy within $seconds s"
}

current_primary() {
  local name port reported goal health rest
  while read -r name port reported goal health rest; do
    if [[ $reported == primary && $goal == primary ]]; then echo "$name $port"; return 0; fi
  done < <(nodes)
  return 1
}

start_node() {
  local name=$1 port=$2 quorum=true
  # the async formation's secondary never takes part in the replication quorum
  [[ $FORMATION == async && $name != node1 ]] && quorum=false
  if [[ -f $DIR/$name/PG_VERSION ]]; then
    launch "$name" run --pgdata "$DIR/$name"
  else
    launch "$name" create postgres --pgdata "$DIR/$name" --pgport "$port" --pgctl "$PG_BIN/pg_ctl" \
      --hostname 127.0.0.1 --name "$name" --dbname test --monitor "$(monitor_uri)" \
      --auth trust --no-ssl --candidate-priority 50 --replication-quorum "$quorum" --run
  fi
}

# kill -9 of a node: its postmaster's children, then pg_autoctl's process group (the supervisor, its
# services and the postmaster they started), then the postmaster itself should it have left the group.
# A node killed before leaves a stale postmaster.pid (and no pid file of ours): its pid is used only if
# that process still runs in the node's data directory, never a pid reused by some other process.
kill_node() {
  local n=$1 pm=""
  if [[ -f $DIR/$n/postmaster.pid ]]; then
    pm=$(head -1 "$DIR/$n/postmaster.pid")
    [[ -n $pm && $(readlink "/proc/$pm/cwd" 2>/dev/null) == "$(readlink -f "$DIR/$n")" ]] || pm=""
  fi
  if [[ -n $pm ]]; then pkill -9 -P "$pm" 2>/dev/null || true; fi
  if [[ -f $DIR/$n.pid ]]; then kill -9 -- "-$(cat "$DIR/$n.pid")" 2>/dev/null || true; fi
  if [[ -n $pm ]]; then kill -9 "$pm" 2>/dev/null || true; fi
  rm -f "$DIR/$n.pid"
  return 0
}

case $cmd in
  start)
    port=${3:?base port}
    echo "$port" >"$DIR/base_port"
    launch monitor create monitor --pgdata "$DIR/monitor" --pgport "$port" --pgctl "$PG_BIN/pg_ctl" \
      --hostname 127.0.0.1 --auth trust --no-ssl --run
    for ((i = 0; i < 300; i++)); do
      pg_isready -q -h 127.0.0.1 -p "$port" -d pg_auto_failover && monitor_sql "SELECT 1 FROM pgautofailover.formation" >/dev/null 2>&1 && break
      sleep 0.2
    done
    # fail over within seconds of a node going silent (defaults: 20 s unhealthy, 30 s demote timeout)
    monitor_sql "ALTER SYSTEM SET pgautofailover.health_check_period = 1000" >/dev/null
    monitor_sql "ALTER SYSTEM SET pgautofailover.health_check_timeout = 1000" >/dev/null
    monitor_sql "ALTER SYSTEM SET pgautofailover.health_check_max_retries = 1" >/dev/null
    monitor_sql "ALTER SYSTEM SET pgautofailover.health_check_retry_delay = 500" >/dev/null
    monitor_sql "ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 3000" >/dev/null
    monitor_sql "ALTER SYSTEM SET pgautofailover.primary_demote_timeout = 5000" >/dev/null
    monitor_sql "SELECT pg_reload_conf()" >/dev/null
    start_node node1 $((port + 1))
    for ((i = 0; i < 600; i++)); do
      [[ $(nodes | awk '$1 == "node1" { print $3 }') == single ]] && break
      sleep 0.2
    done
    # the default formation wants one synchronous standby of two; the others keep pg_auto_failover's
    # default (0: with a single standby that means "synchronous while it is healthy", see docs/storage.md)
    nss=0
    [[ $FORMATION == default ]] && nss=1
    monitor_sql "SELECT pgautofailover.set_formation_number_sync_standbys('default', $nss)" >/dev/null 2>&1 || true
    for ((k = 2; k <= ${#NODES[@]}; k++)); do start_node "node$k" $((port + k)); done
    # pg_basebackup asks the primary for a spread checkpoint (up to minutes on an idle server, since
    # pg_autoctl passes no --checkpoint=fast): an immediate CHECKPOINT finishes it at once
    for ((i = 0; i < 600; i++)); do
      healthy && break
      psql -X -qAt -h 127.0.0.1 -p $((port + 1)) -U postgres -d postgres -c CHECKPOINT >/dev/null 2>&1 || true
      sleep 0.5
    done
    wait_healthy 60
    monitor_sql "SELECT pgautofailover.set_formation_number_sync_standbys('default', $nss)" >/dev/null
    for n in "${NODES[@]}"; do
      # a keeper that cannot reach the monitor nor a standby demotes itself after this (split brain)
      pg_autoctl config set --pgdata "$DIR/$n" timeout.network_partition_timeout 3 >/dev/null
    done
    wait_healthy 60
    hosts=""
    for ((k = 1; k <= ${#NODES[@]}; k++)); do hosts+="${hosts:+,}127.0.0.1:$((port + k))"; done
    echo "jdbc:postgresql://$hosts/test?targetServerType=primary&user=postgres" >"$DIR/url"
    ;;
  wait) wait_healthy "${3:-120}" "${4:-$SECONDARIES}" ;;
  nodes) nodes ;;
  wait-state)
    name=${3:?node name} state=${4:?state} seconds=${5:-120}
    for ((i = 0; i < seconds * 5; i++)); do
      [[ $(nodes | awk -v n="$name" '$1 == n { print $3 }') == "$state" ]] && exit 0
      sleep 0.2
    done
    nodes >&2 || true
    die "$name did not reach $state within $seconds s"
    ;;
  primary) current_primary || die "no primary now" ;;
  state) pg_autoctl show state --pgdata "$DIR/monitor" ;;
  kill-primary)
    read -r name port < <(current_primary) || die "no primary to kill"
    kill_node "$name"
    echo "$name $port"
    ;;
  kill-node)
    name=${3:?node name}
    kill_node "$name"
    ;;
  freeze-replication)
    read -r name port < <(current_primary) || die "no primary"
    pids=$(psql -X -qAt -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "SELECT pid FROM pg_stat_replication")
    [[ -n $pids ]] || die "the primary $name has no WAL sender"
    for p in $pids; do kill -STOP "$p"; done
    echo $pids >"$DIR/frozen"
    echo "$name" $pids
    ;;
  freeze-standbys)
    read -r primary port < <(current_primary) || die "no primary"
    all=""
    while read -r name port rest; do
      [[ -n $name && $name != "$primary" ]] || continue
      pids=$(psql -X -qAt -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "SELECT pid FROM pg_stat_wal_receiver")
      [[ -n $pids ]] || die "the standby $name has no WAL receiver"
      for p in $pids; do kill -STOP "$p"; done
      all+=" $pids"
    done < <(nodes)
    echo $all >"$DIR/frozen"
    echo "$primary" $all
    ;;
  thaw-replication)
    if [[ -f $DIR/frozen ]]; then
      for p in $(cat "$DIR/frozen"); do kill -CONT "$p" 2>/dev/null || true; done
      rm -f "$DIR/frozen"
    fi
    ;;
  perform-failover)
    pg_autoctl perform failover --pgdata "$DIR/monitor" --wait 0 2>&1
    ;;
  perform-promotion)
    pg_autoctl perform promotion --pgdata "$DIR/monitor" --name "${3:?node name}" --wait 0 2>&1
    ;;
  drop-node)
    pg_autoctl drop node --monitor "$(monitor_uri)" --formation default --name "${3:?node name}" --force --wait 0 2>&1
    ;;
  kill-postmaster)
    read -r name port < <(current_primary) || die "no primary to kill"
    kill -9 "$(head -1 "$DIR/$name/postmaster.pid")"
    echo "$name $port"
    ;;
  restart-node)
    name=${3:?node name}
    start_node "$name" 0
    ;;
  switchover)
    pg_autoctl perform switchover --pgdata "$DIR/monitor" >>"$DIR/switchover.log" 2>&1
    ;;
  stop)
    for n in "${NODES[@]}" monitor; do kill_node "$n"; done
    cd / && rm -rf "$DIR"
    ;;
  *) die "unknown command $cmd" ;;
esac
