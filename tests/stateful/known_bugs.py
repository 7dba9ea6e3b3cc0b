"""Service bugs the machines found and that are not fixed yet: the machines tolerate exactly these.

Each has a strict-xfail regression test in test_regressions.py. When a fix lands, its test passes, the
strict xfail turns that into a failure, and the marker there and the flag here go together.
"""

from __future__ import annotations

# A dedicated session closed (max TTL or cancel()) while its job runs stops counting usage at the close;
# sem §1.6 says usage ends when the session closes "or when the last job completes, whichever happens last".
USAGE_STOPS_AT_CLOSE = False
