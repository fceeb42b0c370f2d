# dev: every push to the dev branch lands here, no questions asked. Only the
# new version, no canary: dev exists to see that the image starts and answers.
module "iris" {
  source = "../../modules/model-service"

  namespace     = "iris-dev"
  host          = "dev.iris.local"
  stable_image  = var.image
  canary_image  = ""
  canary_weight = 0

  model_version_stable = var.model_version

  registry_server   = var.registry_server
  registry_username = var.registry_username
  registry_password = var.registry_password
}
