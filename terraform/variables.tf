# --- Where and what -------------------------------------------------------------------------------

variable "aws_region" {
  description = "AWS region to deploy into, e.g. us-east-1."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must look like us-east-1 or eu-west-2."
  }
}

variable "environment" {
  description = "Short environment name (dev, prod, ...), used in resource names and tags."
  type        = string
  default     = "dev"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,15}$", var.environment))
    error_message = "environment must be 1-16 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "tags" {
  description = "Extra tags for every resource (Service, Environment and ManagedBy are always set)."
  type        = map(string)
  default     = {}
}

# --- DynamoDB -------------------------------------------------------------------------------------

variable "table_definition_file" {
  description = "The items table's design as CreateTable JSON (the form `aws dynamodb create-table --cli-input-json` takes): AttributeDefinitions, KeySchema, GlobalSecondaryIndexes, LocalSecondaryIndexes with their Projection. Null: the shipped src/dynamodbmanager/tables/anything.json (key `id`, a string)."
  type        = string
  default     = null

  validation {
    condition     = var.table_definition_file == null || can(jsondecode(file(var.table_definition_file)).KeySchema)
    error_message = "table_definition_file must be a readable CreateTable JSON file with a KeySchema."
  }
}

variable "table_name" {
  description = "Name of the DynamoDB table that holds the items (its design: table_definition_file); null names it dynamodbmanager-<environment>-items. Set it to adopt an existing table (README: \"Adopt an existing table\")."
  type        = string
  default     = null

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", coalesce(var.table_name, "default")))
    error_message = "table_name must be 3-255 characters of letters, digits, '_', '-' or '.'."
  }
}

variable "idempotency_table_name" {
  description = "Name of the DynamoDB table that keeps Idempotency-Key records for an hour (partition key `id`, TTL on `expiration`); null names it dynamodbmanager-<environment>-idempotency."
  type        = string
  default     = null

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", coalesce(var.idempotency_table_name, "default")))
    error_message = "idempotency_table_name must be 3-255 characters of letters, digits, '_', '-' or '.'."
  }
}

variable "table_deletion_protection" {
  description = "Refuse to delete the table (also through terraform destroy). Turn off only for throw-away environments, or apply with it off right before a deliberate destroy."
  type        = bool
  default     = true
}

# --- Lambda ---------------------------------------------------------------------------------------

variable "function_name" {
  description = "Name of the Lambda function, whose log group is /aws/lambda/<function_name>; null names it dynamodbmanager-<environment>-function."
  type        = string
  default     = null

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,64}$", coalesce(var.function_name, "default")))
    error_message = "function_name must be 1-64 letters, digits, '_' or '-'."
  }
}

variable "lambda_zip_path" {
  description = "Path of the function's deployment package, relative to this directory (it is kept in the state, so an absolute path would differ between checkouts); null means ../dist/lambda.zip, as `make build` writes it."
  type        = string
  default     = null

  validation {
    condition     = var.lambda_zip_path == null || endswith(coalesce(var.lambda_zip_path, "x.zip"), ".zip")
    error_message = "lambda_zip_path must name a .zip file."
  }
}

variable "lambda_memory_mb" {
  description = "Memory of the function in MB; CPU grows with it. 256 MB keeps cold starts short for this small package."
  type        = number
  default     = 256

  validation {
    condition     = var.lambda_memory_mb >= 128 && var.lambda_memory_mb <= 10240 && floor(var.lambda_memory_mb) == var.lambda_memory_mb
    error_message = "lambda_memory_mb must be a whole number between 128 and 10240."
  }
}

variable "lambda_timeout_seconds" {
  description = "Function timeout in seconds. API Gateway gives up after 29 s, so a longer timeout only wastes money."
  type        = number
  default     = 10

  validation {
    condition     = var.lambda_timeout_seconds >= 1 && var.lambda_timeout_seconds <= 29
    error_message = "lambda_timeout_seconds must be between 1 and 29 (API Gateway's integration timeout)."
  }
}

