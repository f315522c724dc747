#!/usr/bin/env bash
# Entry point of dockdjango's Debian-built RabbitMQ image, as the official image's:
# `rabbitmq-server` (or flags for it) runs the broker as `rabbitmq` with the defaults the
# RABBITMQ_DEFAULT_* variables give; any other command runs as it is.
set -Eeo pipefail

. /usr/local/lib/dockdjango/entrypoint-lib.sh  # log, die, file_env, run_init_scripts

# The RABBITMQ_DEFAULT_* given, as a conf.d file (RabbitMQ reads these variables itself
# only from 3.9.4 on; a file works on every version Debian ships).
write_defaults() {
	local conf=/etc/rabbitmq/conf.d/20-environment.conf
	: > "$conf"
	[ -z "${RABBITMQ_DEFAULT_USER:-}" ] || echo "default_user = $RABBITMQ_DEFAULT_USER" >> "$conf"
	[ -z "${RABBITMQ_DEFAULT_PASS:-}" ] || echo "default_pass = $RABBITMQ_DEFAULT_PASS" >> "$conf"
	[ -z "${RABBITMQ_DEFAULT_VHOST:-}" ] || echo "default_vhost = $RABBITMQ_DEFAULT_VHOST" >> "$conf"
	chmod 0640 "$conf"
}

main() {
	if [ "${1:0:1}" = '-' ]; then
		set -- rabbitmq-server "$@"
	fi
	if [ "$1" != rabbitmq-server ]; then
		exec "$@"
	fi
	local name
	for name in RABBITMQ_DEFAULT_USER RABBITMQ_DEFAULT_PASS RABBITMQ_DEFAULT_VHOST \
		RABBITMQ_ERLANG_COOKIE; do
		file_env "$name"
		[ -n "${!name}" ] || unset "$name"  # unset stays unset: RabbitMQ's defaults apply
	done
	if [ "$(id -u)" = 0 ]; then
		mkdir -p /var/lib/rabbitmq /etc/rabbitmq/conf.d
		write_defaults
		if [ -n "${RABBITMQ_ERLANG_COOKIE:-}" ]; then
			printf '%s' "$RABBITMQ_ERLANG_COOKIE" > /var/lib/rabbitmq/.erlang.cookie
			chmod 0600 /var/lib/rabbitmq/.erlang.cookie
		fi
		# Only what is not rabbitmq's already: a large existing data directory is left alone.
		find /var/lib/rabbitmq /etc/rabbitmq \! -user rabbitmq -exec chown rabbitmq:rabbitmq '{}' +
		exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups "$BASH_SOURCE" "$@"
	fi
	shift
	exec /usr/lib/rabbitmq/bin/rabbitmq-server "$@"
}

main "$@"
