variable "stable_image" {
  description = "The version in production now; it keeps most of staging's traffic (CI: vars.STABLE_IMAGE)."
  type        = string
}

variable "canary_image" {
  description = "The new version under test. Empty: no canary (rollback, or after promotion)."
  type        = string
  default     = ""
}

variable "model_version_stable" {
  description = "MODEL_VERSION of the stable pods; empty for the image's tag."
  type        = string
  default     = ""
}

variable "model_version_canary" {
  description = "MODEL_VERSION of the canary pods; empty for the image's tag."
  type        = string
  default     = ""
}

variable "registry_server" {
  description = "Registry the cluster pulls images from (CI: vars.REGISTRY)."
  type        = string
}

variable "registry_username" {
  description = "Registry user for the image pull secret (CI: secrets.REGISTRY_USERNAME)."
  type        = string
}

variable "registry_password" {
  description = "Registry password or token (CI: secrets.REGISTRY_PASSWORD)."
  type        = string
  sensitive   = true
}
