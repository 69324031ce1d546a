"""What the shared pager template (``_pagination.html``) asks of a page of anything."""

from __future__ import annotations


class PageLinks:
    """Previous/next for a class with ``page`` and ``pages`` (1-based; 0 pages: none)."""

    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1
