"""Shared builders for tests: random well-formed ideas and small MIDI files made with mido."""

from __future__ import annotations

import io
import random
import time
from pathlib import Path

import mido

from songsketch.engine.music import chords as ch
from songsketch.engine.music.idea import (
    ALL_KEYS,
    MAX_DURATION,
    MELODY_RANGE,
    METERS,
    VELOCITIES,
    Chord,
    Idea,
    Note,
    Section,
    bar_ticks,
)

ROOT = Path(__file__).resolve().parent.parent  # the repository


def random_idea(rng: random.Random, meter=None, max_bars: int = 6) -> Idea:
    """A random idea that satisfies every rule of the representation."""
    meter = meter or rng.choice(METERS)
    bar = bar_ticks(meter)
    sections = tuple(
        Section(name, rng.randint(1, max_bars)) for name in ("verse", "chorus")[: rng.randint(1, 2)]
    )
    if rng.random() < 0.2:
        sections = sections + (Section("verse", rng.randint(1, 3)),)
    total_bars = sum(s.bars for s in sections)
    chords = []
    for b in range(total_bars):
        t = b * bar
        while t < (b + 1) * bar:
            if rng.random() < 0.25:
                t += rng.randint(1, 12)  # a rest in the chord part
                continue
            dur = rng.randint(1, (b + 1) * bar - t)
            dur = min(dur, MAX_DURATION)
            root, quality = rng.randrange(12), rng.choice(ch.QUALITY_NAMES)
            n = rng.randint(2, 5)
            voicing = tuple(sorted(rng.sample(range(28, 70), n)))
            chords.append(Chord(root, quality, t, dur, voicing))
            t += dur
    melody = []
    section_ends, acc = [], 0
    for s in sections:
        acc += s.bars * bar
        section_ends.append(acc)
    t = 0
    while t < total_bars * bar:
        end_limit = next(e for e in section_ends if e > t)
        if rng.random() < 0.2:
            t += rng.randint(1, 24)
            continue
        grid = rng.choice((1, 2, 3, 4, 6, 12))
        dur = min(grid * rng.randint(1, 4), end_limit - t, MAX_DURATION)
        melody.append(Note(rng.randint(*MELODY_RANGE), t, dur, rng.choice(VELOCITIES)))
        t += dur + rng.choice((0, 0, 0, 3))
    return Idea(rng.choice(ALL_KEYS), rng.randint(40, 240), meter, sections, tuple(chords), tuple(melody))


def midi_bytes(tracks, ticks_per_beat: int = 480, type_: int = 1) -> bytes:
    """A .mid file's bytes from lists of mido messages (delta times in ticks)."""
    mid = mido.MidiFile(type=type_, ticks_per_beat=ticks_per_beat)
    for messages in tracks:
        track = mido.MidiTrack()
        track.extend(messages)
        mid.tracks.append(track)
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()


def notes_to_messages(notes, channel: int = 0, name: str | None = None, meta=()):
    """Messages for (pitch, start_tick, end_tick, velocity) tuples, plus leading meta messages."""
    events = []
    for pitch, start, end, vel in notes:
        events.append((start, 1, mido.Message("note_on", note=pitch, velocity=vel, channel=channel)))
        events.append((end, 0, mido.Message("note_off", note=pitch, velocity=0, channel=channel)))
    events.sort(key=lambda e: (e[0], e[1]))
    out = []
    if name:
        out.append(mido.MetaMessage("track_name", name=name, time=0))
    out.extend(m.copy(time=0) for m in meta)
    last = 0
    for tick, _, msg in events:
        out.append(msg.copy(time=tick - last))
        last = tick
    return out


def song_bytes(shift: int = 0) -> bytes:
    """A small two-track song: C Am F G twice as block chords under a stepping melody."""
    q = 480
    chords = [
        (p + shift, b * 4 * q, (b + 1) * 4 * q, 70)
        for b, c in enumerate([(48, 52, 55), (45, 48, 52), (41, 45, 48), (43, 47, 50)] * 2)
        for p in c
    ]
    melody = [(72 + shift + (i % 3), i * q, (i + 1) * q, 90) for i in range(32)]
    return midi_bytes([notes_to_messages(chords, 0), notes_to_messages(melody, 1)])