variable "lambda_reserved_concurrency" {
  description = "Concurrent executions reserved for (and capping) the function; null leaves it in the account's unreserved pool. Accounts with a low concurrency quota cannot reserve any."
  type        = number
  default     = null

  validation {
    condition     = var.lambda_reserved_concurrency == null || coalesce(var.lambda_reserved_concurrency, 0) >= 0
    error_message = "lambda_reserved_concurrency must be null or a number >= 0 (0 stops the function)."
  }
}

variable "provisioned_concurrency" {
  description = "Instances of the function AWS keeps initialised, so that this many concurrent requests never wait for a cold start; billed per GB-second for as long as they are configured, used or not (README). 0 turns it off: no published version, no alias. Above 0 the function publishes a version on every change and API Gateway invokes the alias `live`."
  type        = number
  default     = 0

  validation {
    condition     = var.provisioned_concurrency >= 0 && floor(var.provisioned_concurrency) == var.provisioned_concurrency
    error_message = "provisioned_concurrency must be a whole number >= 0 (0 turns it off)."
  }

  validation {
    condition     = var.lambda_reserved_concurrency == null || var.provisioned_concurrency <= coalesce(var.lambda_reserved_concurrency, 0)
    error_message = "provisioned_concurrency cannot exceed lambda_reserved_concurrency: Lambda takes provisioned instances out of the function's reserved concurrency."
  }
}

variable "snap_start" {
  description = "Lambda SnapStart: AWS initialises each published version once, snapshots it, and restores new instances from the snapshot instead of running the init (Python 3.12 and later, arm64 included); billed per GB-second cached and per GB restored (README). Publishes a version on every change; API Gateway invokes the alias `live`."
  type        = bool
  default     = false

  validation {
    condition     = !(var.snap_start && var.provisioned_concurrency > 0)
    error_message = "snap_start and provisioned_concurrency cannot both be on: AWS Lambda does not support provisioned concurrency on a SnapStart function version. Choose one: provisioned_concurrency for instances that are always warm, or snap_start for faster cold starts paid per restore."
  }
}

variable "log_level" {
  description = "Log level of the function (LOG_LEVEL)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.log_level)
    error_message = "log_level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL."
  }
}

variable "dynamodb_client" {
  description = "The function's DynamoDB client (DYNAMODB_CLIENT): lean speaks DynamoDB's protocol itself, the short cold start; botocore uses botocore's client. Both give the same answers."
  type        = string
  default     = "lean"

  validation {
    condition     = contains(["lean", "botocore"], var.dynamodb_client)
    error_message = "dynamodb_client must be lean or botocore."
  }
}

variable "telemetry" {
  description = "What writes the function's log lines and EMF metrics (TELEMETRY): lean writes Powertools' format itself; powertools uses AWS Lambda Powertools' Logger and Metrics."
  type        = string
  default     = "lean"

  validation {
    condition     = contains(["lean", "powertools"], var.telemetry)
    error_message = "telemetry must be lean or powertools."
  }
}

variable "dynamodb_connect_timeout_seconds" {
  description = "Seconds the function waits to connect to DynamoDB before retrying (DYNAMODB_CONNECT_TIMEOUT)."
  type        = number
  default     = 1

  validation {
    condition     = var.dynamodb_connect_timeout_seconds > 0 && var.dynamodb_connect_timeout_seconds < var.lambda_timeout_seconds
    error_message = "dynamodb_connect_timeout_seconds must be positive and below lambda_timeout_seconds."
  }
}

