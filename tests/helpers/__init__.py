"""Helpers for the robustness tests: child processes they spawn and the stress harness."""
