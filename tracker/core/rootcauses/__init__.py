"""The root-cause taxonomy: names and aliases (``names``), reading (``queries``), changing (``changes``),
and which causes fit an incident best (``suggest``)."""

from tracker.core.rootcauses.queries import CauseIncident, RootCauseRow, cause_choices, get_root_cause, list_root_causes

__all__ = ["CauseIncident", "RootCauseRow", "cause_choices", "get_root_cause", "list_root_causes"]
