"""The bottom layer: errors, the clock and time helpers, text helpers. Imports nothing of the tracker above it."""
