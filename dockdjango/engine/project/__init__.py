"""A running project's commands: ``down``/``stop``/``start``/``ps``/``port``, logs, exec, run.

``lifecycle`` (by the project's labels), ``logs``, ``execs`` and ``terminal`` (a TTY wired
to a container), ``attach`` (every service's output, stdin for one), ``kill``, ``run`` (a
one-off container of a service, as ``docker compose run``), ``oneoff`` (a command in an
image, its output collected) and ``host_ports`` (the host ports containers hold). Modules
here import the top of ``engine``, ``engine.up``
(``run`` converges a service's dependencies first), ``engine.testing``, ``compose`` and
``errors``.
"""
