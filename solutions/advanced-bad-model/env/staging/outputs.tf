output "namespace" {
  value = module.iris.namespace
}

output "stable_service" {
  value = module.iris.stable_service
}

output "canary_service" {
  description = "The canary's Service (the value of X-Kata-Upstream for its answers), or \"\"."
  value       = module.iris.canary_service
}

output "canary_weight" {
  value = module.iris.canary_weight
}

output "stable_image" {
  value = module.iris.stable_image
}
