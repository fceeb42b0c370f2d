"""Planning, validation and read-back without Terraform or a cluster."""

from __future__ import annotations

import copy
from typing import Any

from tf.gen import tfplugin_pb2 as pb
from tf.types import Unknown
from tf.utils import Diagnostics, read_dynamic_value, to_dynamic_value

from world.terraform.k8s_provider.core import Namespace, Secret, Service
from world.terraform.k8s_provider.networking import Ingress
from world.terraform.k8s_provider.plugin import K8sServicer
from world.terraform.k8s_provider.provider import K8sProvider
from world.terraform.k8s_provider.quantities import same_quantities
from world.terraform.k8s_provider.workloads import Deployment

PROVIDER = K8sProvider()


def container(**extra: Any) -> dict[str, Any]:
    return {
        "name": "app",
        "image": "web:v1",
        "port": [{"container_port": 8080, "name": "http"}],
        "readiness_probe": [{"http_get": [{"path": "/healthz", "port": "http"}]}],
        **extra,
    }


def deployment_config(**spec: Any) -> dict[str, Any]:
    labels = {"app": "web"}
    return {
        "metadata": [{"name": "web", "namespace": "prod", "labels": dict(labels)}],
        "spec": [
            {
                "replicas": "2",
                "selector": [{"match_labels": dict(labels)}],
                "template": [
                    {"metadata": [{"labels": dict(labels)}], "spec": [{"container": [container()]}]}
                ],
                **spec,
            }
        ],
    }


def applied(resource: Any, config: dict[str, Any]) -> dict[str, Any]:
    """A prior state as if created: the create plan with every unknown filled in."""
    planned, _ = resource.plan_change(None, config)

    def fill(value: Any) -> Any:
        if value is Unknown:
            return "x"
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    return dict(fill(planned))


def test_create_plan_fills_the_sdk_defaults() -> None:
    planned, replace = Deployment(PROVIDER).plan_change(None, deployment_config())
    assert replace == []
    assert planned["wait_for_rollout"] is True
    assert planned["id"] is Unknown
    meta = planned["metadata"][0]
    assert meta["uid"] is Unknown and meta["namespace"] == "prod"
    spec = planned["spec"][0]
    assert (spec["min_ready_seconds"], spec["progress_deadline_seconds"]) == (0, 600)
    assert spec["strategy"] == []  # Optional+Computed: filled in by the API
    pod = spec["template"][0]["spec"][0]
    assert (pod["restart_policy"], pod["dns_policy"]) == ("Always", "ClusterFirst")
    c = pod["container"][0]
    assert c["port"][0]["protocol"] == "TCP"
    assert c["image_pull_policy"] is Unknown
    probe = c["readiness_probe"][0]
    assert (probe["period_seconds"], probe["timeout_seconds"]) == (10, 1)
    assert probe["http_get"][0]["scheme"] == "HTTP"
    ns_plan, _ = Namespace(PROVIDER).plan_change(None, {"metadata": [{"name": "a"}]})
    assert ns_plan["metadata"][0]["name"] == "a"


def test_update_plan_keeps_computed_blocks_and_values() -> None:
    d = Deployment(PROVIDER)
    prior = applied(d, deployment_config())
    prior["spec"][0]["strategy"] = [
        {
            "type": "RollingUpdate",
            "rolling_update": [{"max_surge": "25%", "max_unavailable": "25%"}],
        }
    ]
    planned, replace = d.plan_change(prior, deployment_config())
    assert planned == prior and replace == []


