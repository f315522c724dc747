"""Docker Swarm through the SDK: apply a plan, watch it converge, a one-node swarm for tests.

``swarm_apply`` creates configs, secrets, networks and services from the pure plan of
:mod:`dockdjango.cluster.swarm` and removes a stack; ``swarm_watch`` waits for a service's
tasks; ``swarm_local`` joins a one-node swarm for a while. Modules here import the top of
``engine``, ``cluster``, ``compose`` and ``errors``.
"""
