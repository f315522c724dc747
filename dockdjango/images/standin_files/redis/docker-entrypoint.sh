#!/bin/sh
# Entry point of dockdjango's Debian-built Redis image, as the official image's:
# `redis-server ...` runs as the redis user, listening on every interface with protected
# mode off unless the arguments (or a config file) say otherwise; any other command runs
# as it is (`redis-cli`, `sh`).
set -e

# `docker run image --appendonly yes` means flags for redis-server
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi

if [ "$1" = redis-server ]; then
	case " $* " in
		*" --protected-mode "*) ;;
		*) set -- "$@" --protected-mode no ;;
	esac
	case " $* " in
		*" --bind "*|*.conf*) ;;
		*) set -- "$@" --bind '*' '-::*' ;;
	esac
	if [ "$(id -u)" = 0 ]; then
		find . \! -user redis -exec chown redis:redis '{}' + 2>/dev/null || :
		exec setpriv --reuid=redis --regid=redis --init-groups "$@"
	fi
fi
exec "$@"
