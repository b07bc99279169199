"""The service's HTTP API: the classic RPC endpoint, the REST resource API, and the app that routes to them."""
