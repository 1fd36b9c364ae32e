"""The dvcbot application: configuration, CLI, content, channel adapters and the web app."""
