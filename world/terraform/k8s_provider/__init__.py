"""An offline stand-in for the hashicorp/kubernetes Terraform provider (v2 schema).

Terraform starts it from the harness's filesystem mirror (see `world.terraform.mirror`)
as `registry.terraform.io/hashicorp/kubernetes` 2.99.0, so a learner's unmodified
configuration runs against the cluster stand-in (`world.cluster`) or any API server a
kubeconfig names. It talks to the API server with httpx (bearer token, optional cluster CA).

Served: resources `kubernetes_namespace_v1`, `kubernetes_secret_v1`,
`kubernetes_deployment_v1`, `kubernetes_service_v1`, `kubernetes_ingress_v1` (and the
pre-_v1 names of the first four), data source `kubernetes_namespace_v1`; attribute and block
names, nesting, defaults and ForceNew as in the real provider. Real arguments the stand-in
cannot honour (volumes, affinity, init containers, ...) are in the schema, and setting one is
refused ("... is not supported by the offline kubernetes stand-in"); unknown ones are refused
by Terraform itself.

Like the real provider (legacy SDK) it reads back what the API server holds and hides the
server's own defaults and keys, so a plan right after an apply is empty; `wait_for_rollout`
waits until the Deployment's new pods are available, and otherwise fails naming the pods'
reasons. Only `tf`, httpx, PyYAML (lazily), `world.terraform.provider_kit` (what it shares
with the aws stand-in) and the standard library are imported: nothing from `world.cluster`.
"""
