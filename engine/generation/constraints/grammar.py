"""The token grammar narrowed by a row's rules, its masks memoised, and the rules a row takes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...music.idea import Key
from ...tokens.grammar import Grammar, State
from ..sampling import CLOSING_TOKENS
from .harmony import Harmony
from .keep import KeepPart, KeptPart
from .opening import KeyChoices, Script
from .register import Register
from .repeat import Repeat
from .rule import Constraint
from .voicing import Voicing


class ConstrainedGrammar(Grammar):
    """The token grammar narrowed by generation's constraints (applied in order).

    ``cache``: the mask memo shared by all rows and calls (masks depend only on the grammar
    situation, never on the model)."""

    def __init__(
        self,
        *args,
        constraints: Sequence[Constraint] = (),
        cache: dict | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.constraints = tuple(c for c in constraints if not c.finishing)
        self.finish = tuple(c for c in constraints if c.finishing)
        self.steps = 0  # tokens fed (rules may keep per-step work by it)
        self.biasing = tuple(c for c in self.constraints if getattr(c, "biases", False))
        self._cache = cache if cache is not None else {}
        self._profile = hash(
            (
                self.plan,
                self.fixed_key,
                self.fixed_meter,
                self.fixed_tempo,
                tuple(c.profile for c in self.constraints),
                tuple(c.profile for c in self.finish),
            )
        )

    # -- what the constraints ask of the grammar -----------------------------
    def bar_has_chord(self) -> bool:
        """Whether a chord has started in the current bar (the one being voiced counts)."""
        if self.state is State.VOICING:
            return True
        if self.open_chord is not None and self.open_chord[2] >= self.bar_start:
            return True
        return bool(self.chords) and self.chords[-1].onset >= self.bar_start

    def preferred(self) -> int | None:
        """A token a rule would have the model favour now (see ``Repeat.preferred``), or None."""
        for rule in self.finish:
            prefer = getattr(rule, "preferred", None)
            if prefer is not None:
                token = prefer(self)
                if token is not None:
                    return token
        return None

    def logit_bias(self) -> np.ndarray | None:
        """What the rules that inform the model add to its logits now (a vector over the
        vocabulary), or None. Only rules with ``biases`` set are asked."""
        total = None
        for rule in self.biasing:
            bias = rule.bias(self)
            if bias is not None:
                total = bias if total is None else total + bias
        return total

    def end_of_bar_tokens_now(self) -> list[int]:
        """The tokens that would close the current bar (whether or not it may close now)."""
        return self._end_of_bar_tokens()

    # -- masks ---------------------------------------------------------------
    def memo_key(self) -> tuple | None:
        """The grammar's situation and every constraint's key, or None (not memoised)."""
        situation = self.situation()
        if situation is None:
            return None
        key = [self._profile, situation]
        for constraint in self.constraints:
            part = constraint.memo_key(self)
            if part is None:
                return None
            key.append(part)
        return tuple(key)

    def allowed(self) -> np.ndarray:
        """The mask of every constraint, computed afresh (``choices`` gives the same, memoised)."""
        return self._finished(self._narrowed())

    def _narrowed(self) -> np.ndarray:
        """The mask of the memoised constraints (the finishing rules not applied)."""
        mask = super().allowed()
        for constraint in self.constraints:
            constraint.narrow(self, mask)
        if not mask.any():  # never leave a row with no way on
            return super().allowed()
        return mask

    def _finished(self, mask: np.ndarray) -> np.ndarray:
        """``mask`` narrowed by the finishing rules (unless they would leave nothing)."""
        if not self.finish:
            return mask
        done = mask.copy()
        for rule in self.finish:
            rule.narrow(self, done)
        return done if done.any() else mask

    def choices(self) -> tuple[np.ndarray, int, np.ndarray, bool]:
        """(read-only mask of allowed tokens, the forced token or -1, the tokens whose logits
        a draw needs (the allowed ones, and all closing tokens where one is allowed), whether
        a bar-closing token is allowed).

        The finishing rules (``finish``) narrow the memoised mask in a second step with a key
        of their own: the chord symbol a voicing must sound would otherwise multiply every
        voicing situation by the symbols (a cache miss on most voicing tokens)."""
        key = self.memo_key()
        if key is None:
            return self._finish(self._choices(self._narrowed()), None)
        entry = self._cache.get(key)
        if entry is None:  # (the memoised constraints' choices, the finished ones by key)
            entry = self._cache[key] = (self._choices(self._narrowed()), {})
        return self._finish(*entry)

    def _finish(self, hit: tuple, finished: dict | None) -> tuple:
        """``hit`` narrowed by the finishing rules, memoised in ``finished`` by their keys."""
        if not self.finish:
            return hit
        keys = tuple(rule.memo_key(self) for rule in self.finish)
        if not any(keys):
            return hit
        if finished is not None:
            done = finished.get(keys)
            if done is not None:
                return done
        mask = self._finished(hit[0])
        result = hit if mask is hit[0] else self._choices(mask)
        if finished is not None:
            finished[keys] = result
        return result

    @staticmethod
    def _choices(mask: np.ndarray) -> tuple[np.ndarray, int, np.ndarray, bool]:
        mask.flags.writeable = False
        allowed = np.flatnonzero(mask)
        closing = bool(mask[CLOSING_TOKENS].any())
        needed = np.union1d(allowed, CLOSING_TOKENS) if closing else allowed
        return (mask, int(allowed[0]) if len(allowed) == 1 else -1, needed, closing)

    def feed(self, token: int, check: bool = True) -> None:
        for constraint in self.constraints:
            constraint.fed(token)
        super().feed(token, check)
        self.steps += 1


def constraints_for(
    *,
    keep_register: bool = True,
    harmonic_rhythm: str | None = None,
    key_choices: Sequence[Key] | None = None,
    shift: int = 0,
    kept: KeptPart | None = None,
    script: Sequence[int] = (),
    complete_voicings: bool = False,
) -> list[Constraint]:
    """The constraints of one generation row, in the order they apply."""
    out: list[Constraint] = []
    if key_choices:
        out.append(KeyChoices(key_choices))
    if keep_register:
        out.append(Register(shift, kept))
    out.append(KeepPart(kept, harmonic_rhythm) if kept is not None else Harmony(harmonic_rhythm))
    if kept is None or kept.keep == "chords":  # a new melody repeats where it is marked
        out.append(Repeat(harmonic_rhythm, kept))
    if script:
        out.append(Script(script))
    if complete_voicings and (kept is None or kept.keep == "melody"):
        out.append(Voicing())  # new chords sound their symbols, root and third (applied last)
    return out
