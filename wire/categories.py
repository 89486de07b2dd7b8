"""The one problem category both sides know by name: `unclassified`.

A terminal sends it when the citizen chose "不知道选哪个，请工作人员帮您分"; the
platform records it, too, for a category it no longer accepts (a terminal that had
not pulled the newest list when the citizen confirmed), keeping the code it was
given, so that the office classifies the case instead of refusing a submission the
citizen was told had been saved.
"""

from __future__ import annotations

UNCLASSIFIED = "unclassified"
