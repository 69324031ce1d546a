"""Domain events sent by actions after commit, for derived data such as the search index.

Actions send; subscribers (search indexing, later digests or webhooks) connect in their
``init_app``. Keeping this list in one place shows every side effect a write can have.
Each signal is sent with the app as sender and ids as keyword arguments, never objects
from a session that may be closed by the time a subscriber runs.
"""

from blinker import Namespace

_signals = Namespace()

#: A thread's title, group, status or pinning changed, or it was created: ``thread_id``.
thread_saved = _signals.signal("thread-saved")

#: A post was created, edited, hidden, approved, deleted or moved: ``post_id``.
post_saved = _signals.signal("post-saved")

#: A thread and all its posts were removed for good: ``thread_id``, ``post_ids``.
thread_removed = _signals.signal("thread-removed")

#: A group's visibility or status changed, so every post in it may read differently:
#: ``group_id``.
group_access_changed = _signals.signal("group-access-changed")
