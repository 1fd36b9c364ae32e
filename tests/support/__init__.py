"""Test support: databases, a core to talk to, subprocess helpers."""
