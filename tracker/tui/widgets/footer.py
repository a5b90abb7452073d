"""A compact footer: the keys of what has focus and of the screen first, the app's after them, only keys
that fit whole (never a word cut at the edge), and ``?`` for the help always at the right.

It also rebuilds at most once per burst of binding changes: Textual's footer queues a full rebuild
for every bindings update; at start-up (mode switch, focus moves) that is five or six rebuilds of
every key, each tens of milliseconds, queued ahead of the first rows.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer


def _width(key: str, description: str) -> int:
    """Cells a compact footer key takes: the key, a space, the description, a space after it."""
    return len(key) + (1 + len(description) if description else 0) + 1


class KeyHint(Widget):
    """One key of the footer: the key in bold, what it does; a click presses it."""

    DEFAULT_CSS = """
    KeyHint { width: auto; height: 1; text-wrap: nowrap; margin: 0 1 0 0; }
    KeyHint.-disabled { text-style: dim; }
    KeyHint.-help { dock: right; margin: 0 0 0 1; padding: 0 1; background: $footer-key-background; }
    KeyHint:hover { background: $block-hover-background; }
    """

    def __init__(self, key: str, display: str, description: str, *, enabled: bool = True, tooltip: str = "",
                 classes: str = "") -> None:
        super().__init__(classes=classes + ("" if enabled else " -disabled"))
        self.key = key
        self.key_display = display
        self.description = description
        if tooltip:
            self.tooltip = tooltip

    def render(self) -> Content:
        return Content.assemble((self.key_display, "bold $footer-key-foreground"),
                                (" " + self.description if self.description else "",
                                 "$footer-description-foreground"))

    def on_click(self) -> None:
        self.app.simulate_key(self.key)


class TrackerFooter(Footer):
    """The footer of every screen and dialog: same look, one rebuild per burst."""

    _rebuild_pending = False

    def __init__(self) -> None:
        super().__init__(compact=True, show_command_palette=False)

    def shown_bindings(self) -> list[tuple[Binding, bool, str]]:
        """The keys to show, the focused widget's and the screen's before the app's, one per action."""
        own: list[tuple[Binding, bool, str]] = []
        app_level: list[tuple[Binding, bool, str]] = []
        seen: set[str] = set()
        for namespace, binding, enabled, tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            (app_level if namespace is self.app else own).append((binding, enabled, tooltip))
        return own + app_level

    def help_binding(self) -> Binding | None:
        for namespace, binding, _, _ in self.screen.active_bindings.values():
            if namespace is self.app and binding.action == "help":
                return binding
        return None

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        help_binding = self.help_binding()
        room = (self.size.width or self.app.size.width) - (
            _width("?", help_binding.description) + 3 if help_binding else 0)
        for binding, enabled, tooltip in self.shown_bindings():
            if binding is help_binding or binding.action == "help":
                continue
            display = self.app.get_key_display(binding)
            needed = _width(display, binding.description)
            if needed > room:
                break
            room -= needed
            yield KeyHint(binding.key, display, binding.description, enabled=enabled, tooltip=tooltip)
        if help_binding is not None:
            yield KeyHint(help_binding.key, self.app.get_key_display(help_binding), help_binding.description,
                          tooltip="every key, this screen's first", classes="-help")

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if self._rebuild_pending:
            return
        self._rebuild_pending = True
        self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        await self.recompose()

    def on_resize(self) -> None:
        self.bindings_changed(self.screen)
