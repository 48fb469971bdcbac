"""Calibrate how often a published model's ideas repeat bars (and put notes on 16ths), against
its held-out songs.

Sampled alone, the model marks fewer bars as repeating an earlier one than its songs have
(about half as many motifs). This measures, per repeat kind ('motif': rhythm and intervals,
'rhythm': onsets only, as ``music.motif`` finds them), the share of bars that repeat in the
held-out songs (cut to the ideas' 2 x 8 bars) and in generated ideas, and sets a logit bias
per kind in the model card (``repeat_bias``) that brings the two together: b += ln(target /
rate), three rounds. The app's Repetition control (less / more) adds to it. The same for the
share of melody onsets on odd 16ths (card ``onset_bias``): sampled, a model writes fewer than
its songs, though teacher-forced it predicts them in the right proportion.

    python tools/calibrate_repeats.py MODEL_FOLDER [--count 128]
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from songsketch.engine.api.evaluate import windows
from songsketch.engine.assess.evaluation import sixteenth_share
from songsketch.engine.assess.originality import Guard, OriginalityIndex
from songsketch.engine.generation.generator import GenerationSettings, Generator
from songsketch.engine.ml.card import REPEAT_KINDS
from songsketch.engine.ml.store import load, read_extra, read_pointer, write_card
from songsketch.engine.music.motif import repeats
from tools import corpora

CALIBRATED = (*REPEAT_KINDS, "sixteenth")


def rates(ideas) -> dict[str, float]:
    """Bars repeating an earlier bar, per kind, as a share of all bars; and the share of melody
    onsets on odd 16ths, per idea, averaged ('sixteenth', as ``evaluate`` measures it)."""
    found = Counter(kind for idea in ideas for kind, _back in repeats(idea).values())
    bars = sum(idea.bars for idea in ideas)
    sixteenth = sum(sixteenth_share(idea) for idea in ideas) / max(len(ideas), 1)
    return {**{kind: found[kind] / bars for kind in REPEAT_KINDS}, "sixteenth": sixteenth}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--count", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = Path(args.model)
    model = load(folder)
    card = model.card
    held_names = set(card.validation_song_names)
    style = card.styles[0]  # the model's default style is calibrated
    plan = GenerationSettings().plan()
    held = [
        w
        for s in corpora.load().songs
        if s.style == style and s.name in held_names
        for i in s.ideas
        for w in windows(i, plan)
    ]
    target = rates(held)
    print(f"held-out {style} songs ({len(held)} pieces): {target}")
    # calibrated on the ideas a user is shown: the originality guard (on by default) turns away
    # the drafts closest to the songs, the plainer rhythms among them (it would leave 16ths
    # over-represented by a third after a calibration without it)
    index = OriginalityIndex.from_bytes(read_extra(folder, "index")) if read_extra(folder, "index") else None

    def shown(idea) -> bool:
        return index is None or Guard().accepts(index.check(idea))

    bias = {kind: 0.0 for kind in CALIBRATED}
    history = []
    for round_ in range(args.rounds + 1):
        repeat = {k: bias[k] for k in REPEAT_KINDS}
        onset = {"sixteenth": bias["sixteenth"]}
        generator = Generator(model.weights, card.keys, card.complete_voicings, repeat, card.styles, onset)
        ideas = generator.generate(
            GenerationSettings(count=args.count, seed=1000 + round_, style=style), accept=shown
        )
        got = rates(ideas)
        history.append({"bias": dict(bias), "rates": got})
        print(f"round {round_}: bias {bias} -> {got}")
        if round_ == args.rounds:
            break
        for kind in CALIBRATED:
            if got[kind] > 0:
                bias[kind] = round(min(2.0, max(-2.0, bias[kind] + math.log(target[kind] / got[kind]))), 3)
    best = min(
        history,
        key=lambda h: sum(abs(math.log(h["rates"][k] / target[k])) for k in CALIBRATED if h["rates"][k]),
    )
    card_path = folder / read_pointer(folder)["card"]
    calibration = {
        "held_out_rates": target,
        "held_out_pieces": len(held),
        "style": style,
        "guard": "on (the ideas a user is shown)",
        "ideas_per_round": args.count,
        "rounds": history,
        "chosen": best,
    }
    card = replace(
        card,
        repeat_bias={k: best["bias"][k] for k in REPEAT_KINDS},
        onset_bias={"sixteenth": best["bias"]["sixteenth"]},
        repeat_calibration=calibration,
    )
    write_card(card_path, card)
    print(f"biases {best['bias']} written to {card_path.name}")


if __name__ == "__main__":
    main()
