# Shared by test/harness/run_tests.sh and demo.sh (sourced, not run): dependencies,
# the staged build and throw-away clusters.  Nothing here writes to the system's
# PostgreSQL directories: the build is installed with DESTDIR into a work directory
# and clusters find it through Debian's extension_destdir + dynamic_library_path.

PGVER=15
PGBIN=/usr/lib/postgresql/$PGVER/bin
PG_CONFIG=$PGBIN/pg_config
# Debian packages the suite needs, and the command each provides.
REALMAP_PACKAGES="postgresql-$PGVER postgresql-server-dev-$PGVER postgresql-$PGVER-cron
  postgresql-$PGVER-pgtap libtap-parser-sourcehandler-pgtap-perl libcurl4-openssl-dev
  nlohmann-json3-dev libgumbo-dev pkg-config libgtest-dev cmake g++ make python3 perl curl
  clang-14 libclang-rt-14-dev chromium"

# The server and initdb refuse to run as root: as root they run as user postgres.
if [ "$(id -u)" = 0 ]; then PGOSUSER=postgres; AS=(runuser -u postgres --)
else PGOSUSER=$(id -un); AS=(); fi

T0=$(date +%s.%N)
T_LAST=$T0
# phase NAME: prints how long the phase just finished took.
phase() {
  local now; now=$(date +%s.%N)
  awk -v n="$1" -v a="$now" -v b="$T_LAST" -v c="$T0" \
    'BEGIN { printf "### %-22s %7.1f s   (total %6.1f s)\n", n, a - b, a - c }'
  T_LAST=$now
}

# ensure_packages: as root installs what is missing; otherwise names it and fails.
ensure_packages() {
  local missing="" p
  for p in $REALMAP_PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "realmap: missing Debian packages:$missing" >&2
    echo "install them with:  sudo apt-get install -y$missing" >&2
    return 1
  fi
  echo "installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 || {
    apt-get update >/dev/null && apt-get install -y --no-install-recommends $missing >/dev/null
  }
}

# make_workdir: a directory the postgres user owns (a clone under /root is not
# readable by it).  Sets WORK.
make_workdir() {
  WORK=$(mktemp -d /tmp/realmap.XXXXXX)
  chmod 755 "$WORK"
}

# remove_workdir: stops every cluster under $WORK (immediately) and removes it, or
# keeps it with KEEP=1.  For EXIT traps: it never fails.
remove_workdir() {
  if [ -n "${WORK:-}" ] && [ -d "$WORK" ]; then
    local pidfile
    for pidfile in "$WORK"/*/data/postmaster.pid; do
      [ -f "$pidfile" ] && "${AS[@]}" "$PGBIN/pg_ctl" -D "$(dirname "$pidfile")" -m immediate -w stop >/dev/null 2>&1
    done
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
  fi
  return 0
}

# build_and_stage ROOT: builds with PGXS and installs into $WORK/stage.
build_and_stage() {
  make -C "$1" -s -j"$(nproc)" PG_CONFIG="$PG_CONFIG" >"$WORK/build.log" 2>&1 || {
    cat "$WORK/build.log"; return 1; }
  if grep -E 'warning:' "$WORK/build.log" >/dev/null; then
    echo "build warnings:"; grep -E 'warning:' "$WORK/build.log"
  fi
  STAGE=$WORK/stage
  make -C "$1" -s install DESTDIR="$STAGE" PG_CONFIG="$PG_CONFIG" >>"$WORK/build.log" 2>&1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# init_cluster DIR PRELOAD [extra conf lines...]: initdb + configuration, not started.
init_cluster() {
  local dir=$1 preload=$2; shift 2
  mkdir -p "$dir"; [ "$(id -u)" = 0 ] && chown "$PGOSUSER": "$dir"
  "${AS[@]}" "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync \
    -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; return 1; }
  local libdir; libdir=$($PG_CONFIG --pkglibdir)
  {
    echo "port = $(free_port)"
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$dir'"
    # fsync off is safe for process crashes and immediate restarts (the OS keeps the
    # pages); synchronous_commit stays on so a crash test really tests durability.
    echo "fsync = off"
    echo "full_page_writes = off"
    echo "synchronous_commit = on"
    echo "max_worker_processes = 32"
    echo "log_line_prefix = '%m [%p] %b '"
    echo "extension_destdir = '$STAGE'"
    echo "dynamic_library_path = '$STAGE$libdir:\$libdir'"
    echo "shared_preload_libraries = '$preload'"
    local line; for line in "$@"; do echo "$line"; done
  } >>"$dir/data/postgresql.conf"
}

start_cluster() {  # start_cluster DIR
  "${AS[@]}" "$PGBIN/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 60 start >/dev/null || {
    tail -20 "$1/server.log"; return 1; }
}

stop_cluster() {  # stop_cluster DIR [mode]
  [ -f "$1/data/postmaster.pid" ] && "${AS[@]}" "$PGBIN/pg_ctl" -D "$1/data" -m "${2:-fast}" -w stop >/dev/null 2>&1
  return 0
}

cluster_port() { sed -n "s/^port = //p" "$1/data/postgresql.conf" | tail -1; }