def test_force_new_paths_are_nested_as_the_real_provider_marks_them() -> None:
    d = Deployment(PROVIDER)
    prior = applied(d, deployment_config())
    changed = deployment_config()
    changed["metadata"][0]["name"] = "web2"
    changed["spec"][0]["selector"] = [{"match_labels": {"app": "other"}}]
    _, replace = d.plan_change(prior, changed)
    assert ("metadata", (0,), "name") in replace
    assert ("spec", (0,), "selector") in replace
    in_place = deployment_config(replicas="5")
    in_place["metadata"][0]["labels"] = {"app": "web", "tier": "front"}
    in_place["spec"][0]["template"][0]["spec"][0]["container"][0]["image"] = "web:v2"
    assert d.plan_change(prior, in_place)[1] == []
    s = Secret(PROVIDER)
    config = {"metadata": [{"name": "s"}], "type": "Opaque", "data": {"a": "b"}}
    prior = applied(s, config)
    assert s.plan_change(prior, {**config, "type": "kubernetes.io/dockerconfigjson"})[1] == [
        ("type",)
    ]
    assert s.plan_change(prior, {**config, "data": {"a": "c"}})[1] == []
    frozen = {**config, "immutable": True}
    assert s.plan_change(applied(s, frozen), {**frozen, "data": {"a": "c"}})[1] == [("data",)]


def test_servicer_answers_with_the_legacy_type_system_and_attribute_paths() -> None:
    servicer = K8sServicer(PROVIDER)
    prior = applied(Namespace(PROVIDER), {"metadata": [{"name": "a"}]})
    config = {"metadata": [{"name": "b"}], "wait_for_default_service_account": None}
    request = pb.PlanResourceChange.Request(
        type_name="kubernetes_namespace_v1",
        prior_state=to_dynamic_value(prior),
        proposed_new_state=to_dynamic_value(config),
        config=to_dynamic_value(config),
    )
    response = servicer.PlanResourceChange(request, None)
    assert response.legacy_type_system
    steps = response.requires_replace[0].steps
    assert [s.WhichOneof("selector") for s in steps] == [
        "attribute_name",
        "element_key_int",
        "attribute_name",
    ]
    assert read_dynamic_value(response.planned_state)["metadata"][0]["name"] == "b"
    destroy = pb.PlanResourceChange.Request(
        type_name="kubernetes_namespace_v1", prior_state=to_dynamic_value(prior)
    )
    assert read_dynamic_value(servicer.PlanResourceChange(destroy, None).planned_state) is None


def test_recreate_strategy_drops_rolling_update() -> None:
    d = Deployment(PROVIDER)
    prior = applied(d, deployment_config())
    prior["spec"][0]["strategy"] = [
        {"type": "RollingUpdate", "rolling_update": [{"max_surge": "25%", "max_unavailable": "0"}]}
    ]
    planned, _ = d.plan_change(prior, deployment_config(strategy=[{"type": "Recreate"}]))
    assert planned["spec"][0]["strategy"][0]["rolling_update"] == []
    body = d.to_object(planned)
    assert body["spec"]["strategy"] == {"type": "Recreate"}


def api_deployment(planned: dict[str, Any]) -> dict[str, Any]:
    """What the API server stores for a planned Deployment: defaults and server fields."""
    obj: dict[str, Any] = copy.deepcopy(Deployment(PROVIDER).to_object(planned))
    obj["metadata"] |= {"uid": "u1", "resourceVersion": "7", "generation": 1}
    obj["metadata"]["labels"]["kubernetes.io/managed"] = "server"
    spec = obj["spec"]
    spec["strategy"] = {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
    }
    c = spec["template"]["spec"]["containers"][0]
    c["imagePullPolicy"] = "IfNotPresent"
    c["terminationMessagePolicy"] = "File"
    c["readinessProbe"]["httpGet"]["path"] = "/healthz"
    c["livenessProbe"] = {"httpGet": {"path": "/", "port": 8080, "scheme": "HTTP"},
                          "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1,
                          "failureThreshold": 3}  # fmt: skip
    c["resources"] = {"limits": {"cpu": "500m", "memory": "128Mi"}}
    spec["template"]["spec"]["securityContext"] = {}
    spec["template"]["spec"]["schedulerName"] = "default-scheduler"
    return obj


