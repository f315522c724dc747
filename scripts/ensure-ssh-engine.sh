#!/usr/bin/env bash
# Set up this machine so that tests can reach its own Docker engine over ssh, as they would
# reach an engine on another machine (DOCKER_HOST=ssh://ddremote@127.0.0.1:PORT): the
# OpenSSH server and a user of its own, `ddremote`, in the docker group. The tests start
# their own sshd (on a free port of 127.0.0.1, keys made per session); nothing here starts
# a service or opens a port. Idempotent. Needs root on a Debian host.
set -euo pipefail
user=${DOCKDJANGO_SSH_USER:-ddremote}
say() { printf 'ensure-ssh-engine: %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ] || [ ! -f /etc/debian_version ]; then
  say "needs root on a Debian host (to install openssh-server and add the user $user)"
  exit 1
fi
need=()
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # policy-rc.d may forbid starting the distribution's sshd here: not needed anyway
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || [ -x /usr/sbin/sshd ]
fi
getent group docker >/dev/null || groupadd --system docker
if ! id "$user" >/dev/null 2>&1; then
  say "adding user $user (group docker, no password: keys only)"
  useradd --create-home --shell /bin/bash --groups docker "$user"
fi
# A new account is locked ('!'), and sshd without PAM refuses a locked account even for a
# key: '*' means no password can work, and the account is not locked.
usermod -p '*' "$user"
id -nG "$user" | grep -qw docker || usermod -aG docker "$user"
mkdir -p /run/sshd
say "ready: $user may use the Docker engine; tests start their own sshd"
