"""Hỏi cán bộ outside the handlers: the notice worker, pick-up for web chat and console."""
