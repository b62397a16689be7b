"""pytest plugin for ``mutation_probe.py``: disables one ``verify()`` condition.

``DLNSCAPE_MUTATION=<prefix>`` makes every certificate check whose name contains the text
pass unconditionally (``CheckReport.add`` records ok=True), as if that line were deleted.
"""

import os

from dlnscape.critical import certificates as _c

_PREFIX = os.environ.get("DLNSCAPE_MUTATION", "")
if _PREFIX:
    _orig = _c.CheckReport.add

    def _add(self, name, ok, **numbers):
        return _orig(self, name, True if _PREFIX in name else ok, **numbers)

    _c.CheckReport.add = _add
