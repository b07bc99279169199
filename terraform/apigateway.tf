# The REST API: every route is proxied (AWS_PROXY) to the one function, which knows the HTTP contract.
# Explicit resources rather than a {proxy+} catch-all, so the split between authenticated data routes
# and public routes is visible here and in the console.

locals {
  # Path segments: top-level resources, then their children.
  has_sort_key = local.range_key != null
  has_indexes  = length(local.index_names) > 0
  top_resources = merge(
    {
      dynamodbmanager = "dynamodbmanager"
      items           = "items"
      health          = "health"
      openapi         = "openapi.json"
      console         = "console"
      table           = "table"
    },
    local.has_indexes ? { indexes = "indexes" } : {},
  )
  child_resources = {
    item          = { parent = "items", path_part = "{id}" }
    console_asset = { parent = "console", path_part = "{proxy+}" }
  }

  # Routes the function serves. public = true: no API key or signature (the health check and the web
  # console's static files; the console calls the data routes with the user's key).
  # The item is /items/{id} on a table with a partition key only, /items/{id}/{sk} with a sort key (then
  # GET /items/{id} is the partition, read by Query); each index's partitions are /indexes/{index}/items/{pk}.
  item_resource = local.has_sort_key ? "item_sort" : "item"
  design_routes = merge(
    {
      "GET /table"                         = { resource = "table", method = "GET", public = false }
      "GET /items/{id}${local.sk_path}"    = { resource = local.item_resource, method = "GET", public = false }
      "PUT /items/{id}${local.sk_path}"    = { resource = local.item_resource, method = "PUT", public = false }
      "PATCH /items/{id}${local.sk_path}"  = { resource = local.item_resource, method = "PATCH", public = false }
      "DELETE /items/{id}${local.sk_path}" = { resource = local.item_resource, method = "DELETE", public = false }
    },
    local.has_sort_key ? { "GET /items/{id}" = { resource = "item", method = "GET", public = false } } : {},
    local.has_indexes ? {
      "GET /indexes/{index}/items/{pk}" = { resource = "index_partition", method = "GET", public = false }
    } : {},
  )
  sk_path = local.has_sort_key ? "/{sk}" : ""

  routes = merge(local.design_routes, {
    "POST /dynamodbmanager" = { resource = "dynamodbmanager", method = "POST", public = false }
    "GET /items"            = { resource = "items", method = "GET", public = false }
    "POST /items"           = { resource = "items", method = "POST", public = false }
    "GET /openapi.json"     = { resource = "openapi", method = "GET", public = false }
    "GET /health"           = { resource = "health", method = "GET", public = true }
    "GET /console"          = { resource = "console", method = "GET", public = true }
    "GET /console/{proxy+}" = { resource = "console_asset", method = "GET", public = true }
  })

  # CORS preflights carry no credentials by design; the function answers them.
  # Every resource by name, known at plan time (for_each keys cannot wait for the resources' ids).
  resource_names = concat(
    keys(local.top_resources),
    keys(local.child_resources),
    local.has_sort_key ? ["item_sort"] : [],
    local.has_indexes ? ["index", "index_items", "index_partition"] : [],
  )
  preflights = {
    for key in local.resource_names : "OPTIONS ${key}" => { resource = key, method = "OPTIONS", public = true }
  }

  methods = merge(local.routes, local.preflights)

  resource_ids = merge(
    { for key, r in aws_api_gateway_resource.top : key => r.id },
    { for key, r in aws_api_gateway_resource.child : key => r.id },
    { for r in aws_api_gateway_resource.item_sort : "item_sort" => r.id },
    { for r in aws_api_gateway_resource.index : "index" => r.id },
    { for r in aws_api_gateway_resource.index_items : "index_items" => r.id },
    { for r in aws_api_gateway_resource.index_partition : "index_partition" => r.id },
  )

  # Path parameters each resource's methods must receive, checked by the request validator.
  path_parameters = {
    item            = { "method.request.path.id" = true }
    item_sort       = { "method.request.path.id" = true, "method.request.path.sk" = true }
    index           = { "method.request.path.index" = true }
    index_items     = { "method.request.path.index" = true }
    index_partition = { "method.request.path.index" = true, "method.request.path.pk" = true }
    console_asset   = { "method.request.path.proxy" = true }
  }
}

resource "aws_api_gateway_rest_api" "this" {
  name           = local.name
  description    = "dynamodbmanager: CRUD HTTP API over the ${local.table_name} DynamoDB table"
  api_key_source = "HEADER"

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  tags = local.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_resource" "top" {
  for_each = local.top_resources

  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_rest_api.this.root_resource_id
  path_part   = each.value
}

