"""The keys Compose allows in each section, as Compose's own JSON Schema says.

The Compose Specification's schema (``compose_spec.json``, which the Compose binary embeds
and validates every file with) is the authority; this table is what it says, section by
section -- the top level, a service, ``build``, ``healthcheck``, ``deploy``, a mount, a
network, a volume, a secret or config reference -- in the schema's order.
``tests/compose/test_spec_schema.py`` reads the schema out of the Compose binary this
project is tested against and fails, printing the new row, when any entry here differs, so
a key a newer Compose adds is known here too: a service key dockdjango does not model yet is
kept as written (and ``up`` says it does not apply it). The validate+canonicalise stage
takes its key lists from here and keeps its own checks of values, each with a hint.
"""

from __future__ import annotations


def _keys(words: str) -> tuple[str, ...]:
    return tuple(words.split())


#: schema path -> the property names allowed there. ``("service",)`` is the schema's
#: ``definitions.service``; further names walk its properties, ``"*"`` a map's values.
SPEC_KEYS: dict[tuple[str, ...], tuple[str, ...]] = {
    (): _keys("version name include services models networks volumes secrets configs"),
    ("network",): _keys(
        "name driver driver_opts ipam external internal enable_ipv4 enable_ipv6 attachable labels"
    ),
    ("volume",): _keys("name driver driver_opts external labels"),
    ("network", "ipam", "config"): _keys("subnet ip_range gateway aux_addresses"),
    ("service_config_or_secret",): _keys("source target uid gid mode"),
    ("service",): _keys(
        "develop deploy annotations attach build blkio_config cap_add cap_drop cgroup "
        "cgroup_parent command configs container_name cpu_count cpu_percent cpu_shares "
        "cpu_quota cpu_period cpu_rt_period cpu_rt_runtime cpus cpuset credential_spec "
        "depends_on device_cgroup_rules devices dns dns_opt dns_search domainname entrypoint "
        "env_file label_file environment expose extends provider external_links extra_hosts "
        "gpus group_add healthcheck hostname image init ipc isolation labels links logging "
        "mac_address mem_limit mem_reservation mem_swappiness memswap_limit network_mode "
        "models networks oom_kill_disable oom_score_adj pid pids_limit platform ports "
        "post_start pre_stop privileged profiles pull_policy pull_refresh_after read_only "
        "restart runtime scale security_opt shm_size secrets sysctls stdin_open "
        "stop_grace_period stop_signal storage_opt tmpfs tty ulimits use_api_socket user uts "
        "userns_mode volumes volumes_from working_dir"
    ),
    ("healthcheck",): _keys("disable interval retries test timeout start_period start_interval"),
    ("service", "networks", "*"): _keys(
        "aliases interface_name ipv4_address ipv6_address link_local_ips mac_address "
        "driver_opts priority gw_priority"
    ),
    ("service", "build"): _keys(
        "context dockerfile dockerfile_inline entitlements args ssh labels cache_from "
        "cache_to no_cache additional_contexts network provenance sbom pull target shm_size "
        "extra_hosts isolation privileged secrets tags ulimits platforms"
    ),
    ("deployment",): _keys(
        "mode endpoint_mode replicas labels rollback_config update_config resources "
        "restart_policy placement"
    ),
    ("devices",): _keys("capabilities count device_ids driver options"),
    ("service", "volumes"): _keys(
        "type source target read_only consistency bind volume tmpfs image"
    ),
    ("service", "volumes", "bind"): _keys("propagation create_host_path recursive selinux"),
    ("service", "volumes", "volume"): _keys("labels nocopy subpath"),
    ("service", "volumes", "tmpfs"): _keys("size mode"),
    ("service", "volumes", "image"): _keys("subpath"),
}


def keys_of(*path: str) -> tuple[str, ...]:
    """The property names Compose's schema allows at ``path`` (see `SPEC_KEYS`)."""
    return SPEC_KEYS[path]
