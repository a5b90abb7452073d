"""tracker: a post-incident runbook and corrective-action tracker for on-call engineers."""

__version__ = "0.1.0"
