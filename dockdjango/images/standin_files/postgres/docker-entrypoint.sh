#!/usr/bin/env bash
# Entry point of dockdjango's Debian-built PostgreSQL image.
#
# Honours the official postgres image's contract so compose files work unchanged:
#   POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_USER
#   (default postgres), POSTGRES_DB (default: the user's name), POSTGRES_INITDB_ARGS,
#   POSTGRES_INITDB_WALDIR, POSTGRES_HOST_AUTH_METHOD, each *_FILE variant of these,
#   PGDATA, and /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz run once, on first start.
# Started as root, it prepares PGDATA and re-executes itself as `postgres`, then runs the
# server as its child, turning SIGTERM into PostgreSQL's fast shutdown (see run_server).
set -Eeo pipefail

. /usr/local/lib/dockdjango/entrypoint-lib.sh  # log, die, file_env, run_init_scripts

setup_env() {
	# bitnami/postgresql's names, for compose files written for that image
	: "${POSTGRES_USER:=${POSTGRESQL_USERNAME:-}}" "${POSTGRES_DB:=${POSTGRESQL_DATABASE:-}}"
	: "${POSTGRES_PASSWORD:=${POSTGRESQL_PASSWORD:-${POSTGRESQL_POSTGRES_PASSWORD:-}}}"
	if [ "${ALLOW_EMPTY_PASSWORD:-}" = yes ] && [ -z "$POSTGRES_PASSWORD" ]; then
		: "${POSTGRES_HOST_AUTH_METHOD:=trust}"
	fi
	[ -n "$POSTGRES_USER" ] || unset POSTGRES_USER
	[ -n "$POSTGRES_DB" ] || unset POSTGRES_DB
	[ -n "$POSTGRES_PASSWORD" ] || unset POSTGRES_PASSWORD
	file_env POSTGRES_PASSWORD
	file_env POSTGRES_USER postgres
	file_env POSTGRES_DB "$POSTGRES_USER"
	file_env POSTGRES_INITDB_ARGS
	: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
	export POSTGRES_HOST_AUTH_METHOD
	DATABASE_ALREADY_EXISTS=
	if [ -s "$PGDATA/PG_VERSION" ]; then
		DATABASE_ALREADY_EXISTS=true
	fi
}

# Another major version's data cannot be opened: refuse it before anything (a chown, an
# initdb) writes to it, rather than let the server fail on every restart.
check_data_version() {
	local written
	[ -s "$PGDATA/PG_VERSION" ] || return 0
	written="$(cat "$PGDATA/PG_VERSION")"
	if [ "$written" != "$PG_MAJOR" ]; then
		die "$PGDATA holds data of PostgreSQL $written, and this is PostgreSQL $PG_MAJOR" \
			"(dockdjango's Debian stand-in), which cannot open it: not started, nothing in it" \
			"was changed. Ask for postgres:$written, or start with an empty volume"
	fi
}

# As root: make the directories the server needs and hand them to postgres.
prepare_dirs() {
	mkdir -p "$PGDATA"
	chmod 00700 "$PGDATA" || :
	mkdir -p /var/run/postgresql
	chmod 03775 /var/run/postgresql || :
	if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
		mkdir -p "$POSTGRES_INITDB_WALDIR"
		chmod 00700 "$POSTGRES_INITDB_WALDIR" || :
	fi
	if [ "$(id -u)" = 0 ]; then
		# Only what is not postgres's already: a large existing PGDATA is left alone.
		find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
		find /var/run/postgresql \! -user postgres -exec chown postgres:postgres '{}' +
		if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
			find "$POSTGRES_INITDB_WALDIR" \! -user postgres -exec chown postgres:postgres '{}' +
		fi
	fi
}

check_password() {
	if [ -n "$DATABASE_ALREADY_EXISTS" ]; then
		return
	fi
	if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
		die "the database is not initialised and POSTGRES_PASSWORD is not set: set" \
			"POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust to allow all connections" \
			"without a password, never in production)"
	fi
	if [ "${#POSTGRES_PASSWORD}" -ge 100 ]; then
		log "warning: POSTGRES_PASSWORD is 100 characters or longer; some clients truncate it"
	fi
}

