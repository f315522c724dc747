#!/usr/bin/env bash
# Make sure a Podman API service answers on a Docker-compatible socket, installing Podman and
# starting `podman system service` if this is a Debian host and we are root. Idempotent: when
# the socket already answers /_ping, it does nothing. It never touches a Docker daemon.
# Env: DOCKDJANGO_PODMAN_SOCKET (default /run/podman/podman.sock),
#      DOCKDJANGO_PODMAN_LOG (default /var/log/dockdjango-podman.log),
#      DOCKDJANGO_PODMAN_WAIT (seconds to wait for the socket, default 30).
# Prints the DOCKER_HOST to use on stdout (the only line it writes there).
set -euo pipefail

sock=${DOCKDJANGO_PODMAN_SOCKET:-/run/podman/podman.sock}
log_file=${DOCKDJANGO_PODMAN_LOG:-/var/log/dockdjango-podman.log}
wait_s=${DOCKDJANGO_PODMAN_WAIT:-30}

say() { printf 'ensure-podman: %s\n' "$*" >&2; }
answers() {
  [ -S "$sock" ] && command -v curl >/dev/null 2>&1 &&
    [ "$(curl -s --max-time 3 --unix-socket "$sock" http://d/_ping 2>/dev/null)" = OK ]
}

if answers; then
  say "Podman already answers on unix://$sock"
  echo "unix://$sock"
  exit 0
fi
if [ ! -f /etc/debian_version ] || [ "$(id -u)" != 0 ]; then
  say "no Podman service answers on unix://$sock."
  say "Start one: podman system service --time=0 unix://$sock  (rootless: systemctl --user start podman.socket)"
  exit 1
fi

need=()
command -v podman >/dev/null 2>&1 || need+=(podman)
# `init: true` needs catatonit where Podman looks for it; Debian only recommends it, and an
# installed tini does not count.
[ -x /usr/libexec/podman/catatonit ] || need+=(catatonit)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

# A host that may not raise rlimits (no CAP_SYS_RESOURCE: inside a container or a sandboxed
# VM) fails every container with "error setting rlimit type 7" under Podman's defaults
# (nofile 1048576, nproc 4194304). Podman lowers its own nproc to 32768 at start, so the
# containers get the hard nofile limit and that nproc. The service reads this at start.
conf=/etc/containers/containers.conf.d/50-dockdjango-ulimits.conf
cap_eff=$(awk '/^CapEff/ {print $2}' /proc/self/status)
if [ ! -f "$conf" ] && (( ((16#$cap_eff >> 24) & 1) == 0 )); then
  nofile=$(ulimit -Hn)
  say "this host forbids raising rlimits: containers get nofile=$nofile, nproc=32768 ($conf)"
  mkdir -p "$(dirname "$conf")"
  printf '[containers]\ndefault_ulimits = [\n  "nofile=%s:%s",\n  "nproc=32768:32768",\n]\n' \
    "$nofile" "$nofile" >"$conf"
fi

mkdir -p "$(dirname "$sock")" "$(dirname "$log_file")"
[ -S "$sock" ] && rm -f "$sock"   # a service killed earlier leaves its socket behind
say "starting podman system service (log: $log_file)"
# setsid: the service must not die with the shell (or make) that started it.
setsid nohup podman system service --time=0 "unix://$sock" >>"$log_file" 2>&1 </dev/null &

start=$(date +%s)
until answers; do
  if [ $(( $(date +%s) - start )) -ge "$wait_s" ]; then
    say "no answer on $sock within ${wait_s}s; last lines of $log_file:"
    tail -n 15 "$log_file" >&2 || true
    exit 1
  fi
  sleep 0.2
done
say "Podman $(podman version --format '{{.Server.Version}}' 2>/dev/null || echo '?') answers after $(( $(date +%s) - start ))s"
echo "unix://$sock"