def test_read_back_hides_api_defaults_so_the_next_plan_is_empty() -> None:
    d = Deployment(PROVIDER)
    probe = {"http_get": [{"port": "8080"}]}
    config = deployment_config()
    config["spec"][0]["template"][0]["spec"][0]["container"][0] |= {
        "liveness_probe": [probe],
        "resources": [{"limits": {"cpu": "0.5", "memory": "128Mi"}}],
    }
    planned, _ = d.plan_change(None, config)
    state = d.state(api_deployment(planned), planned)
    assert state["id"] == "prod/web"
    assert state["metadata"][0]["labels"] == {"app": "web"}
    c = state["spec"][0]["template"][0]["spec"][0]["container"][0]
    assert c["liveness_probe"][0]["http_get"][0]["path"] is None  # the API's "/" default
    assert c["resources"][0]["limits"] == {"cpu": "0.5", "memory": "128Mi"}
    assert c["image_pull_policy"] == "IfNotPresent"
    assert state["spec"][0]["template"][0]["spec"][0]["security_context"] == []
    assert state["spec"][0]["strategy"][0]["type"] == "RollingUpdate"
    again, replace = d.plan_change(state, config)
    assert again == state and replace == []


def test_service_target_port_and_status_read_back() -> None:
    s = Service(PROVIDER)
    config = {
        "metadata": [{"name": "web"}],
        "spec": [{"selector": {"app": "web"}, "port": [{"port": 80, "target_port": "8080"}]}],
    }
    planned, _ = s.plan_change(None, config)
    obj = s.to_object(planned)
    assert obj["spec"]["ports"][0]["targetPort"] == 8080
    obj["metadata"] |= {"namespace": "default", "uid": "u", "resourceVersion": "1"}
    obj["spec"] |= {"clusterIP": "127.96.0.9", "clusterIPs": ["127.96.0.9"]}
    obj["status"] = {"loadBalancer": {}}
    state = s.state(obj, planned)
    assert state["spec"][0]["port"][0]["target_port"] == "8080"
    assert state["spec"][0]["cluster_ip"] == "127.96.0.9"
    assert state["status"] == [{"load_balancer": [{"ingress": []}]}]
    assert s.plan_change(state, config) == (state, [])


def test_quantities_compare_by_value() -> None:
    assert same_quantities({"cpu": "0.5", "memory": "1Gi"}, {"cpu": "500m", "memory": "1024Mi"})
    assert not same_quantities({"cpu": "1"}, {"cpu": "100m"})
    assert not same_quantities({"cpu": "1"}, {"cpu": "1", "memory": "1Gi"})


def messages(resource: Any, config: dict[str, Any]) -> list[str]:
    diags = Diagnostics()
    resource.validate(diags, f"kubernetes_{resource.name}", config)
    return [f"{d.summary}: {d.detail}" for d in diags.diagnostics]


def test_real_but_unsupported_arguments_are_refused_by_name() -> None:
    config = deployment_config()
    pod = config["spec"][0]["template"][0]["spec"][0]
    pod["node_selector"] = {"disk": "ssd"}
    pod["container"][0]["volume_mount"] = [{"name": "data", "mount_path": "/data"}]
    found = messages(Deployment(PROVIDER), config)
    assert any(
        m.startswith("kubernetes_deployment_v1.spec.template.spec.node_selector is not supported "
                     "by the offline kubernetes stand-in") for m in found
    ), found  # fmt: skip
    assert any("spec.template.spec.container.volume_mount is not supported" in m for m in found)
    assert messages(Deployment(PROVIDER), deployment_config()) == []


def test_invalid_choices_and_load_balancers_are_refused() -> None:
    found = messages(Deployment(PROVIDER), deployment_config(strategy=[{"type": "Blue"}]))
    assert found == [
        "kubernetes_deployment_v1.spec.strategy.type: expected one of "
        '["RollingUpdate" "Recreate"], got \'Blue\': '
    ]
    lb = {"metadata": [{"name": "a"}], "spec": [{"type": "LoadBalancer"}]}
    assert any("LoadBalancer" in m for m in messages(Service(PROVIDER), lb))
    assert messages(Service(PROVIDER), lb | {"wait_for_load_balancer": False}) == []
    backend = {"resource": [{"api_group": "g", "kind": "k", "name": "n"}]}
    ingress = {"metadata": [{"name": "a"}], "spec": [{"default_backend": [backend]}]}
    assert any("default_backend.resource is not supported" in m for m in messages(
        Ingress(PROVIDER), ingress))  # fmt: skip
