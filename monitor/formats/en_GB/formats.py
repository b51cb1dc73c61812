"""Monitor's one date style, wherever a person reads or types a date: "7 June 2016",
times as "14:05" (Django's en-GB locale would show "7 Jun 2016, 2:05 p.m." and "07/06/2016").

The plain-text profile format keeps its own "Last updated: 07 June 2016" (profiles/textformat.py).
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j F Y"
SHORT_DATETIME_FORMAT = "j F Y, H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3

# Date inputs show and accept "7 June 2016" (history.forms.DateInput drops the leading zero
# that "%d" would write); "7 Jun 2016", ISO "2016-06-07" and "07/06/2016" (day first) are
# accepted too. The first format is also what the admin's calendar writes.
DATE_INPUT_FORMATS = ["%d %B %Y", "%d %b %Y", "%Y-%m-%d", "%d/%m/%Y"]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S"]
DATETIME_INPUT_FORMATS = [
    "%d %B %Y %H:%M",
    "%d %B %Y, %H:%M",
    "%d %B %Y %H:%M:%S",
    "%d %b %Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M",
]
