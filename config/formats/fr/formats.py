"""French: 2 déc. 2026, 2 déc. 2026 14:30 (never 02/12/2026)."""

from __future__ import annotations

DATE_FORMAT = "j N Y"
SHORT_DATE_FORMAT = "j N Y"
DATETIME_FORMAT = "j N Y H:i"
SHORT_DATETIME_FORMAT = "j N Y H:i"
MONTH_DAY_FORMAT = "j F"
TIME_FORMAT = "H:i"
