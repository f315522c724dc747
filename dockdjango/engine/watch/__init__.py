"""``watch``: follow file changes and bring each burst of them into the running stack.

``watch`` applies the ``develop.watch`` rules (:mod:`dockdjango.compose.develop_watch`) to
each burst; ``watchsync`` copies files into a running container (one tar per burst,
deletes with ``rm``). Modules here import the top of ``engine``, ``engine.up``,
``engine.project``, ``compose`` and ``errors``.
"""
