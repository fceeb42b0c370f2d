output "namespace" {
  value = module.iris.namespace
}

output "service" {
  value = module.iris.stable_service
}

output "image" {
  value = module.iris.stable_image
}
