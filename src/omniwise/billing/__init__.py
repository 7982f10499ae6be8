"""Billing of Omni Messenger through Stripe: a local mirror with no card data, billing rights, entitlements."""
