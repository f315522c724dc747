"""The only package that imports ``docker``: everything that talks to the engine, by job.

The top holds what every room shares: ``client`` (the one place a client is made) and
``address``, ``failures`` (the one boundary where the SDK's exceptions become ours),
``labels`` (Compose's labels), ``image_store`` (look-ups, pulls, imports), ``progress``
(the events a stack operation reports), ``stop``, and ``probes`` (healthchecks run through
exec, so a health gate need not wait out the engine's interval). The rooms: ``up`` (plan,
apply, wait), ``project`` (a running project's lifecycle, logs, exec, attach, kill,
``run``), ``builds`` (BuildKit), ``watch``, ``swarm`` and ``testing`` (containers for test
sessions). Modules here import ``docker``, ``compose``, ``detection``, ``images``,
``cluster`` and ``errors``; rooms import the top and the rooms before them (``up`` <-
``project`` <- ``watch``, ``testing`` <- ``builds``), never ``api`` or anything above.
"""
