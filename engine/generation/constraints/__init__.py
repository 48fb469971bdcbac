"""The rules generation adds to the token grammar, one object each.

A :class:`ConstrainedGrammar` is the token grammar plus a list of constraints. Each
constraint narrows the grammar's mask (``narrow``) and says what that depends on
(``memo_key``), side by side, so a new rule cannot forget its part of the memo key:

- :class:`KeyChoices`: a key-normalised model writes in C major or A minor only;
- :class:`Register`: chords stay low and the melody above the chord sounding under it;
- :class:`Voicing`: a chord's voicing holds its symbol's tones, its root and third among them;
- :class:`Harmony`: every bar has a chord, struck first, on the harmonic rhythm's grid;
- :class:`KeepPart`: follow a kept part (chords or melody) exactly, the other part free;
- :class:`Repeat`: a bar marked as repeating an earlier bar (REP) repeats it;
- :class:`Script`: forced tokens (a primer's opening bars).

``ConstrainedGrammar.choices()`` memoises the mask in a dict shared by all rows and calls,
keyed on the grammar's own ``situation()`` plus every constraint's key: each distinct
situation is computed once.
"""

from .grammar import ConstrainedGrammar, constraints_for
from .harmony import HARMONIC_RHYTHMS, Harmony, chord_grid
from .keep import KeepPart, KeptPart
from .opening import KeyChoices, Script
from .register import GEN_MELODY_BOTTOM, GEN_VOICING_TOP, Register
from .repeat import Repeat
from .rule import Constraint
from .voicing import Voicing

__all__ = [
    "GEN_MELODY_BOTTOM",
    "GEN_VOICING_TOP",
    "HARMONIC_RHYTHMS",
    "ConstrainedGrammar",
    "Constraint",
    "Harmony",
    "KeepPart",
    "KeptPart",
    "KeyChoices",
    "Register",
    "Repeat",
    "Script",
    "Voicing",
    "chord_grid",
    "constraints_for",
]
