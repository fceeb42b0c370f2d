"""The pod template's `spec {}` and `container {}`, as in the real provider (updatable: no
field forces replacement). Fields the stand-in cannot honour are in the schema, so a
real-world configuration validates, but setting them is refused with the reason."""

from __future__ import annotations

from .fields import (
    BOOL,
    NUMBER,
    NUMBER_SET,
    NUMERIC_STRING,
    STRING_LIST,
    STRING_MAP,
    STRING_SET,
    Attr,
    Block,
    many,
    one,
    opt,
    optc,
    req,
)
from .quantities import same_quantities

NO_VOLUMES = "volumes are not supported by the stand-in's pods"
NO_SCHEDULER = "the stand-in has one node and no scheduler"
ONE_CONTAINER = "the stand-in runs exactly one container per pod"


def handler() -> tuple[Block, ...]:
    return (
        one("exec", opt("command", STRING_LIST)),
        one(
            "http_get",
            opt("host"),
            opt("path", server_default="/"),
            opt("scheme", default="HTTP", choices=("HTTP", "HTTPS")),
            opt("port", codec=NUMERIC_STRING),
            many("http_header", opt("name"), opt("value"), key="httpHeaders"),
        ),
        many("tcp_socket", req("port", codec=NUMERIC_STRING), api_object=True),
    )


def probe(name: str) -> Block:
    return one(
        name,
        *handler(),
        many("grpc", req("port", NUMBER), opt("service"), api_object=True,
             unsupported="gRPC probes are not run by the stand-in"),
        opt("failure_threshold", NUMBER, default=3),
        opt("initial_delay_seconds", NUMBER),
        opt("period_seconds", NUMBER, default=10),
        opt("success_threshold", NUMBER, default=1),
        opt("timeout_seconds", NUMBER, default=1),
    )  # fmt: skip


def key_ref(name: str) -> Block:
    return one(name, opt("key"), opt("name"), opt("optional", BOOL))


ENV = many(
    "env",
    req("name"),
    opt("value"),
    one(
        "value_from",
        key_ref("config_map_key_ref"),
        one("field_ref", opt("api_version", default="v1"), opt("field_path")),
        one("resource_field_ref", opt("container_name"), opt("divisor", default="1"),
            req("resource"), unsupported="the stand-in does not expose resources to pods"),
        key_ref("secret_key_ref"),
    ),
)  # fmt: skip

ENV_FROM = many(
    "env_from",
    one("config_map_ref", req("name"), opt("optional", BOOL)),
    opt("prefix"),
    one("secret_ref", req("name"), opt("optional", BOOL)),
)

SECURITY_CONTEXT = one(
    "security_context",
    opt("allow_privilege_escalation", BOOL, default=True),
    one("capabilities", opt("add", STRING_LIST), opt("drop", STRING_LIST)),
    opt("privileged", BOOL, default=False),
    opt("read_only_root_filesystem", BOOL, default=False),
    opt("run_as_group", codec=NUMERIC_STRING),
    opt("run_as_non_root", BOOL),
    opt("run_as_user", codec=NUMERIC_STRING),
    one("se_linux_options", opt("level"), opt("role"), opt("type"), opt("user"),
        unsupported="SELinux is not available to the stand-in's pods"),
    one("seccomp_profile", opt("type"), opt("localhost_profile"),
        unsupported="seccomp profiles are not applied by the stand-in"),
)  # fmt: skip


def container(name: str, key: str, unsupported: str | None = None) -> Block:
    return many(
        name,
        opt("args", STRING_LIST),
        opt("command", STRING_LIST),
        ENV,
        ENV_FROM,
        opt("image"),
        optc("image_pull_policy", choices=("Always", "Never", "IfNotPresent")),
        one("lifecycle", many("post_start", *handler()), many("pre_stop", *handler()),
            unsupported="lifecycle hooks are not run by the stand-in"),
        probe("liveness_probe"),
        req("name"),
        many(
            "port",
            req("container_port", NUMBER),
            opt("host_ip", key="hostIP", unsupported="pods publish on 127.0.0.1 only"),
            opt("host_port", NUMBER, unsupported="pods publish on a random loopback port"),
            opt("name"),
            opt("protocol", default="TCP", choices=("TCP", "UDP", "SCTP")),
            key="ports",
        ),
        probe("readiness_probe"),
        one(
            "resources",
            optc("limits", STRING_MAP, equal=same_quantities),
            optc("requests", STRING_MAP, equal=same_quantities),
            computed=True,
        ),
        SECURITY_CONTEXT,
        probe("startup_probe"),
        opt("stdin", BOOL, default=False),
        opt("stdin_once", BOOL, default=False),
        opt("termination_message_path", default="/dev/termination-log"),
        optc("termination_message_policy", choices=("File", "FallbackToLogsOnError")),
        opt("tty", BOOL, default=False),
        many("volume_mount", req("mount_path"), req("name"), opt("read_only", BOOL, default=False),
             opt("sub_path"), opt("mount_propagation", default="None"), key="volumeMounts",
             unsupported=NO_VOLUMES),
        opt("working_dir"),
        key=key,
        unsupported=unsupported,
    )  # fmt: skip


