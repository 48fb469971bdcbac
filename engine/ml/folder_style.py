"""The style a fine-tune teaches a folder as: the one of its base model's styles that the base
already hears the folder best in.

A user's folder comes in without a style (the loader calls every file a "song", the lead
sheets' style); a folder of today's pop taught as "song" must first unlearn the lead sheets
(the default model's loss on 30 POP909 songs: 2.99 nats/token as "song", 2.45 as "pop", 3.25
as "chorale"). So a fine-tune whose songs all carry one style asks its base model which of
its styles fits their validation pieces best and teaches them as that one; songs of mixed
styles were labelled by whoever loaded them and keep their styles.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..tokens.vocab import STYLES
from .dataset import RunData
from .fitting import evaluate


def closest_style(model, data: RunData, base_styles: Sequence[str]) -> tuple[str | None, dict[str, float]]:
    """(the style to teach the run's songs as, the base's validation loss in each style
    tried); (None, {}) where the songs keep their own: they carry several styles, or the
    base knows only one."""
    own = {s.style for s in data.train_songs + data.val_songs}
    candidates = [s for s in dict.fromkeys(base_styles) if s in STYLES]
    if len(own) != 1 or len(candidates) < 2:
        return None, {}
    losses = {style: evaluate(model, data.restyled(style).val_batches) for style in candidates}
    return min(losses, key=lambda style: (losses[style], candidates.index(style))), losses
