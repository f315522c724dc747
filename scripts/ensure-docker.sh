#!/usr/bin/env bash
# Make sure a Docker engine answers, starting one if this is a Debian host and we are root.
# Idempotent: when `docker info` (or the socket) already answers, it does nothing.
# Env: DOCKDJANGO_DOCKERD_LOG (default /var/log/dockdjango-dockerd.log),
#      DOCKDJANGO_DOCKER_WAIT (seconds to wait for the socket, default 60).
set -euo pipefail

log_file=${DOCKDJANGO_DOCKERD_LOG:-/var/log/dockdjango-dockerd.log}
wait_s=${DOCKDJANGO_DOCKER_WAIT:-60}
sock=/var/run/docker.sock

say() { printf 'ensure-docker: %s\n' "$*" >&2; }

engine_answers() {
  if [ -n "${DOCKER_HOST:-}" ] || [ ! -S "$sock" ]; then
    command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1
    return
  fi
  # The socket answers /_ping even when no docker CLI is installed.
  if command -v curl >/dev/null 2>&1; then
    [ "$(curl -s --max-time 3 --unix-socket "$sock" http://localhost/_ping 2>/dev/null)" = "OK" ]
  else
    docker info >/dev/null 2>&1
  fi
}

if engine_answers; then
  say "Docker engine already answers (${DOCKER_HOST:-unix://$sock})"
  exit 0
fi

if [ -n "${DOCKER_HOST:-}" ]; then
  say "DOCKER_HOST=$DOCKER_HOST is set but the engine there does not answer; start it, or unset DOCKER_HOST"
  exit 1
fi

is_debian=false
[ -f /etc/debian_version ] && is_debian=true
if ! $is_debian || [ "$(id -u)" != 0 ]; then
  say "no Docker engine answers at unix://$sock."
  say "Install and start one: Docker Desktop (macOS/Windows) or Docker Engine (Linux, https://docs.docker.com/engine/install/),"
  say "then check that 'docker info' works. On a Debian host, run this script as root to do it for you."
  exit 1
fi

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" iptables >/dev/null
fi

# A daemon killed at the end of an earlier session leaves its pid files behind; dockerd
# refuses to start while one names a live process, so drop those that name no dockerd.
for pidfile in /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null || \
     ! grep -qE 'dockerd|containerd' "/proc/$pid/comm" 2>/dev/null; then
    say "removing stale pid file $pidfile (pid ${pid:-none} is not running)"
    rm -f "$pidfile"
  fi
done
if [ -S "$sock" ] && ! pgrep -x dockerd >/dev/null 2>&1; then
  rm -f "$sock"
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  say "starting dockerd (log: $log_file)"
  mkdir -p "$(dirname "$log_file")"
  # setsid: the daemon must not die with the shell (or make) that started it.
  setsid nohup dockerd --storage-driver=overlay2 >>"$log_file" 2>&1 < /dev/null &
fi

start=$(date +%s)
until engine_answers; do
  if [ $(( $(date +%s) - start )) -ge "$wait_s" ]; then
    say "dockerd did not answer on $sock within ${wait_s}s; last lines of $log_file:"
    tail -n 15 "$log_file" >&2 || true
    exit 1
  fi
  sleep 0.3
done
say "Docker engine is up after $(( $(date +%s) - start ))s"
