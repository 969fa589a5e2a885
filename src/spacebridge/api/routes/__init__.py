"""HTTP routes, one module per resource. Thin: validate, call the service, shape the response."""
