provider "aws" {
  region = var.aws_region
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  # Prefix of every name, so that environments sharing an account and region never clash.
  name       = "dynamodbmanager-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  # Names a variable may set (to adopt an existing table, say); by default they carry the environment too.
  table_name             = coalesce(var.table_name, "${local.name}-items")
  idempotency_table_name = coalesce(var.idempotency_table_name, "${local.name}-idempotency")
  function_name          = coalesce(var.function_name, "${local.name}-function")

  # The zip `make build` writes, unless a path is given. Relative to this directory (scripts/tf passes it
  # so), because the path is stored in the state: an absolute one would differ between two checkouts.
  lambda_zip = coalesce(var.lambda_zip_path, "${path.module}/../dist/lambda.zip")

  tags = merge(var.tags, {
    Service     = "dynamodbmanager"
    Environment = var.environment
    ManagedBy   = "terraform"
  })
}