VOLUME = many(
    "volume",
    opt("name"),
    one("config_map", opt("default_mode", default="0644"), opt("name"), opt("optional", BOOL),
        many("items", opt("key"), opt("mode"), opt("path"))),
    one("secret", opt("default_mode", default="0644"), opt("secret_name"), opt("optional", BOOL),
        many("items", opt("key"), opt("mode"), opt("path"))),
    one("empty_dir", opt("medium", default=""), opt("size_limit")),
    one("host_path", opt("path"), opt("type")),
    one("persistent_volume_claim", opt("claim_name"), opt("read_only", BOOL, default=False)),
    key="volumes",
    unsupported=NO_VOLUMES,
)  # fmt: skip


def pod_spec_fields() -> tuple[Attr | Block, ...]:
    """`podSpecFields(isUpdatable=true, isComputed=false)`."""
    return (
        one("affinity", many("node_affinity"), many("pod_affinity"), many("pod_anti_affinity"),
            unsupported=NO_SCHEDULER),
        opt("active_deadline_seconds", NUMBER, unsupported="pods are never marked failed"),
        opt("automount_service_account_token", BOOL, default=True),
        container("container", "containers"),
        one("dns_config", opt("nameservers", STRING_LIST), many("option", req("name"),
            opt("value"), key="options"), opt("searches", STRING_LIST),
            unsupported="pods have no cluster DNS in the stand-in"),
        opt("dns_policy", default="ClusterFirst",
            choices=("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None")),
        opt("enable_service_links", BOOL, default=True),
        many("host_aliases", req("hostnames", STRING_LIST), req("ip"),
             unsupported="hosts files are not written by the stand-in"),
        opt("host_ipc", BOOL, default=False, key="hostIPC"),
        opt("host_network", BOOL, default=False),
        opt("host_pid", BOOL, default=False, key="hostPID"),
        optc("hostname", unsupported="pod host names are set by the stand-in"),
        many("image_pull_secrets", req("name"), computed=True),
        container("init_container", "initContainers", ONE_CONTAINER),
        optc("node_name", unsupported=NO_SCHEDULER),
        opt("node_selector", STRING_MAP, unsupported=NO_SCHEDULER),
        one("os", req("name"), unsupported="pods are Linux containers"),
        opt("priority_class_name", unsupported=NO_SCHEDULER),
        many("readiness_gate", req("condition_type"), computed=True, key="readinessGates",
             unsupported="pod conditions other than Ready are not kept"),
        opt("restart_policy", default="Always", choices=("Always", "OnFailure", "Never")),
        opt("runtime_class_name", unsupported="the stand-in has one container runtime"),
        optc("scheduler_name"),
        one("security_context", opt("fs_group", codec=NUMERIC_STRING),
            opt("fs_group_change_policy"), opt("run_as_group", codec=NUMERIC_STRING),
            opt("run_as_non_root", BOOL), opt("run_as_user", codec=NUMERIC_STRING),
            one("seccomp_profile", opt("type"), opt("localhost_profile")),
            one("se_linux_options", opt("level"), opt("role"), opt("type"), opt("user")),
            opt("supplemental_groups", NUMBER_SET),
            many("sysctl", req("name"), req("value"), key="sysctls"),
            unsupported="set security_context on the container instead"),
        optc("service_account_name"),
        opt("share_process_namespace", BOOL, default=False),
        opt("subdomain", unsupported="pods have no cluster DNS in the stand-in"),
        opt("termination_grace_period_seconds", NUMBER, default=30),
        many("toleration", opt("effect"), opt("key"), opt("operator", default="Equal"),
             opt("toleration_seconds", codec=NUMERIC_STRING), opt("value"),
             key="tolerations", unsupported=NO_SCHEDULER),
        many("topology_spread_constraint", opt("max_skew", NUMBER, default=1),
             opt("topology_key"), opt("when_unsatisfiable", default="DoNotSchedule"),
             many("label_selector", opt("match_labels", STRING_MAP)),
             key="topologySpreadConstraints", unsupported=NO_SCHEDULER),
        VOLUME,
    )  # fmt: skip


def selector_block() -> Block:
    """A Deployment's `selector {}`: forces replacement, as the API makes it immutable."""
    return one(
        "selector",
        many("match_expressions", opt("key", force_new=True), opt("operator", force_new=True),
             opt("values", STRING_SET, force_new=True), force_new=True),
        opt("match_labels", STRING_MAP, force_new=True),
        force_new=True,
    )  # fmt: skip
