"""What an idea opens with: the keys it may take, a primer's forced tokens."""

from __future__ import annotations

from collections.abc import Sequence

from ...music.idea import Key
from ...tokens.grammar import State
from ...tokens.vocab import VOCAB
from .rule import NOT_MEMOISED, Constraint


class KeyChoices(Constraint):
    """Only these keys may open an idea (a key-normalised model: C major or A minor)."""

    def __init__(self, keys: Sequence[Key]) -> None:
        self.keys = tuple(keys)
        self.profile = ("keys", self.keys)

    def narrow(self, g, mask) -> None:
        if g.state is State.KEY and g.fixed_key is None:
            mask[:] = False
            for key in self.keys:
                mask[VOCAB.key(key)] = True


class Script(Constraint):
    """Forced tokens, one after another (a primer's opening bars), then free."""

    def __init__(self, tokens: Sequence[int]) -> None:
        self.queue = list(tokens)
        self.profile = ("script", len(self.queue))

    def memo_key(self, g) -> tuple | None:
        return NOT_MEMOISED if self.queue else ()

    def narrow(self, g, mask) -> None:
        if self.queue:
            mask[:] = False
            mask[self.queue[0]] = True

    def fed(self, token: int) -> None:
        if self.queue:
            if token != self.queue[0]:
                raise ValueError("token differs from the forced script")
            self.queue.pop(0)
