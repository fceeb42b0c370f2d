output "namespace" {
  description = "The environment's namespace."
  value       = kubernetes_namespace_v1.this.metadata[0].name
}

output "stable_service" {
  description = "Service of the stable version."
  value       = kubernetes_service_v1.stable.metadata[0].name
}

output "canary_service" {
  description = "Service of the canary version, or \"\" when there is none."
  value       = local.canary_enabled ? kubernetes_service_v1.canary[0].metadata[0].name : ""
}

output "canary_weight" {
  description = "Percentage of requests sent to the canary (0 without a canary)."
  value       = local.canary_enabled ? var.canary_weight : 0
}

output "stable_image" {
  description = "Image of the stable version."
  value       = var.stable_image
}

output "canary_image" {
  description = "Image of the canary version, or \"\"."
  value       = var.canary_image
}
