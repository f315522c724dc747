"""The validate+canonicalise stage of the loader: each key checked, short forms made long.

``canonical`` and ``toplevel`` walk a file's tree; one module per kind of key does the
checking and the long forms (``ports``, ``mounts``, ``build_config``, ``numbers``,
``nested``, ``passthrough`` for keys kept as written, ``deploy_keys``, ``shellwords`` for
``command`` strings), all on ``shapes``' located type checks; ``spec_keys`` says which
keys each section may hold, as Compose's own JSON Schema (``compose_spec.json``) does. Pure:
the modules here import the loader's ``tree``, ``scalars`` and ``paths`` (the located
tree they check), the top of ``compose`` (``durations``) and ``dockdjango.errors``, never
the pipeline itself.
"""
