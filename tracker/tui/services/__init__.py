"""The app's services, one module per concern; the store (``tracker.tui.store``) holds one of each.

Each method does one unit of work through ``tracker.core``, ``tracker.repo`` or ``tracker.exchange``
and returns plain typed data. Screens call them from thread workers only.
"""
