# prod: reached only through the production environment's approval, after
# the canary passed in staging. One version, all of the traffic; a rolling
# update (max_unavailable = 0) replaces the pods without dropping requests.
module "iris" {
  source = "../../modules/model-service"

  namespace     = "iris-prod"
  host          = "prod.iris.local"
  stable_image  = var.image
  canary_image  = ""
  canary_weight = 0
  replicas      = var.replicas

  model_version_stable = var.model_version

  registry_server   = var.registry_server
  registry_username = var.registry_username
  registry_password = var.registry_password
}
