"""What day it is, for every judgement that counts days (model shutdowns).

`RECONCILER_TODAY=YYYY-MM-DD` sets it: to see today what a plan will say on a later day
("which of our agents break on 2027-01-14?"), and for tests that must not age.
"""

from __future__ import annotations

import datetime as dt
import os

from reconciler.errors import ConfigError

VARIABLE = "RECONCILER_TODAY"


def today() -> dt.date:
    """Today, or the day RECONCILER_TODAY names."""
    given = os.environ.get(VARIABLE, "").strip()
    if not given:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(given)
    except ValueError:
        raise ConfigError(f"{VARIABLE} must be a date such as 2027-01-14, not {given!r}",
                          hint=f"unset {VARIABLE} to use today") from None
