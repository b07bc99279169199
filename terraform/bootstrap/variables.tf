variable "aws_region" {
  description = "Region of the state bucket and of the API Gateway account setting this configuration owns; the environments' backend files name the same region. Apply it once in each region that has environments."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must look like us-east-1 or eu-west-2."
  }
}

variable "bucket_name" {
  description = "Name of the state bucket; null derives a unique one: dynamodbmanager-tfstate-<account id>-<region>."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", coalesce(var.bucket_name, "ok")))
    error_message = "bucket_name must be 3-63 lowercase letters, digits, dots or dashes."
  }
}

variable "noncurrent_version_days" {
  description = "Days an old version of a state file is kept once a newer one replaced it: how far back an apply can be rolled back."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_days >= 1 && floor(var.noncurrent_version_days) == var.noncurrent_version_days
    error_message = "noncurrent_version_days must be a whole number >= 1."
  }
}

variable "manage_api_gateway_account" {
  description = "Own the region's API Gateway account setting (the CloudWatch Logs role of every REST API in the region) here. Set false only if another stack of the account already owns it; then give the environments its role name (api_gateway_cloudwatch_role_name)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Extra tags for the bucket."
  type        = map(string)
  default     = {}
}
