"""Importers and exporters: status-page reports, whole-database TOML, postmortem markdown, CSV.

Pure data work over the services' plain-SQL connection: no UI, no git.
"""
