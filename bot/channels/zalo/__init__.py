"""Zalo Official Account channel: signed webhooks in, customer-service messages out (OA API v3)."""
