"""The items domain: router, schemas, model, service, repository and dependencies."""
