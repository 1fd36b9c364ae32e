"""The officers' dashboard: one-time login, scoped figures, charts and exports."""
