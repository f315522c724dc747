"""``up``: converge the engine to a project in three named steps — plan, apply, wait.

``converge`` runs them; ``observe`` reads the project's containers by their labels,
``actions`` plans keep/start/create/recreate/remove per container, ``apply`` carries the
plan out (``resources`` first: networks, volumes, images; ``create_request`` turns a typed
`Service` into the container-create request; ``replace`` recreates crash-safely) and
``health`` waits until services are running, healthy or done; ``outcome`` is what ``up``
returns. Modules here import the top of ``engine``, ``compose`` and ``errors``;
``project`` and ``watch`` build on them.
"""
