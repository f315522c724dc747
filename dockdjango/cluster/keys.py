"""Compose service keys, one by one: what dockdjango makes of each on Swarm and Kubernetes.

``SWARM`` and ``KUBE`` name every key the conversion carries over and what it becomes.
A key a project sets that is in neither table's keys has no meaning on that target: it
is listed in the conversion's one warning (:func:`note_unconverted`), never dropped
silently. Parts of converted keys that have no meaning (a port's ``host_ip``, a
``depends_on`` entry's ``restart``) are noted by the converters themselves.
docs/deploy.md shows the same tables beside ``docker stack deploy`` and kompose.
"""

from __future__ import annotations

from typing import Any

from dockdjango.cluster.notes import Notes
from dockdjango.compose import Service

#: Converted on Swarm: key -> what it becomes.
SWARM: dict[str, str] = {
    "image": "the service's image (a locally built or present image by id: no registry look-up)",
    "build": "built first with dockdjango's builder; the service runs the result",
    "command": "ContainerSpec.Args",
    "entrypoint": "ContainerSpec.Command",
    "environment": "ContainerSpec.Env (sorted)",
    "env_file": "merged into the environment",
    "ports": "EndpointSpec.Ports (host_ip has no Swarm meaning)",
    "expose": "nothing to do: every port is reachable on the service's networks",
    "volumes": "mounts: named volumes labelled with the stack, binds, tmpfs",
    "tmpfs": "tmpfs mounts",
    "depends_on": "start order at deploy time (waits for started/healthy/completed)",
    "healthcheck": "ContainerSpec.Healthcheck; a task counts as running once healthy",
    "restart": "RestartPolicy when deploy.restart_policy is not set",
    "networks": "overlay networks, the service name as alias",
    "labels": "container labels",
    "working_dir": "ContainerSpec.Dir",
    "user": "ContainerSpec.User",
    "init": "ContainerSpec.Init",
    "stop_signal": "ContainerSpec.StopSignal",
    "stop_grace_period": "ContainerSpec.StopGracePeriod",
    "profiles": "applied when loading: inactive services are not deployed",
    "extra_hosts": "ContainerSpec.Hosts",
    "tty": "ContainerSpec.TTY",
    "stdin_open": "ContainerSpec.OpenStdin",
    "hostname": "ContainerSpec.Hostname",
    "read_only": "ContainerSpec.ReadOnly",
    "platform": "Placement.Platforms",
    "deploy": "mode, replicas, labels, resources, restart_policy, update_config, "
    "rollback_config, placement, endpoint_mode",
    "scale": "replicas (when deploy.replicas is not set)",
    "cpus": "Resources.Limits.NanoCPUs (when deploy sets no cpu limit)",
    "mem_limit": "Resources.Limits.MemoryBytes (when deploy sets no memory limit)",
    "mem_reservation": "Resources.Reservations.MemoryBytes",
    "pids_limit": "Resources.Limits.Pids",
    "cap_add": "ContainerSpec.CapabilityAdd",
    "cap_drop": "ContainerSpec.CapabilityDrop",
    "ulimits": "ContainerSpec.Ulimits",
    "sysctls": "ContainerSpec.Sysctls",
    "dns": "ContainerSpec.DNSConfig.Nameservers",
    "dns_search": "ContainerSpec.DNSConfig.Search",
    "dns_opt": "ContainerSpec.DNSConfig.Options",
    "group_add": "ContainerSpec.Groups",
    "isolation": "ContainerSpec.Isolation",
    "logging": "TaskTemplate.LogDriver",
    "secrets": "swarm secrets, created from the project's secrets",
    "configs": "swarm configs, created from the project's configs",
    "label_file": "merged into labels",
    "extends": "resolved when loading",
}

