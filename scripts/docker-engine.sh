#!/usr/bin/env bash
# Make sure a Docker engine answers; start a private one if none does.
#
#   eval "$(scripts/docker-engine.sh start)"   # prints export lines
#   scripts/docker-engine.sh stop              # stops it, only if we started it
#   scripts/docker-engine.sh status
#
# "start" is idempotent. If `docker info` already answers (the caller's
# DOCKER_HOST, the default socket, or an engine this script started earlier)
# nothing is started. Otherwise dockerd runs in the background as in
# docs/design-docker.md: vfs storage (no overlay support needed), no iptables,
# no bridge (builds use --network=host, runs use --network=none), its own
# socket, state under $KS_DOCKER_DIR (default /var/tmp/ks-docker, kept between
# runs so the layer cache survives a stop).
#
# stdout carries only shell assignments, so `eval` is safe:
#   export DOCKER_HOST=unix:///var/tmp/ks-docker/docker.sock
#   KS_DOCKERD_STARTED=1        (0 when an engine was already there)
# Diagnostics go to stderr.
set -euo pipefail

D="${KS_DOCKER_DIR:-/var/tmp/ks-docker}"
SOCK="$D/docker.sock"
PIDFILE="$D/dockerd.pid"
WAIT="${KS_DOCKER_WAIT:-60}"

log() { printf 'docker-engine: %s\n' "$*" >&2; }

answers() { timeout 10 docker info >/dev/null 2>&1; }

ours_alive() {
    [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

start() {
    if ours_alive && DOCKER_HOST="unix://$SOCK" answers; then
        log "engine from an earlier start is running (pid $(cat "$PIDFILE"))"
        printf 'export DOCKER_HOST=unix://%s\nKS_DOCKERD_STARTED=0\n' "$SOCK"
        return 0
    fi
    if answers; then
        log "an engine already answers at ${DOCKER_HOST:-the default socket}"
        printf 'export DOCKER_HOST=%s\nKS_DOCKERD_STARTED=0\n' \
            "${DOCKER_HOST:-unix:///var/run/docker.sock}"
        return 0
    fi
    command -v dockerd >/dev/null || {
        log "no dockerd: apt-get install -y docker.io"; return 1; }
    mkdir -p "$D/root" "$D/exec"
    rm -f "$SOCK" "$PIDFILE"
    # setsid: the engine must not die with the caller's process group, and
    # must not hold the caller's stdout open (eval "$(...)" would hang).
    setsid dockerd --storage-driver=vfs --iptables=false --ip6tables=false \
        --bridge=none --data-root="$D/root" --exec-root="$D/exec" \
        --pidfile="$PIDFILE" -H "unix://$SOCK" \
        </dev/null >"$D/dockerd.log" 2>&1 &
    local i
    for ((i = 0; i < WAIT; i++)); do
        if DOCKER_HOST="unix://$SOCK" answers; then
            log "started dockerd (pid $(cat "$PIDFILE"), log $D/dockerd.log)"
            printf 'export DOCKER_HOST=unix://%s\nKS_DOCKERD_STARTED=1\n' "$SOCK"
            return 0
        fi
        sleep 1
    done
    log "dockerd did not answer within ${WAIT}s; last log lines:"
    tail -n 20 "$D/dockerd.log" >&2 || true
    return 1
}

stop() {
    if ! ours_alive; then
        log "no engine started by this script is running"
        return 0
    fi
    local pid i
    pid="$(cat "$PIDFILE")"
    kill "$pid"
    for ((i = 0; i < 30; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "dockerd (pid $pid) ignored SIGTERM for 30s; sending SIGKILL"
        kill -9 "$pid" 2>/dev/null || true
        sleep 1
    fi
    # dockerd leaves its network namespace mount (exec/netns/default) behind;
    # without this the state folder cannot be removed.
    local m
    findmnt -rn -o TARGET 2>/dev/null | grep -F "$D/" | sort -r |
        while read -r m; do umount "$m" 2>/dev/null || true; done
    log "stopped dockerd (pid $pid)"
}

status() {
    if ours_alive; then
        echo "running: pid $(cat "$PIDFILE"), DOCKER_HOST=unix://$SOCK"
    elif answers; then
        echo "an engine not started by this script answers"
    else
        echo "no engine"; return 1
    fi
}

case "${1:-start}" in
start) start ;;
stop) stop ;;
status) status ;;
*) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;;
esac
