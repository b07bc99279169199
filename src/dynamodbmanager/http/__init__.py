"""The HTTP layer: API Gateway events in, API Gateway results out, routes, CORS. It knows no DynamoDB."""