variable "dynamodb_read_timeout_seconds" {
  description = "Seconds the function waits for DynamoDB's answer before retrying (DYNAMODB_READ_TIMEOUT)."
  type        = number
  default     = 2

  validation {
    condition     = var.dynamodb_read_timeout_seconds > 0 && var.dynamodb_read_timeout_seconds < var.lambda_timeout_seconds
    error_message = "dynamodb_read_timeout_seconds must be positive and below lambda_timeout_seconds."
  }
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the function's own metrics (POWERTOOLS_METRICS_NAMESPACE)."
  type        = string
  default     = "dynamodbmanager"

  validation {
    condition     = can(regex("^[a-zA-Z0-9._/#:-]{1,255}$", var.metrics_namespace)) && !startswith(var.metrics_namespace, "AWS/")
    error_message = "metrics_namespace must be 1-255 characters and must not start with AWS/."
  }
}

variable "tracing_enabled" {
  description = "Active X-Ray tracing on the function and the API stage (the function's role may then write traces)."
  type        = bool
  default     = true
}

variable "cors_allowed_origins" {
  description = "Origins browsers may call the API from (CORS_ALLOWED_ORIGINS), e.g. [\"https://app.example.com\"]; [\"*\"] allows any; [] sends no CORS headers."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for o in var.cors_allowed_origins : o == "*" || can(regex("^https?://[^/,\\s]+$", o))])
    error_message = "Each origin must be \"*\" or scheme://host[:port] with no path, comma or trailing slash."
  }
}

# --- Logs -----------------------------------------------------------------------------------------

variable "log_retention_days" {
  description = "Days CloudWatch keeps the function's and the API's logs."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch accepts (1, 3, 5, 7, 14, 30, 60, 90, ..., 3653)."
  }
}

variable "kms_key_deletion_window_days" {
  description = "Days a destroyed KMS key (logs and alarm topic encryption) waits before AWS deletes it; it can be restored meanwhile."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_days >= 7 && var.kms_key_deletion_window_days <= 30
    error_message = "kms_key_deletion_window_days must be between 7 and 30."
  }
}

# --- API Gateway ----------------------------------------------------------------------------------

variable "stage_name" {
  description = "Name of the API stage; it is the first path segment of every URL (https://.../<stage_name>/items)."
  type        = string
  default     = "dev"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_]{1,128}$", var.stage_name))
    error_message = "stage_name must be 1-128 letters, digits or underscores."
  }
}

variable "api_auth" {
  description = "How data routes authenticate: API_KEY (x-api-key header, with a usage plan), AWS_IAM (SigV4-signed requests) or NONE (anyone on the internet can read and write the table; needs allow_unauthenticated_api = true)."
  type        = string
  default     = "API_KEY"

  validation {
    condition     = contains(["API_KEY", "AWS_IAM", "NONE"], var.api_auth)
    error_message = "api_auth must be API_KEY, AWS_IAM or NONE."
  }

  validation {
    condition     = var.api_auth != "NONE" || var.allow_unauthenticated_api
    error_message = "api_auth = \"NONE\" lets anyone read and write the table: set allow_unauthenticated_api = true to confirm."
  }
}

variable "allow_unauthenticated_api" {
  description = "Explicit consent to api_auth = \"NONE\"; has no effect otherwise."
  type        = bool
  default     = false
}

variable "throttling_rate_limit" {
  description = "Steady-state requests per second the stage accepts across all clients."
  type        = number
  default     = 50

  validation {
    condition     = var.throttling_rate_limit > 0
    error_message = "throttling_rate_limit must be positive."
  }
}

variable "throttling_burst_limit" {
  description = "Requests the stage accepts in a burst above the rate limit."
  type        = number
  default     = 100

  validation {
    condition     = var.throttling_burst_limit >= 1 && floor(var.throttling_burst_limit) == var.throttling_burst_limit
    error_message = "throttling_burst_limit must be a whole number >= 1."
  }
}

variable "usage_plan_quota_limit" {
  description = "Requests one API key may make per usage_plan_quota_period."
  type        = number
  default     = 100000

  validation {
    condition     = var.usage_plan_quota_limit >= 1 && floor(var.usage_plan_quota_limit) == var.usage_plan_quota_limit
    error_message = "usage_plan_quota_limit must be a whole number >= 1."
  }
}

