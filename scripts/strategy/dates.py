"""How the publication writes a date. Kept apart from the chapters so that what only shows a date (the site's
banner) imports no chapter module."""

from __future__ import annotations

import datetime as dt


def long_date(day: dt.date) -> str:
    """A date as the ILO writes it: 2 March 2026."""
    return f"{day.day} {day:%B %Y}"