def song_folder(root: Path) -> Path:
    """A user folder: two good songs (one in a subfolder, an upper-case suffix), a truncated
    MIDI, a PDF named .mid, an empty .mid and a text file."""
    (root / "sub").mkdir(parents=True)
    (root / "a.mid").write_bytes(song_bytes())
    (root / "sub" / "b.MIDI").write_bytes(song_bytes(2))
    (root / "broken.mid").write_bytes(song_bytes()[:40])
    (root / "fake.mid").write_bytes(b"%PDF-1.4")
    (root / "empty.mid").write_bytes(b"")
    (root / "notes.txt").write_text("lyrics")
    return root


def run_with_jack(script: str, timeout: float = 30) -> dict:
    """Run ``script`` in a fresh Python beside a JACK dummy server and return the JSON object
    of its first line (the test skips when JACK MIDI does not answer or the script says
    ``{"skip": reason}``). The script process is killed, not waited for: closing JACK clients
    can hang."""
    import json
    import os
    import subprocess
    import sys
    import time

    import pytest

    jack = subprocess.Popen(
        ["jackd", "--no-realtime", "-d", "dummy", "-r", "44100"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    proc = None
    try:
        time.sleep(1.5)
        proc = subprocess.Popen(
            [sys.executable, "-c", script],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
        )
        line = ""
        deadline = time.time() + timeout
        while time.time() < deadline and not line:
            line = proc.stdout.readline()
        if not line:
            pytest.skip("JACK MIDI did not answer")
        result = json.loads(line)
        if "skip" in result:
            pytest.skip(result["skip"])
        return result
    finally:
        if proc is not None:
            proc.kill()
            proc.wait(5)
        jack.terminate()
        try:
            jack.wait(5)
        except subprocess.TimeoutExpired:
            jack.kill()


def sine_soundfont(
    path: Path,
    seconds: float = 0.1,
    looped: bool = True,
    release: int = -3986,
    inst_gens=(),
    preset_gens=(),
    loop_end: int | None = None,
    pitch: int = 69,
) -> Path:
    """A one-preset SoundFont 2 file written byte by byte: a 440 Hz sine sampled at 44 kHz
    (root key ``pitch``, A4; 100 frames a cycle), looped over whole cycles when ``looped``,
    with a release of ``release`` timecents (-3986: 0.1 s); ``inst_gens`` / ``preset_gens``:
    more (generator, value) pairs for the instrument's and the preset's zone; ``loop_end``:
    the sample's loop end (frames) instead of its last whole cycle."""
    import struct

    import numpy as np

    rate = 44000
    frames = int(rate * seconds)
    pcm = (np.sin(2 * np.pi * 440 * np.arange(frames) / rate) * 16000).astype("<i2")

    def chunk(cid: bytes, body: bytes) -> bytes:
        return struct.pack("<4sI", cid, len(body)) + body

    def listed(kind: bytes, parts) -> bytes:
        return chunk(b"LIST", kind + b"".join(parts))

    gens = [(38, release), *inst_gens] + ([(54, 1)] if looped else []) + [(53, 0)]
    pgens = [*preset_gens, (41, 0)]
    end = 100 * (frames // 100 - 1) if loop_end is None else loop_end
    pdta = [
        chunk(b"phdr", struct.pack("<20sHHHIII", b"Sine", 0, 0, 0, 0, 0, 0)
              + struct.pack("<20sHHHIII", b"EOP", 0, 0, 1, 0, 0, 0)),
        chunk(b"pbag", struct.pack("<HH", 0, 0) + struct.pack("<HH", len(pgens), 0)),
        chunk(b"pmod", bytes(10)),
        chunk(b"pgen", b"".join(struct.pack("<Hh", op, v) for op, v in pgens) + struct.pack("<Hh", 0, 0)),
        chunk(b"inst", struct.pack("<20sH", b"Sine", 0) + struct.pack("<20sH", b"EOI", 1)),
        chunk(b"ibag", struct.pack("<HH", 0, 0) + struct.pack("<HH", len(gens), 0)),
        chunk(b"imod", bytes(10)),
        chunk(b"igen", b"".join(struct.pack("<Hh", op, v) for op, v in gens) + struct.pack("<Hh", 0, 0)),
        chunk(b"shdr", struct.pack("<20sIIIIIBbHH", b"sine", 0, frames, 100, end,
                                   rate, pitch, 0, 0, 1) + bytes(46)),
    ]  # fmt: skip
    body = b"sfbk" + listed(b"INFO", [chunk(b"INAM", b"Sine test\0\0")])
    body += listed(b"sdta", [chunk(b"smpl", pcm.tobytes() + bytes(92))]) + listed(b"pdta", pdta)
    path.write_bytes(chunk(b"RIFF", body))
    return path


def stop_test_pulse(wait: float = 5) -> None:
    """Stop the PulseAudio server ``run_with_pulse`` started (from the script it runs: the
    sound server going away under the app) and wait until it no longer answers."""
    import os
    import subprocess
    import time

    subprocess.run(["pulseaudio", "--kill"], capture_output=True, timeout=30)
    socket = Path(os.environ["PULSE_RUNTIME_PATH"]) / "native"
    end = time.monotonic() + wait
    while socket.exists() and time.monotonic() < end:
        time.sleep(0.02)


def run_with_pulse(script: str, tmp: Path, timeout: float = 60) -> dict:
    """Run ``script`` in a fresh Python (Qt offscreen) with a private PulseAudio server whose
    only output is a null sink, a real audio device for Qt Multimedia that plays into nothing;
    return the JSON object the script prints last. Skips where PulseAudio is not installed
    (Debian: ``pulseaudio``) or the script says ``{"skip": reason}``; fails (with the end of
    its stderr) when the script's process does not exit 0, an abort inside libpulse included.
    The script may stop the server under itself with ``stop_test_pulse``."""
    import json
    import os
    import shutil
    import subprocess
    import sys

    import pytest

    if shutil.which("pulseaudio") is None:
        pytest.skip("PulseAudio is not installed (no audio device to play to)")
    runtime = tmp / "pulse"
    runtime.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        PULSE_RUNTIME_PATH=str(runtime),
        PULSE_STATE_PATH=str(runtime),
        PULSE_SERVER=f"unix:{runtime}/native",
        XDG_RUNTIME_DIR=str(runtime),
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(ROOT),
    )
    server = subprocess.run(
        ["pulseaudio", "--daemonize=yes", "--exit-idle-time=-1", "-n", "--use-pid-file=yes",
         "--load=module-null-sink sink_name=songsketch_test",
         f"--load=module-native-protocol-unix socket={runtime}/native auth-anonymous=1"],
        env=env, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    if server.returncode != 0:
        pytest.skip(f"PulseAudio did not start: {server.stderr.strip()[-200:]}")
    try:
        proc = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
    finally:
        subprocess.run(["pulseaudio", "--kill"], env=env, capture_output=True, timeout=30)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert proc.returncode == 0 and lines, proc.stderr[-3000:]
    result = json.loads(lines[-1])
    if "skip" in result:
        pytest.skip(result["skip"])
    return result


def run_until(condition, seconds: float) -> None:
    """Run Qt's event loop until ``condition()`` holds or ``seconds`` pass (for the scripts
    that ``run_with_pulse`` runs in a process of their own, where pytest-qt is not at hand)."""
    from PySide6.QtCore import QCoreApplication

    end = time.perf_counter() + seconds
    while not condition() and time.perf_counter() < end:
        QCoreApplication.processEvents()
        time.sleep(0.005)
