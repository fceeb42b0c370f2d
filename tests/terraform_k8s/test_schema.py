"""The kubernetes stand-in's schemas against the real provider's (v2, legacy SDK)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from tf.gen import tfplugin_pb2 as pb

from world.terraform.k8s_provider import catalog
from world.terraform.k8s_provider.data_sources import DATA_SOURCES
from world.terraform.k8s_provider.plugin import K8sServicer
from world.terraform.k8s_provider.provider import K8sProvider
from world.terraform.k8s_provider.resources import RESOURCES

LIST = pb.Schema.NestedBlock.NestingMode.LIST
SINGLE = pb.Schema.NestedBlock.NestingMode.SINGLE


@pytest.fixture(scope="module")
def schemas() -> Any:
    servicer = K8sServicer(K8sProvider())
    return servicer.GetProviderSchema(pb.GetProviderSchema.Request(), None)


def node(schema: Any, path: str) -> Any:
    """The attribute or nested block at a dotted path (`spec.template.spec.container`)."""
    block = schema.block
    *parents, leaf = path.split(".")
    for name in parents:
        block = {b.type_name: b for b in block.block_types}[name].block
    attrs = {a.name: a for a in block.attributes}
    return attrs.get(leaf) or {b.type_name: b for b in block.block_types}[leaf]


def flags(schema: Any, path: str) -> str:
    a = node(schema, path)
    return "+".join(k for k in ("required", "optional", "computed", "sensitive") if getattr(a, k))


ATTRIBUTES = {
    "kubernetes_namespace_v1": {
        "id": "optional+computed",
        "wait_for_default_service_account": "optional",
        "metadata.name": "optional+computed",
        "metadata.generate_name": "optional",
        "metadata.labels": "optional",
        "metadata.uid": "computed",
        "metadata.resource_version": "computed",
        "metadata.generation": "computed",
    },
    "kubernetes_secret_v1": {
        "data": "optional+computed+sensitive",
        "binary_data": "optional+sensitive",
        "type": "optional",
        "immutable": "optional",
        "metadata.namespace": "optional",
    },
    "kubernetes_deployment_v1": {
        "wait_for_rollout": "optional",
        "spec.replicas": "optional+computed",
        "spec.min_ready_seconds": "optional",
        "spec.selector.match_labels": "optional",
        "spec.strategy.type": "optional",
        "spec.strategy.rolling_update.max_surge": "optional",
        "spec.template.metadata.annotations": "optional",
        "spec.template.spec.container.image_pull_policy": "optional+computed",
        "spec.template.spec.container.name": "required",
        "spec.template.spec.container.args": "optional",
        "spec.template.spec.container.env.value": "optional",
        "spec.template.spec.container.port.container_port": "required",
        "spec.template.spec.container.port.protocol": "optional",
        "spec.template.spec.container.resources.limits": "optional+computed",
        "spec.template.spec.container.readiness_probe.http_get.port": "optional",
        "spec.template.spec.container.liveness_probe.initial_delay_seconds": "optional",
        "spec.template.spec.image_pull_secrets.name": "required",
        "spec.template.spec.node_selector": "optional",
    },
    "kubernetes_service_v1": {
        "status": "computed",
        "spec.cluster_ip": "optional+computed",
        "spec.selector": "optional",
        "spec.type": "optional",
        "spec.port.port": "required",
        "spec.port.target_port": "optional+computed",
        "spec.port.node_port": "optional+computed",
    },
    "kubernetes_ingress_v1": {
        "status": "computed",
        "wait_for_load_balancer": "optional",
        "spec.ingress_class_name": "optional+computed",
        "spec.rule.host": "optional",
        "spec.rule.http.path.path_type": "optional",
        "spec.rule.http.path.backend.service.name": "required",
        "spec.rule.http.path.backend.service.port.number": "optional",
        "metadata.annotations": "optional",
    },
}


@pytest.mark.parametrize("type_name", sorted(ATTRIBUTES))
def test_attribute_flags_match_the_real_provider(schemas: Any, type_name: str) -> None:
    schema = schemas.resource_schemas[type_name]
    for path, expected in ATTRIBUTES[type_name].items():
        assert flags(schema, path) == expected, f"{type_name}.{path}"


BLOCKS = {
    # type, path: (min_items, max_items)
    ("kubernetes_deployment_v1", "metadata"): (1, 1),
    ("kubernetes_deployment_v1", "spec"): (1, 1),
    ("kubernetes_deployment_v1", "spec.selector"): (0, 1),
    ("kubernetes_deployment_v1", "spec.strategy"): (0, 1),
    ("kubernetes_deployment_v1", "spec.strategy.rolling_update"): (0, 1),
    ("kubernetes_deployment_v1", "spec.template"): (1, 1),
    ("kubernetes_deployment_v1", "spec.template.spec"): (1, 1),
    ("kubernetes_deployment_v1", "spec.template.spec.container"): (0, 0),
    ("kubernetes_deployment_v1", "spec.template.spec.container.env"): (0, 0),
    ("kubernetes_deployment_v1", "spec.template.spec.container.resources"): (0, 1),
    ("kubernetes_deployment_v1", "spec.template.spec.container.readiness_probe"): (0, 1),
    ("kubernetes_service_v1", "spec.port"): (0, 0),
    ("kubernetes_ingress_v1", "spec.rule"): (0, 0),
    ("kubernetes_ingress_v1", "spec.rule.http"): (0, 1),
    ("kubernetes_ingress_v1", "spec.rule.http.path"): (1, 0),
    ("kubernetes_ingress_v1", "spec.rule.http.path.backend.service.port"): (1, 1),
    ("kubernetes_secret_v1", "metadata"): (1, 1),
}


@pytest.mark.parametrize(("type_name", "path"), sorted(BLOCKS))
def test_blocks_nest_as_in_the_real_provider(schemas: Any, type_name: str, path: str) -> None:
    block = node(schemas.resource_schemas[type_name], path)
    assert block.nesting == LIST
    assert (block.min_items, block.max_items) == BLOCKS[(type_name, path)]


def test_timeouts_and_status_have_the_sdk_shapes(schemas: Any) -> None:
    deploy = schemas.resource_schemas["kubernetes_deployment_v1"]
    timeouts = node(deploy, "timeouts")
    assert timeouts.nesting == SINGLE
    assert {a.name for a in timeouts.block.attributes} == {"create", "update", "delete"}
    assert deploy.version == 1
    status = node(schemas.resource_schemas["kubernetes_ingress_v1"], "status")
    assert status.type == (
        b'["list",["object",{"load_balancer":["list",["object",{"ingress":["list",'
        b'["object",{"ip":"string","hostname":"string"}]]}]]}]]'
    )


def test_catalog_names_every_type_served(schemas: Any) -> None:
    assert set(schemas.resource_schemas) == set(catalog.RESOURCE_TYPES)
    assert set(schemas.data_source_schemas) == set(catalog.DATA_SOURCE_TYPES)
    assert {f"kubernetes_{r.name}" for r in RESOURCES} == set(catalog.RESOURCE_TYPES)
    assert {f"kubernetes_{d.name}" for d in DATA_SOURCES} == set(catalog.DATA_SOURCE_TYPES)


def test_provider_block_has_the_real_arguments(schemas: Any) -> None:
    attrs = {a.name for a in schemas.provider.block.attributes}
    assert {"config_path", "config_paths", "config_context", "host", "token", "insecure"} <= attrs
    assert {"cluster_ca_certificate", "ignore_annotations", "ignore_labels"} <= attrs
    assert {b.type_name for b in schemas.provider.block.block_types} == {"exec", "experiments"}


def test_provider_imports_stay_lean() -> None:
    code = (
        "import sys, world.terraform.k8s_provider.plugin, "
        "world.terraform.k8s_provider.resources;"
        "print(sorted(m for m in ('docker', 'world.cluster', 'botocore', 'yaml') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
