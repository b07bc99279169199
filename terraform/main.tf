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

  # The items table's design, read from its CreateTable definition: the one file the local stack reads too.
  definition_file = coalesce(var.table_definition_file, "${path.module}/../src/dynamodbmanager/tables/anything.json")
  definition      = jsondecode(file(local.definition_file))
  attribute_types = { for a in local.definition.AttributeDefinitions : a.AttributeName => a.AttributeType }
  hash_key        = one([for k in local.definition.KeySchema : k.AttributeName if k.KeyType == "HASH"])
  range_key       = one([for k in local.definition.KeySchema : k.AttributeName if k.KeyType == "RANGE"])
  global_indexes  = try(local.definition.GlobalSecondaryIndexes, [])
  local_indexes   = try(local.definition.LocalSecondaryIndexes, [])
  index_names     = [for i in concat(local.global_indexes, local.local_indexes) : i.IndexName]
  index_keys = {
    for i in concat(local.global_indexes, local.local_indexes) : i.IndexName => {
      pk         = [for k in i.KeySchema : [k.AttributeName, local.attribute_types[k.AttributeName]] if k.KeyType == "HASH"][0]
      sk         = one([for k in i.KeySchema : [k.AttributeName, local.attribute_types[k.AttributeName]] if k.KeyType == "RANGE"])
      projection = try(i.Projection.ProjectionType, "ALL")
    }
  }
  # The shape the function checks requests against (TABLE_SHAPE, as dynamodbmanager.schema.TableShape reads it).
  table_shape = jsonencode({
    pk = [local.hash_key, local.attribute_types[local.hash_key]]
    sk = local.range_key == null ? null : [local.range_key, local.attribute_types[local.range_key]]
    indexes = merge(
      { for i in local.global_indexes : i.IndexName => merge(local.index_keys[i.IndexName], { kind = "GSI" }) },
      { for i in local.local_indexes : i.IndexName => merge(local.index_keys[i.IndexName], { kind = "LSI" }) },
    )
  })

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
