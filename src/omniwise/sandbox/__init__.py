"""A Zendesk-compatible sandbox: the endpoints the platform uses, with their limits, pagination and webhooks."""
