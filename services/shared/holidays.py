"""The Dutch general holidays of the Algemene termijnenwet (art. 3): the law by which Dutch statutory deadlines
are computed; signals counts working days by it and video closes office hours on it."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from dateutil.easter import easter

SATURDAY, SUNDAY = 5, 6


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[date]:
    """The weekday-relevant holidays of Algemene termijnenwet art. 3 in ``year``.

    Easter Sunday and Whit Sunday are left out because they are Sundays anyway. Good Friday is left out
    because the Algemene termijnenwet does not list it (many collective agreements do; the law does not).
    """
    easter_sunday = easter(year)
    kings_day = date(year, 4, 27)
    if kings_day.weekday() == SUNDAY:  # King's Day moves to the Saturday before when 27 April is a Sunday
        kings_day = date(year, 4, 26)
    return frozenset(
        {
            date(year, 1, 1),  # Nieuwjaarsdag
            # no Goede Vrijdag (Good Friday): art. 3 does not list it
            easter_sunday + timedelta(days=1),  # Tweede Paasdag
            kings_day,  # Koningsdag
            date(year, 5, 5),  # Bevrijdingsdag: every year under this law, not only in lustrum years
            easter_sunday + timedelta(days=39),  # Hemelvaartsdag
            easter_sunday + timedelta(days=50),  # Tweede Pinksterdag
            date(year, 12, 25),  # Eerste Kerstdag
            date(year, 12, 26),  # Tweede Kerstdag
        }
    )
