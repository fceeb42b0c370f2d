variable "namespace" {
  description = "Kubernetes namespace of this environment (created by the module)."
  type        = string
}

variable "host" {
  description = "Host name the ingress routes to this environment, e.g. staging.iris.local."
  type        = string
}

variable "app_name" {
  description = "Name prefix of every object and the `app` label."
  type        = string
  default     = "iris"
}

variable "stable_image" {
  description = "Image of the stable version, which takes all traffic the canary does not."
  type        = string

  validation {
    condition     = trimspace(var.stable_image) != ""
    error_message = "stable_image must be an image reference."
  }
}

variable "canary_image" {
  description = "Image of the canary version. Empty: no canary (its Deployment, Service and Ingress are removed)."
  type        = string
  default     = ""
}

variable "canary_weight" {
  description = "Percentage of requests the ingress sends to the canary (0 to 100)."
  type        = number
  default     = 0

  validation {
    condition     = var.canary_weight >= 0 && var.canary_weight <= 100 && floor(var.canary_weight) == var.canary_weight
    error_message = "canary_weight must be a whole number from 0 to 100."
  }
}

variable "replicas" {
  description = "Pods of the stable version (the canary always runs one)."
  type        = number
  default     = 1
}

# The container's MODEL_VERSION. Empty: the image's tag (sha-<commit> for
# the pipeline's images). The API itself reports the version recorded in the
# model's metrics.json, which travels inside the image.
variable "model_version_stable" {
  description = "MODEL_VERSION of the stable pods; empty for the stable image's tag."
  type        = string
  default     = ""
}

variable "model_version_canary" {
  description = "MODEL_VERSION of the canary pods; empty for the canary image's tag."
  type        = string
  default     = ""
}

variable "registry_server" {
  description = "Registry the images are pulled from, e.g. docker.io or 127.0.0.1:5000."
  type        = string
}

variable "registry_username" {
  description = "User for the image pull secret."
  type        = string
}

variable "registry_password" {
  description = "Password or token for the image pull secret."
  type        = string
  sensitive   = true
}
