"""The Zendesk integration: connections, the API client, sync, webhooks, erasure and the sidebar app."""
