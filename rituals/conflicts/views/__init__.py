"""Thin views for conflicts, escalations, obstacles, 1:1s and post-mortems, one module each."""
