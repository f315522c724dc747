# entrypoint-lib.sh -- what the stand-ins' entry points (bash) share; sourced, not run.

log() { printf '%s [entrypoint] %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" "$*"; }
die() { log "error: $*" >&2; exit 1; }

# file_env VAR [DEFAULT]: VAR from $VAR, or from the file $VAR_FILE names (Docker
# secrets), never both; else DEFAULT. Exported; VAR_FILE is unset.
file_env() {
	local var="$1" default="${2:-}"
	local file_var="${var}_FILE"
	if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
		die "both $var and $file_var are set; set only one"
	fi
	local value="$default"
	if [ -n "${!var:-}" ]; then
		value="${!var}"
	elif [ -n "${!file_var:-}" ]; then
		[ -r "${!file_var}" ] || die "$file_var=${!file_var}: file not readable"
		value="$(< "${!file_var}")"
	fi
	export "$var"="$value"
	unset "$file_var"
}

# run_init_scripts COMMAND...: /docker-entrypoint-initdb.d, in name order, as the official
# images run it on first start: *.sh run (sourced when not executable, so they see this
# shell's variables), *.sql, *.sql.gz, *.sql.xz and *.sql.zst fed to COMMAND's stdin.
run_init_scripts() {
	local f
	for f in /docker-entrypoint-initdb.d/*; do
		[ -e "$f" ] || continue
		case "$f" in
			*.sh)
				if [ -x "$f" ]; then
					log "running $f"
					"$f"
				else
					log "sourcing $f"
					# shellcheck disable=SC1090
					. "$f"
				fi
				;;
			*.sql) log "running $f"; "$@" < "$f" ;;
			*.sql.gz) log "running $f"; gunzip -c "$f" | "$@" ;;
			*.sql.xz) log "running $f"; xzcat "$f" | "$@" ;;
			*.sql.zst) log "running $f"; zstd -dc "$f" | "$@" ;;
			*) log "ignoring $f (not .sh, .sql, .sql.gz, .sql.xz or .sql.zst)" ;;
		esac
	done
}
