"""A compose project carried onto cluster engines: Docker Swarm and Kubernetes (pure code).

This package reads the typed ``dockdjango.compose.Project`` and imports nothing of
``engine``, ``api`` or ``cli`` (and never ``docker``), so everything here is testable
without a daemon:

- ``cluster.keys``: what each compose key becomes on Swarm and on Kubernetes, and which
  keys a project sets that have no meaning there (listed in one warning, never dropped
  silently);
- ``cluster.ordering``: ``depends_on`` conditions as start waves (neither engine orders
  services by itself); ``cluster.settings``: ``deploy`` settings both targets read;
- ``cluster.swarm`` (with ``swarm_parts`` and ``swarm_objects``): the Swarm plan — service
  specs in the Engine API's JSON shape, overlay networks, configs and secrets, with
  ``docker stack``'s labels;
- ``cluster.kube`` (with ``kube_objects``, ``kube_container``, ``kube_pod`` and
  ``kube_volumes``): Kubernetes manifests, deterministic, optionally as a Kustomize
  base; ``cluster.kube_validate`` checks them offline in strict mode.
"""
