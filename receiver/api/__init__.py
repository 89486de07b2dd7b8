"""The platform's HTTP layer: one FastAPI router per resource, composed by
`receiver.app.create_app`. Routers only read the request, call the platform's parts
(`receiver.auth`, `receiver.intake`, `receiver.storage`) and write the answer."""
