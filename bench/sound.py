"""What Play costs on the built-in synth: the SoundFont renderer against the additive synth it
replaced, on the same generated ideas, in one run.

    python -m bench.sound [--ideas 16]

Rows: loading the bundled SoundFont (parse + decode the piano); time from Play to the first
quarter second of audio ready for the sound card (building the performance and rendering the
first read), median and worst over the ideas; the cost of keeping the stream going (render
time per second of audio); rendering a whole idea for WAV export. Baseline, measured here: the
previous built-in synth, which rendered the whole idea (additive tones) before it could play.
Figures vary with the machine's load: compare the ratios, measured side by side.

Where FluidSynth and FluidR3_GM are installed (Debian: ``fluidsynth fluid-soundfont-gm``), the
same ideas are also rendered by FluidSynth (no reverb or chorus) and compared with ours on
FluidR3_GM and on the bundled subset (dry): loudness envelopes (50 ms frames, correlation and
level difference) and spectral centroids.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import wave

import numpy as np

FLUID_R3 = "/usr/share/sounds/sf2/FluidR3_GM.sf2"


def _envelope(audio: np.ndarray, hop: int = 2205) -> np.ndarray:
    mono = audio.mean(axis=1)
    n = len(mono) // hop
    return 10 * np.log10(np.mean(mono[: n * hop].reshape(n, hop).astype(np.float64) ** 2, axis=1) + 1e-12)


def _centroid(audio: np.ndarray, rate: int, hop: int = 4410) -> float:
    mono, found = audio.mean(axis=1), []
    for i in range(len(mono) // hop):
        power = np.abs(np.fft.rfft(mono[i * hop : (i + 1) * hop])) ** 2
        if power.sum() > 1e-9:
            found.append((power * np.fft.rfftfreq(hop, 1 / rate)).sum() / power.sum())
    return float(np.median(found))


def against_fluidsynth(ideas, sound, idea_to_midi) -> None:
    """Our renders of the ideas next to FluidSynth's of the same MIDI files."""
    if shutil.which("fluidsynth") is None or not os.path.exists(FLUID_R3):
        print("\n(FluidSynth or FluidR3_GM not installed: no comparison with FluidSynth)")
        return
    rate, dry = sound.SAMPLE_RATE, sound.Instruments(room="dry")
    fonts = {"FluidR3_GM": sound.open_font(FLUID_R3), "bundled": sound.open_font()}
    print("\nagainst FluidSynth 2 on FluidR3_GM (dry), per idea: envelope correlation / level difference")
    print(f"{'idea':<22} {'ours on FluidR3_GM':>22} {'ours on bundled':>18} {'centroid Hz (fs/ours)':>24}")
    for number, idea in enumerate(ideas, 1):
        with tempfile.TemporaryDirectory() as folder:
            midi, out = os.path.join(folder, "idea.mid"), os.path.join(folder, "idea.wav")
            with open(midi, "wb") as handle:
                handle.write(idea_to_midi(idea))
            command = ["fluidsynth", "-ni", "-g", "1.0", "-R", "0", "-C", "0", "-r", str(rate)]
            subprocess.run([*command, "-F", out, FLUID_R3, midi], capture_output=True, check=True)
            with wave.open(out) as w:
                theirs = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, 2) / 32768.0
        reference = _envelope(theirs)
        cells = []
        for font in fonts.values():
            ours = sound.render_idea(idea, font, dry)
            n = min(len(reference), len(_envelope(ours)))
            mine, ref = _envelope(ours)[:n], reference[:n]
            loud = ref > ref.max() - 50
            corr = np.corrcoef(ref[loud], mine[loud])[0, 1]
            cells.append(f"{corr:.3f} / {np.median(mine[loud] - ref[loud]):+.1f} dB")
        mine = sound.render_idea(idea, fonts["FluidR3_GM"], dry)
        centroids = f"{_centroid(theirs, rate):.0f} / {_centroid(mine, rate):.0f}"
        label = f"{number}: {idea.key.name} {idea.tempo} bpm"
        print(f"{label:<22} {cells[0]:>22} {cells[1]:>18} {centroids:>24}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sound")
    parser.add_argument("--ideas", type=int, default=16, help="ideas of 2 x 8 bars to play")
    args = parser.parse_args(argv)

    from songsketch.engine.api import idea_to_midi
    from songsketch.engine.api.session import Engine
    from songsketch.engine.common import paths
    from songsketch.engine.generation.generator import GenerationSettings
    from songsketch.engine.playback import player as playback
    from songsketch.engine.playback import sound, soundfont

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
    against_fluidsynth(ideas[:6], sound, idea_to_midi)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
