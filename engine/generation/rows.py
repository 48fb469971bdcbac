"""Which rows of a batch are shown: the first that pass, by row number, whatever order they finish in."""

from __future__ import annotations


class RowPicker:
    """Chooses which of a batch's ``n`` rows are shown: the first ``need`` (by row number)
    that pass, whatever order they finish in. A row is released as soon as it passes and no
    unfinished row before it could push it out."""

    def __init__(self, n: int, need: int) -> None:
        self.need = need
        self.passed: list[object | None] = [None] * n
        self.pending = [True] * n
        self.shown = [False] * n

    def finish(self, row: int, passed: object | None) -> list:
        """Row ``row`` is done (``passed``: what to show, or None when refused); returns the
        rows' items that are now sure to be shown, in row order."""
        self.pending[row] = False
        self.passed[row] = passed
        released = []
        ahead = 0  # rows before r that passed or still may
        for r, item in enumerate(self.passed):
            if ahead >= self.need:
                break
            if item is not None and not self.shown[r]:
                self.shown[r] = True
                released.append(item)
            if self.pending[r] or item is not None:
                ahead += 1
        return released

    @property
    def settled(self) -> bool:
        """All ``need`` rows are known: the rest of the batch is not needed."""
        return sum(self.shown) >= self.need