variable "usage_plan_quota_period" {
  description = "Period of the API key's quota: DAY, WEEK or MONTH."
  type        = string
  default     = "MONTH"

  validation {
    condition     = contains(["DAY", "WEEK", "MONTH"], var.usage_plan_quota_period)
    error_message = "usage_plan_quota_period must be DAY, WEEK or MONTH."
  }
}

variable "api_gateway_cloudwatch_role_name" {
  description = "IAM role the region's API Gateway account setting points at, for access and execution logs. terraform/bootstrap owns that setting; an environment only checks that the role exists. null means the bootstrap's role, dynamodbmanager-apigateway-cloudwatch-<region>."
  type        = string
  default     = null

  validation {
    condition     = can(regex("^[a-zA-Z0-9+=,.@_-]{1,64}$", coalesce(var.api_gateway_cloudwatch_role_name, "default")))
    error_message = "api_gateway_cloudwatch_role_name must be an IAM role name: 1-64 letters, digits or +=,.@_-."
  }
}

variable "detailed_metrics_enabled" {
  description = "Detailed CloudWatch metrics for every method of the stage (per route, not only per API): billed as custom metrics, up to about 27 USD a month with traffic on every route. The alarms and the dashboard need only the per-API metrics, which are free."
  type        = bool
  default     = false
}

variable "waf_enabled" {
  description = "Put an AWS WAF web ACL (AWS managed common and known-bad-input rules, a per-IP rate limit) in front of the stage. About 5 USD a month plus 1 USD per rule."
  type        = bool
  default     = true
}

variable "waf_full_logging_enabled" {
  description = "Log every request WAF sees (0.50 USD per GB to CloudWatch Logs, about 1 KB a request); false logs only the requests it blocks or counts."
  type        = bool
  default     = false
}

variable "waf_rate_limit_per_5_minutes" {
  description = "Requests one IP address may make in 5 minutes before WAF blocks it."
  type        = number
  default     = 2000

  validation {
    condition     = var.waf_rate_limit_per_5_minutes >= 10 && var.waf_rate_limit_per_5_minutes <= 2000000000
    error_message = "waf_rate_limit_per_5_minutes must be between 10 and 2,000,000,000."
  }
}

# --- Monitoring -----------------------------------------------------------------------------------

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (AWS sends a confirmation mail first); null subscribes nobody."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", coalesce(var.alarm_email, "x@y.z")))
    error_message = "alarm_email must be an e-mail address or null."
  }
}

variable "alarm_email_required" {
  description = "Refuse to plan without alarm_email, so that nobody deploys an environment whose alarms reach nobody; prod sets it. Set false there only if the alarm topic is subscribed some other way."
  type        = bool
  default     = false

  validation {
    condition     = !var.alarm_email_required || var.alarm_email != null
    error_message = "This environment's alarms must reach someone: set alarm_email in its tfvars (e.g. alarm_email = \"oncall@example.com\"), or set alarm_email_required = false there if the alarm topic is subscribed some other way."
  }
}

variable "api_latency_p99_threshold_ms" {
  description = "The p99 latency alarm fires when the API's 99th percentile stays above this many milliseconds for 15 minutes."
  type        = number
  default     = 1500

  validation {
    condition     = var.api_latency_p99_threshold_ms > 0
    error_message = "api_latency_p99_threshold_ms must be positive."
  }
}

variable "alarm_error_threshold" {
  description = "Lambda errors, Lambda throttles, API 5XX responses or DynamoDB throttled requests in 5 minutes that fire their alarm."
  type        = number
  default     = 1

  validation {
    condition     = var.alarm_error_threshold >= 1
    error_message = "alarm_error_threshold must be at least 1."
  }
}