init_cluster() {
	local args=(--username="$POSTGRES_USER")
	if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
		args+=(--waldir="$POSTGRES_INITDB_WALDIR")
	fi
	# The password through a pipe, so it never shows in `ps` or the logs.
	# shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a list of words on purpose
	initdb "${args[@]}" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") $POSTGRES_INITDB_ARGS

	# Inside the container, local (socket) connections are trusted, as in the official
	# image; from the network every connection needs the password method chosen.
	printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >> "$PGDATA/pg_hba.conf"
}

# A server on the Unix socket only, so nothing outside sees a half-initialised database.
start_temp_server() {
	PGUSER="$POSTGRES_USER" pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
}

stop_temp_server() {
	PGUSER="$POSTGRES_USER" pg_ctl -D "$PGDATA" -m fast -w stop
}

psql_init() {
	PGHOST=/var/run/postgresql PGPORT=5432 psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password \
		--username "$POSTGRES_USER" "$@"
}

create_database() {
	if [ "$POSTGRES_DB" = postgres ]; then
		return
	fi
	# psql interpolates :'var' and :"var" only in its input, not in -c: hence the pipes.
	local exists
	exists="$(echo "SELECT 1 FROM pg_database WHERE datname = :'db';" \
		| psql_init --dbname postgres -tA -v db="$POSTGRES_DB")"
	if [ -z "$exists" ]; then
		echo 'CREATE DATABASE :"db";' | psql_init --dbname postgres -q -v db="$POSTGRES_DB"
		log "created database $POSTGRES_DB"
	fi
}

psql_initdb() {
	psql_init --dbname "$POSTGRES_DB"
}

# The server as a child of this shell, which turns SIGTERM into SIGINT. For PostgreSQL,
# SIGTERM is a "smart" shutdown that waits for every client to disconnect, which can be
# forever; SIGINT is the "fast" one: roll back open transactions, close connections,
# checkpoint, exit 0. `docker stop` already sends SIGINT (STOPSIGNAL), but orchestrators
# and `docker kill` send SIGTERM. SIGHUP (reload) and SIGQUIT (immediate) pass through.
run_server() {
	"$@" &
	local child=$! status=0
	trap 'kill -INT "$child" 2>/dev/null || :' TERM INT
	trap 'kill -HUP "$child" 2>/dev/null || :' HUP
	trap 'kill -QUIT "$child" 2>/dev/null || :' QUIT
	# `wait` also returns when a trapped signal arrives: wait again while the server lives.
	while :; do
		wait "$child" && status=0 || status=$?
		if ! kill -0 "$child" 2>/dev/null; then
			break
		fi
	done
	exit "$status"
}

main() {
	# `docker run image -c shared_buffers=256MB` means flags for postgres.
	if [ "${1:0:1}" = '-' ]; then
		set -- postgres "$@"
	fi
	if [ "$1" != postgres ]; then
		exec "$@"
	fi

	setup_env
	check_data_version
	prepare_dirs
	if [ "$(id -u)" = 0 ]; then
		exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
	fi

	if [ -z "$DATABASE_ALREADY_EXISTS" ]; then
		check_password
		log "initialising a new database cluster in $PGDATA"
		init_cluster
		# Init scripts see these, as with the official image.
		export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}" PGUSER="$POSTGRES_USER"
		export PGDATABASE="$POSTGRES_DB" PGHOST=/var/run/postgresql
		start_temp_server
		create_database
		run_init_scripts psql_initdb
		stop_temp_server
		unset PGPASSWORD PGUSER PGDATABASE PGHOST
		log "PostgreSQL init process complete; ready for start up."
	else
		log "PostgreSQL database directory appears to contain a database; skipping initialisation"
	fi
	run_server "$@"
}

main "$@"
