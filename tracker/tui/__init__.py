"""The Textual app. Imported only when the app runs, never by the CLI's other commands."""
