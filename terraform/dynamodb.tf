# The items table, built from its CreateTable definition (table_definition_file): key, sort key, every
# global and local index with its projection. The local stack creates its table from the same file.
resource "aws_dynamodb_table" "items" {
  name                        = local.table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = local.hash_key
  range_key                   = local.range_key
  deletion_protection_enabled = var.table_deletion_protection

  dynamic "attribute" {
    for_each = local.attribute_types
    content {
      name = attribute.key
      type = attribute.value
    }
  }

  dynamic "global_secondary_index" {
    for_each = local.global_indexes
    content {
      name               = global_secondary_index.value.IndexName
      hash_key           = one([for k in global_secondary_index.value.KeySchema : k.AttributeName if k.KeyType == "HASH"])
      range_key          = one([for k in global_secondary_index.value.KeySchema : k.AttributeName if k.KeyType == "RANGE"])
      projection_type    = try(global_secondary_index.value.Projection.ProjectionType, "ALL")
      non_key_attributes = try(global_secondary_index.value.Projection.NonKeyAttributes, null)
    }
  }

  dynamic "local_secondary_index" {
    for_each = local.local_indexes
    content {
      name               = local_secondary_index.value.IndexName
      range_key          = one([for k in local_secondary_index.value.KeySchema : k.AttributeName if k.KeyType == "RANGE"])
      projection_type    = try(local_secondary_index.value.Projection.ProjectionType, "ALL")
      non_key_attributes = try(local_secondary_index.value.Projection.NonKeyAttributes, null)
    }
  }

  point_in_time_recovery {
    enabled = true
  }

  # Encrypted at rest with the AWS managed key (aws/dynamodb).
  server_side_encryption {
    enabled = true
  }

  tags = merge(local.tags, { Name = local.table_name })

  # Destroyed before the key that encrypts the logs and the alarm topic: when the table refuses to go
  # (deletion protection), a destroy stops there and the key is not scheduled for deletion.
  depends_on = [aws_kms_key.service]

  #checkov:skip=CKV_AWS_119:The AWS managed key encrypts at rest; a customer managed key would add cost and key grants the function would need.
}

# Idempotency-Key records of POST /items and RPC create (AWS Lambda Powertools' DynamoDB persistence
# layer): key `id`, expired by TTL on `expiration`. Must match
# dynamodbmanager.schema.idempotency_table_definition, which the local stack uses; tests/infra checks it.
resource "aws_dynamodb_table" "idempotency" {
  name         = local.idempotency_table_name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  ttl {
    attribute_name = "expiration"
    enabled        = true
  }

  server_side_encryption {
    enabled = true
  }

  tags = merge(local.tags, { Name = local.idempotency_table_name })

  #checkov:skip=CKV_AWS_28:Records live one hour and can always be lost (a retry then runs again); backups would restore expired ones.
  #checkov:skip=CKV_AWS_119:The AWS managed key encrypts at rest; a customer managed key would add cost and key grants the function would need.
}
