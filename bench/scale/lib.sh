# bench/scale/lib.sh - what the bench/scale drivers share (sourced, bash):
# the build, a work directory, opensrs-sim, a PostgreSQL cluster of
# tests/lib/pgcluster and `regman serve` nodes. See docs/bench.md.
#
#   scale_setup TARGET...   the release build (BENCH_BUILD_DIR, default
#                           build-bench, configured when missing) with the
#                           ninja TARGETs built; sets ROOT, BUILD, REGMAN,
#                           SIM and WORK (a new directory, removed at exit
#                           unless BENCH_KEEP=1), and a cleanup trap that
#                           stops every process and cluster started here
#   sim_start [ARG...]      opensrs-sim on 127.0.0.1 (plain HTTP) with the
#                           reseller bench:$SIM_KEY; sets SIM_PORT, SIM_CTL
#   sim_post PATH JSON      POST to the sim's control API
#   sim_count ACTION        requests of ACTION the sim received since the
#                           last /counts/reset
#   pg_start                a durable cluster (PGCLUSTER_DURABLE=1: fsync
#                           and synchronous commits on); sets PG_URL
#   pg_createdb NAME [TPL]  a database NAME (a copy of TPL when given);
#                           prints its URL
#   pg_sql URL SQL          run SQL with psql, print the unaligned result
#   regman_init DIR [URL]   `regman init` in DIR (on URL, else SQLite), with
#                           log_level info; the config is DIR/regman.conf
#   rg CONF COMMAND [ARG...]  a regman command on CONF
#   node_dir_copy SRC DST   DST becomes another node of SRC's installation
#                           (its config and master key)
#   node_start DIR          `regman serve` on DIR/regman.conf, listening on
#                           a free port of 127.0.0.1, log DIR/serve.log;
#                           appends to NODE_PIDS and NODE_PORTS once ready
#   nodes_stop              SIGTERM every node, wait for them
#   node_set CONF KEY VALUE set KEY = VALUE in the [registrar] section

SIM_KEY=9a1b2c3d4e5f60718293a4b5c6d7e8f9
NODE_PIDS=()
NODE_PORTS=()
SIM_PID=
PG_DIR=

scale_cleanup() {
    local p
    for p in "${NODE_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${NODE_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ -n "$SIM_PID" ]; then
        kill "$SIM_PID" 2>/dev/null || true
        wait "$SIM_PID" 2>/dev/null || true
    fi
    if [ -n "$PG_DIR" ]; then
        if [ "${BENCH_KEEP:-0}" = 1 ]; then
            echo "# kept the cluster (stopped) in $PG_DIR" >&2
            runuser -u postgres -- "$(pg_config --bindir)/pg_ctl" -D "$PG_DIR/data" \
                -m fast stop >/dev/null 2>&1 || true
        else
            "$ROOT/tests/lib/pgcluster" stop "$PG_DIR" || true
        fi
    fi
    if [ "${BENCH_KEEP:-0}" = 1 ]; then
        echo "# kept $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}

scale_setup() {
    ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    BUILD=${BENCH_BUILD_DIR:-$ROOT/build-bench}
    case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
    if [ ! -f "$BUILD/build.ninja" ]; then
        meson setup "$BUILD" "$ROOT" --buildtype=release -Dtests=false >/dev/null
    fi
    ninja -C "$BUILD" src/cli/regman src/sim/opensrs-sim "$@" >/dev/null
    REGMAN=$BUILD/src/cli/regman
    SIM=$BUILD/src/sim/opensrs-sim
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/regman-bench-scale.XXXXXX")
    chmod 755 "$WORK" # the postgres user reaches the cluster inside it
    trap scale_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

sim_start() {
    rm -f "$WORK/sim.ready"
    "$SIM" --listen 127.0.0.1:0 --control 127.0.0.1:0 \
        --reseller "bench:$SIM_KEY" --ready-file "$WORK/sim.ready" \
        --log "$WORK/sim.log" --max-connections 4096 "$@" &
    SIM_PID=$!
    for _ in $(seq 1000); do [ -s "$WORK/sim.ready" ] && break; sleep 0.01; done
    SIM_PORT=$(sed -n 's/^listen=127.0.0.1://p' "$WORK/sim.ready")
    SIM_CTL=http://$(sed -n 's/^control=//p' "$WORK/sim.ready")
    [ -n "$SIM_PORT" ] || { echo "bench: opensrs-sim did not start" >&2; exit 1; }
}

sim_post() {
    curl -sf -X POST -H 'Content-Type: application/json' -d "$2" \
        "$SIM_CTL$1" >/dev/null
}

sim_count() {
    curl -sf "$SIM_CTL/counts" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["actions"].get(sys.argv[1], 0))' "$1"
}

pg_start() {
    PG_DIR=$WORK/pg
    PG_URL=$(PGCLUSTER_DURABLE=1 "$ROOT/tests/lib/pgcluster" start "$PG_DIR" | tail -n 1)
}

pg_createdb() {
    if [ $# -ge 2 ]; then
        psql -X -q -v ON_ERROR_STOP=1 -d "$PG_URL" \
            -c "CREATE DATABASE $1 TEMPLATE $2" >/dev/null
        echo "${PG_URL%/*}/$1"
    else
        "$ROOT/tests/lib/pgcluster" createdb "$PG_URL" "$1"
    fi
}

pg_sql() {
    psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

regman_init() {
    local dir=$1
    mkdir -p "$dir"
    if [ $# -ge 2 ]; then
        "$REGMAN" init --dir "$dir" --database "$2" >/dev/null
    else
        "$REGMAN" init --dir "$dir" >/dev/null
    fi
    sed -i 's/^log_level = .*/log_level = info/' "$dir/regman.conf"
}

rg() {
    local conf=$1 cmd=$2
    shift 2
    "$REGMAN" "$cmd" -c "$conf" "$@"
}

node_set() {
    local conf=$1 key=$2 value=$3
    if grep -q "^$key = " "$conf"; then
        sed -i "s|^$key = .*|$key = $value|" "$conf"
    else
        sed -i "s|^\[registrar\]\$|[registrar]\n$key = $value|" "$conf"
    fi
}

node_dir_copy() {
    mkdir -p "$2"
    cp "$1/regman.conf" "$2/regman.conf"
    install -m 600 "$1/master.key" "$2/master.key"
    sed -i "s|$1/|$2/|g" "$2/regman.conf"
}

node_start() {
    local dir=$1 pid
    rm -f "$dir/serve.ready"
    "$REGMAN" serve -c "$dir/regman.conf" --listen 127.0.0.1:0 \
        --ready-file "$dir/serve.ready" >>"$dir/serve.log" 2>&1 &
    pid=$!
    for _ in $(seq 3000); do
        [ -s "$dir/serve.ready" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.01
    done
    if [ ! -s "$dir/serve.ready" ]; then
        echo "bench: regman serve in $dir did not start; its log ends:" >&2
        tail -n 20 "$dir/serve.log" >&2
        exit 1
    fi
    NODE_PIDS+=("$pid")
    NODE_PORTS+=("$(sed 's/.*://' "$dir/serve.ready" | head -n 1)")
}

nodes_stop() {
    local p
    for p in "${NODE_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${NODE_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    NODE_PIDS=()
    NODE_PORTS=()
}