resource "aws_api_gateway_resource" "child" {
  for_each = local.child_resources

  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.top[each.value.parent].id
  path_part   = each.value.path_part
}

# The levels below /items/{id} and /indexes that the table's design calls for.
resource "aws_api_gateway_resource" "item_sort" {
  count = local.has_sort_key ? 1 : 0

  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.child["item"].id
  path_part   = "{sk}"
}

resource "aws_api_gateway_resource" "index" {
  count = local.has_indexes ? 1 : 0

  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.top["indexes"].id
  path_part   = "{index}"
}

resource "aws_api_gateway_resource" "index_items" {
  count = local.has_indexes ? 1 : 0

  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.index[0].id
  path_part   = "items"
}

resource "aws_api_gateway_resource" "index_partition" {
  count = local.has_indexes ? 1 : 0

  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.index_items[0].id
  path_part   = "{pk}"
}

resource "aws_api_gateway_request_validator" "parameters" {
  name                        = "path-parameters"
  rest_api_id                 = aws_api_gateway_rest_api.this.id
  validate_request_parameters = true
  # Bodies are validated by the function, which answers with the service's own error format.
  validate_request_body = false
}

resource "aws_api_gateway_method" "this" {
  for_each = local.methods

  rest_api_id          = aws_api_gateway_rest_api.this.id
  resource_id          = local.resource_ids[each.value.resource]
  http_method          = each.value.method
  authorization        = !each.value.public && var.api_auth == "AWS_IAM" ? "AWS_IAM" : "NONE"
  api_key_required     = !each.value.public && var.api_auth == "API_KEY"
  request_validator_id = aws_api_gateway_request_validator.parameters.id
  request_parameters   = lookup(local.path_parameters, each.value.resource, null)

  #checkov:skip=CKV_AWS_59:Only the health check, the console's static files and CORS preflights are public; every data route requires a key or a signature (api_auth).
  #checkov:skip=CKV2_AWS_70:Same as CKV_AWS_59: public methods are the health check, the console's static files and CORS preflights.
}

# Each integration invokes the alias `live` when provisioned concurrency or SnapStart is on (concurrency.tf),
# the function itself otherwise.
resource "aws_api_gateway_integration" "this" {
  for_each = local.methods

  rest_api_id             = aws_api_gateway_rest_api.this.id
  resource_id             = aws_api_gateway_method.this[each.key].resource_id
  http_method             = aws_api_gateway_method.this[each.key].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = local.invoke_arn
}

resource "aws_lambda_permission" "api_gateway" {
  statement_id  = "AllowInvokeFromThisApi"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  qualifier     = local.invoke_qualifier
  principal     = "apigateway.amazonaws.com"
  # Any stage, method and path of this API, and of no other.
  source_arn = "${aws_api_gateway_rest_api.this.execution_arn}/*"
}

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  description = "Routes and integrations of ${local.name}"

  # A new deployment whenever the API's definition changes; otherwise the stage keeps serving the old one.
  triggers = {
    redeployment = sha1(jsonencode([
      local.methods,
      { for key, r in aws_api_gateway_resource.top : key => [r.id, r.path_part] },
      { for key, r in aws_api_gateway_resource.child : key => [r.id, r.parent_id, r.path_part] },
      local.resource_ids,
      local.path_parameters,
      { for key, m in aws_api_gateway_method.this : key => [m.id, m.authorization, m.api_key_required] },
      { for key, i in aws_api_gateway_integration.this : key => [i.id, i.type, i.uri] },
      aws_api_gateway_request_validator.parameters.id,
      { for key, r in aws_api_gateway_gateway_response.cors : key => [r.id, r.response_parameters] },
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [aws_api_gateway_integration.this]
}

resource "aws_api_gateway_stage" "this" {
  rest_api_id          = aws_api_gateway_rest_api.this.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = var.stage_name
  description          = "${var.environment} stage of ${local.name}"
  xray_tracing_enabled = var.tracing_enabled

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      extendedRequestId  = "$context.extendedRequestId"
      requestTime        = "$context.requestTime"
      ip                 = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
      httpMethod         = "$context.httpMethod"
      resourcePath       = "$context.resourcePath"
      path               = "$context.path"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationLatency = "$context.integrationLatency"
      integrationStatus  = "$context.integrationStatus"
      errorMessage       = "$context.error.message"
      apiKeyId           = "$context.identity.apiKeyId"
      wafStatus          = "$context.waf.status"
      xrayTraceId        = "$context.xrayTraceId"
    })
  }

  tags = local.tags

  # Execution and access logs need the region's logging role (terraform/bootstrap) in place.
  depends_on = [data.aws_iam_roles.api_gateway_cloudwatch, aws_cloudwatch_log_group.api_execution]

  #checkov:skip=CKV_AWS_120:Items change on every write; a response cache would serve stale items and costs by the hour.
  #checkov:skip=CKV2_AWS_77:The web ACL (waf.tf) has the Log4j rules (known bad inputs); the check also demands the anonymous-IP list, which would block clients that run on cloud hosts.
  #checkov:skip=CKV2_AWS_51:Clients are browsers and scripts with API keys, not mutual-TLS peers; the integration is Lambda, not an HTTP backend to authenticate to.
  #checkov:skip=CKV2_AWS_4:Execution logs are at ERROR; per-method metrics are opt-in (detailed_metrics_enabled) for their cost, and the per-API metrics the alarms use are always sent.
}

