# staging: the current version keeps serving (stable) while the new one runs
# beside it as a canary with a small share of the traffic. The pipeline
# watches the canary, then either promotes it (deploy-prod makes it the
# stable here) or rolls it back (canary_image = "").
module "iris" {
  source = "../../modules/model-service"

  namespace    = "iris-staging"
  host         = "staging.iris.local"
  stable_image = var.stable_image
  canary_image = var.canary_image

  # TODO(kata): 100 sends every request to the new version: that is not a
  # canary, it is a release without a way back. Make the share a variable
  # (canary_weight, default 10) and give the canary only that.
  canary_weight = 100

  model_version_stable = var.model_version_stable
  model_version_canary = var.model_version_canary

  registry_server   = var.registry_server
  registry_username = var.registry_username
  registry_password = var.registry_password
}
