"""The interface of a generation rule: its mask, its memo key, the tokens it is fed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .grammar import ConstrainedGrammar

NOT_MEMOISED = None  # a memo key that says: compute the mask afresh


class Constraint:
    """One generation rule. ``profile``: its fixed settings (hashable). A *finishing* rule
    narrows the memoised mask afterwards, with a key of its own (see
    ``ConstrainedGrammar.choices``); its ``memo_key`` is falsy where it has nothing to say."""

    profile: tuple = ()
    finishing = False
    biases = False  # whether ``bias`` may inform the model's logits

    def bias(self, g: "ConstrainedGrammar") -> np.ndarray | None:
        """A logit bias over the vocabulary to add now (rules with ``biases`` set), or None."""
        return None

    def narrow(self, g: "ConstrainedGrammar", mask: np.ndarray) -> None:
        """Remove from ``mask`` the tokens this rule forbids next."""

    def memo_key(self, g: "ConstrainedGrammar") -> tuple | None:
        """What ``narrow`` depends on in ``g``'s current state beyond ``g.situation()`` and
        the profiles, or None when the mask must not be memoised now."""
        return ()

    def fed(self, token: int) -> None:
        """``token`` was accepted (for rules that follow a script)."""
