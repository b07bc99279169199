# The items table. Its key schema must match dynamodbmanager.schema.items_table_definition, which the
# local stack uses; tests/infra checks that they agree.
resource "aws_dynamodb_table" "items" {
  name                        = local.table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "id"
  deletion_protection_enabled = var.table_deletion_protection

  attribute {
    name = "id"
    type = "S"
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