#: Converted on Kubernetes: key -> what it becomes.
KUBE: dict[str, str] = {
    "image": "container image",
    "build": "the image name the build is tagged with (push it where the cluster pulls)",
    "command": "container args",
    "entrypoint": "container command",
    "environment": "envFrom a ConfigMap, and a Secret for secret-looking names",
    "env_file": "merged into the environment, as above",
    "ports": "containerPorts and a ClusterIP Service (published ports: see notes)",
    "expose": "containerPorts and a ClusterIP Service",
    "volumes": "named: volumeClaimTemplates (one service) or a PVC (shared); tmpfs and "
    "anonymous: emptyDir",
    "tmpfs": "emptyDir in memory",
    "depends_on": "init containers that wait for the dependency's Service (started/healthy); "
    "completed_successfully: the dependency runs as an init container",
    "healthcheck": "readiness and liveness probes (startup probe for start_period)",
    "restart": "checked: pods of a Deployment always restart",
    "networks": "one flat pod network: non-default networks noted",
    "labels": "pod annotations",
    "working_dir": "workingDir",
    "user": "securityContext.runAsUser/runAsGroup (numeric ids)",
    "stop_grace_period": "terminationGracePeriodSeconds",
    "profiles": "applied when loading: inactive services are not converted",
    "extra_hosts": "hostAliases",
    "tty": "tty",
    "stdin_open": "stdin",
    "hostname": "hostname",
    "privileged": "securityContext.privileged",
    "read_only": "securityContext.readOnlyRootFilesystem",
    "pull_policy": "imagePullPolicy",
    "deploy": "replicas, resources, update_config (strategy), placement constraints on node "
    "labels and hostname (nodeSelector), labels (annotations)",
    "scale": "replicas (when deploy.replicas is not set)",
    "cpus": "resources.limits.cpu (when deploy sets no cpu limit)",
    "mem_limit": "resources.limits.memory (when deploy sets no memory limit)",
    "mem_reservation": "resources.requests.memory",
    "cap_add": "securityContext.capabilities.add",
    "cap_drop": "securityContext.capabilities.drop",
    "sysctls": "pod securityContext.sysctls",
    "dns": "dnsConfig.nameservers",
    "dns_search": "dnsConfig.searches",
    "dns_opt": "dnsConfig.options",
    "group_add": "securityContext.supplementalGroups (numeric ids)",
    "secrets": "Secrets from the project's secret files, mounted at their targets",
    "configs": "ConfigMaps from the project's config files, mounted at their targets",
    "label_file": "merged into labels",
    "extends": "resolved when loading",
    "annotations": "pod annotations",
}

#: Why a key has no meaning on a target, where a reason helps more than "no meaning".
WHY_NOT = {
    "container_name": "the orchestrator names containers (a replica count would clash)",
    "network_mode": "services join the stack's networks",
    "links": "services reach each other by name on their networks",
    "external_links": "services reach each other by name on their networks",
    "privileged": "Swarm services cannot run privileged",
    "devices": "Swarm services cannot map devices",
    "pull_policy": "Swarm nodes decide when to pull",
    "init": "the image's entrypoint is PID 1; add tini to the image",
    "stop_signal": "Kubernetes sends SIGTERM",
    "develop": "a local development setting",
    "restart": "",
}


def set_keys(service: Service) -> list[str]:
    """The compose keys this service sets, sorted (``x-`` extensions are not keys)."""
    keys: list[str] = []
    for name in type(service).model_fields:
        if name in ("other", "extensions"):
            continue
        value: Any = getattr(service, name)
        if value is None or value == [] or value == {}:
            continue
        if name == "networks" and set(value) == {"default"} and value["default"] is None:
            continue  # the implicit default network, not something the user wrote
        keys.append(name)
    keys += [k for k in service.other if not k.startswith("x-")]
    return sorted(set(keys))


def note_unconverted(services: dict[str, Service], table: dict[str, str], notes: Notes) -> None:
    """Note every key of ``services`` that ``table`` does not convert."""
    for name, service in sorted(services.items()):
        for key in set_keys(service):
            if key not in table:
                notes.left_out(f"services.{name}.{key}", WHY_NOT.get(key, ""))
