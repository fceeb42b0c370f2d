variable "image" {
  description = "Image to run in dev: the one the pipeline just built (sha-<commit> tag)."
  type        = string
}

variable "model_version" {
  description = "MODEL_VERSION of the pods; empty for the image's tag."
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