resource "aws_api_gateway_method_settings" "all" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = "*/*"

  settings {
    # Per-method metrics are billed as custom metrics; the per-API ones the alarms use are always sent.
    metrics_enabled = var.detailed_metrics_enabled
    logging_level   = "ERROR"
    # Full request and response logging would copy items (user data) into the logs.
    data_trace_enabled     = false
    throttling_rate_limit  = var.throttling_rate_limit
    throttling_burst_limit = var.throttling_burst_limit
    caching_enabled        = false
  }

  #checkov:skip=CKV_AWS_225:Caching is off on purpose: items change on every write (see CKV_AWS_120 on the stage).
}

# --- CORS on API Gateway's own answers ------------------------------------------------------------

# A request refused before it reaches the function (missing or invalid key, throttled, quota spent,
# blocked by WAF, a gateway error) is answered by API Gateway, without the function's CORS headers: a
# browser then reports a CORS error instead of the status. These responses carry them too.
locals {
  # One origin (or "*") is named as it is. Of several, a gateway response cannot pick the one that
  # asked, so it echoes the request's Origin: these bodies hold only the gateway's own message.
  gateway_response_origin = (
    length(var.cors_allowed_origins) == 0 ? null :
    contains(var.cors_allowed_origins, "*") ? "'*'" :
    length(var.cors_allowed_origins) == 1 ? "'${var.cors_allowed_origins[0]}'" :
    "method.request.header.Origin"
  )
  gateway_response_headers = local.gateway_response_origin == null ? {} : merge(
    { "gatewayresponse.header.Access-Control-Allow-Origin" = local.gateway_response_origin },
    local.gateway_response_origin == "'*'" ? {} : { "gatewayresponse.header.Vary" = "'Origin'" },
  )
}

resource "aws_api_gateway_gateway_response" "cors" {
  for_each = length(local.gateway_response_headers) == 0 ? toset([]) : toset(["DEFAULT_4XX", "DEFAULT_5XX"])

  rest_api_id         = aws_api_gateway_rest_api.this.id
  response_type       = each.key
  response_parameters = local.gateway_response_headers
  # API Gateway's default body, kept: clients and the console read {"message": ...}.
  response_templates = {
    "application/json" = "{\"message\":$context.error.messageString}"
  }
}

# --- API key and usage plan (api_auth = "API_KEY") ------------------------------------------------

resource "aws_api_gateway_api_key" "this" {
  count = var.api_auth == "API_KEY" ? 1 : 0

  name        = "${local.name}-default"
  description = "Default client key of ${local.name}; send it as the x-api-key header"
  enabled     = true
  tags        = local.tags
}

resource "aws_api_gateway_usage_plan" "this" {
  count = var.api_auth == "API_KEY" ? 1 : 0

  name        = "${local.name}-default"
  description = "Throttle and quota for the keys of ${local.name}"

  api_stages {
    api_id = aws_api_gateway_rest_api.this.id
    stage  = aws_api_gateway_stage.this.stage_name
  }

  throttle_settings {
    rate_limit  = var.throttling_rate_limit
    burst_limit = var.throttling_burst_limit
  }

  quota_settings {
    limit  = var.usage_plan_quota_limit
    period = var.usage_plan_quota_period
  }

  tags = local.tags
}

resource "aws_api_gateway_usage_plan_key" "this" {
  count = var.api_auth == "API_KEY" ? 1 : 0

  key_id        = aws_api_gateway_api_key.this[0].id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.this[0].id
}
