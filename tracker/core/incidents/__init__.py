"""Incidents: reading them (``queries``), their life and fields (``changes``), their timeline
(``timeline``) and their links to root causes (``links``)."""

from tracker.core.incidents.queries import (
    CauseLink,
    IncidentDetail,
    IncidentEventRow,
    IncidentRow,
    TimelineItem,
    component_name,
    count_incidents,
    get_incident,
    get_incident_row,
    incident_history,
    last_incidents,
    list_incidents,
    page_incidents,
    timeline_of,
)

__all__ = [
    "CauseLink", "IncidentDetail", "IncidentEventRow", "IncidentRow", "TimelineItem", "component_name",
    "count_incidents", "get_incident", "get_incident_row", "incident_history", "last_incidents", "list_incidents",
    "page_incidents",
    "timeline_of",
]
