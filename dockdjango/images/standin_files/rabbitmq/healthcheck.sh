#!/bin/sh
# Healthy once the broker listens for AMQP on 5672: it opens its listeners only after it
# has booted. Read from the kernel's socket table, so no client connects (a connection
# would log a warning every few seconds) and no Erlang VM starts (rabbitmq-diagnostics
# costs seconds of CPU).
exec awk 'FNR > 1 && $2 ~ /:1628$/ && $4 == "0A" { found = 1 } END { exit !found }' \
	/proc/net/tcp /proc/net/tcp6
