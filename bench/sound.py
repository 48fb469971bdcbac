"""What Play costs on the built-in synth: the SoundFont renderer against the additive synth it
replaced, on the same generated ideas, in one run.

    python -m bench.sound [--ideas 16]

Rows: loading the bundled SoundFont (parse + decode the piano); time from Play to the first
quarter second of audio ready for the sound card (building the performance and rendering the
first read), median and worst over the ideas; the cost of keeping the stream going (render
time per second of audio); rendering a whole idea for WAV export. Baseline, measured here: the
previous built-in synth, which rendered the whole idea (additive tones) before it could play.
Figures vary with the machine's load: compare the ratios, measured side by side.
"""

from __future__ import annotations

import argparse
import statistics
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sound")
    parser.add_argument("--ideas", type=int, default=16, help="ideas of 2 x 8 bars to play")
    args = parser.parse_args(argv)

    from songsketch.engine.api import playback, sound
    from songsketch.engine.api.session import Engine
    from songsketch.engine.common import paths
    from songsketch.engine.generation.generator import GenerationSettings
    from songsketch.engine.playback import soundfont

    engine = Engine()
    engine.load(paths.default_model_dir())
    ideas = engine.generator.generate(GenerationSettings(count=args.ideas, bars_per_section=8, seed=5))

    t = time.perf_counter()
    font = soundfont.SoundFont.load(paths.default_soundfont())
    font.warm({0})
    sound.prepare_rooms()
    load_ms = (time.perf_counter() - t) * 1000

    first = int(0.25 * sound.SAMPLE_RATE)
    starts, stream_cost, whole, baseline = [], [], [], []
    for idea in ideas:
        t = time.perf_counter()
        perf = sound.idea_performance(font, idea)
        sound.Instruments().reverb().process(perf.render(0, first))  # as the stream: with the room
        starts.append((time.perf_counter() - t) * 1000)
        seconds = perf.frames / sound.SAMPLE_RATE
        reverb = sound.Instruments().reverb()
        t = time.perf_counter()
        for at in range(first, perf.frames, 4096):
            reverb.process(perf.render(at, 4096))
        stream_cost.append((time.perf_counter() - t) * 1000 / seconds)
        t = time.perf_counter()
        sound.render_idea(idea, font)
        whole.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        playback.render(idea)  # the old Play: the whole idea rendered before a sound
        baseline.append((time.perf_counter() - t) * 1000)

    med = statistics.median
    length = med(playback.duration_seconds(i) for i in ideas)
    print(f"{args.ideas} ideas of 2 x 8 bars, median {length:.1f} s long; SoundFont {font.name}")
    print(f"{'metric':<52} {'ours':>10} {'baseline':>10} {'ours/base':>10}")
    rows = [
        ("load SoundFont, decode the piano, make the rooms, ms", load_ms, None),
        ("Play to first 0.25 s of audio ready, median ms", med(starts), med(baseline)),
        ("Play to first 0.25 s of audio ready, worst ms", max(starts), max(baseline)),
        ("keeping the stream going, ms per second of audio", med(stream_cost), None),
        ("whole idea rendered (WAV export), median ms", med(whole), med(baseline)),
    ]
    for name, ours, base in rows:
        base_text = f"{base:>10.1f}" if base is not None else f"{'-':>10}"
        ratio = f"{ours / base:>10.2f}" if base else f"{'-':>10}"
        print(f"{name:<52} {ours:>10.1f} {base_text} {ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
