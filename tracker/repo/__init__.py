"""What lives in the git repository: ``gitsync`` (the only module that talks to git), the runbook
workspace (files, index and git together), and the weekly review's committed record."""
