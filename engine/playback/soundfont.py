"""SoundFont 2 instruments rendered in NumPy: the built-in synth's sound.

A SoundFont (``.sf2``; ``.sf3`` is the same with Ogg Vorbis samples) holds sampled instruments
under General MIDI program numbers. ``SoundFont.load`` reads the file's preset, instrument and
sample tables; a sample's data is read (or, in an .sf3, decoded) when it is first played, so a
150 MB font costs only what is played;
``Performance`` turns notes into voices and renders any stretch of time on demand: each voice's
sound at a moment depends only on the time since its note began, so a window can be rendered
without rendering what came before. That gives a stream that starts at once (the first
window is a few milliseconds of work), an offline render for WAV export, and a seamless loop
(the tails of the last notes ring on into the next pass, as on a piano).

What is honoured of the SoundFont 2.04 model: key and velocity splits of presets and
instruments (global zones included), sample offsets, loops (continuous; loop-until-release
is looped through the release), root key, coarse/fine tuning and scale tuning, the volume
envelope (delay, attack, hold, decay, sustain, release, key-scaled hold and decay), initial
attenuation (scaled by 0.4 as EMU hardware and FluidSynth do), pan (stereo samples come as a
left and a right zone panned apart), values clamped to the spec's ranges. Not modelled:
filters, LFOs, the modulation envelope, the font's own modulators (velocity to volume is a
fixed 40 dB curve), reverb and chorus; fonts that lean on them sound brighter or release
differently than in FluidSynth.
"""

from __future__ import annotations

import io
import math
import os
import struct
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

SAMPLE_RATE = 44100
SUFFIXES = (".sf2", ".sf3")

# generator numbers (SoundFont 2.04, section 8.1.2)
START, END, LOOP_START, LOOP_END = 0, 1, 2, 3
START_COARSE, END_COARSE, LOOP_START_COARSE, LOOP_END_COARSE = 4, 12, 45, 50
PAN = 17
DELAY, ATTACK, HOLD, DECAY, SUSTAIN, RELEASE, KEY_HOLD, KEY_DECAY = 33, 34, 35, 36, 37, 38, 39, 40
INSTRUMENT, KEY_RANGE, VEL_RANGE, KEYNUM, VELOCITY = 41, 43, 44, 46, 47
ATTENUATION, COARSE_TUNE, FINE_TUNE, SAMPLE_ID, SAMPLE_MODES = 48, 51, 52, 53, 54
SCALE_TUNING, ROOT_KEY = 56, 58
_RANGES = (KEY_RANGE, VEL_RANGE)
_OFFSETS = (START, END, LOOP_START, LOOP_END, START_COARSE, END_COARSE, LOOP_START_COARSE, LOOP_END_COARSE)
# generators a preset may not add to (SoundFont 2.04, 8.5: sample addresses are the instrument's)
_NOT_ADDED = {INSTRUMENT, SAMPLE_ID, SAMPLE_MODES, ROOT_KEY, KEYNUM, VELOCITY, *_RANGES, 57, *_OFFSETS}
# the spec's ranges (8.1.3): a font's out-of-range values are clamped, as FluidSynth does
_LIMITS = {
    PAN: (-500, 500),
    DELAY: (-12000, 5000),
    ATTACK: (-12000, 8000),
    HOLD: (-12000, 5000),
    DECAY: (-12000, 8000),
    SUSTAIN: (0, 1440),
    RELEASE: (-12000, 8000),
    KEY_HOLD: (-1200, 1200),
    KEY_DECAY: (-1200, 1200),
    ATTENUATION: (0, 1440),
    COARSE_TUNE: (-120, 120),
    FINE_TUNE: (-99, 99),
    SCALE_TUNING: (0, 1200),
}
_DEFAULTS = {DELAY: -12000, ATTACK: -12000, HOLD: -12000, DECAY: -12000, RELEASE: -12000,
             SCALE_TUNING: 100, ROOT_KEY: -1, KEYNUM: -1, VELOCITY: -1}  # fmt: skip

_VORBIS = 0x10  # sampleType flag of .sf3 (MuseScore's compressed SoundFont)
SILENT_DB = 96.0  # a voice below this is inaudible (16-bit floor) and ends
MIN_RELEASE = 0.006  # seconds: even a font's 'no release' fades instead of clicking


class SoundFontError(Exception):
    """A file that is not a usable SoundFont; the message says why."""


@dataclass(frozen=True)
class Sample:
    """A sample's place in the font: ``index`` into the sample table; ``length`` and the loop
    in frames from the sample's start (``offset``: its first frame in an .sf2's data)."""

    index: int
    name: str
    offset: int
    length: int
    loop_start: int
    loop_end: int
    rate: int
    pitch: int
    correction: int


@dataclass(frozen=True)
class Region:
    """A sample under one key and velocity split of a preset, with every generator resolved."""

    keys: tuple[int, int]
    vels: tuple[int, int]
    sample: Sample
    gens: dict[int, int]

    def get(self, gen: int) -> int:
        value = self.gens.get(gen, _DEFAULTS.get(gen, 0))
        limits = _LIMITS.get(gen)
        return value if limits is None else min(limits[1], max(limits[0], value))


@dataclass
class Preset:
    name: str
    bank: int
    program: int
    regions: list[Region] = field(default_factory=list)

    def regions_for(self, key: int, velocity: int) -> list[Region]:
        return [
            r for r in self.regions if r.keys[0] <= key <= r.keys[1] and r.vels[0] <= velocity <= r.vels[1]
        ]


def _next(pos: int, size: int, peek, end: int) -> int:
    """Where the chunk after one at ``pos`` of ``size`` starts: RIFF pads odd sizes to even,
    but some writers (MuseScore's .sf3) do not, so an odd size is checked both ways (a chunk
    header is a printable id and a size that fits before ``end``)."""

    def header(at: int) -> bool:
        raw = peek(at)
        return (
            len(raw) == 8
            and all(32 <= b < 127 for b in raw[:4])
            and at + 8 + int.from_bytes(raw[4:], "little") <= end
        )

    padded = pos + 8 + size + (size & 1)
    if size & 1 and padded < end and not header(padded) and header(padded - 1):
        return padded - 1
    return padded


def _chunks(data: bytes, start: int, end: int):
    """(id, offset of the body, size) of the RIFF chunks in ``data[start:end]``."""
    pos = start
    while pos + 8 <= end:
        cid, size = struct.unpack_from("<4sI", data, pos)
        if pos + 8 + size > end:
            raise SoundFontError(f"the file is cut short (chunk {cid.decode('latin-1')!r})")
        yield cid, pos + 8, size
        pos = _next(pos, size, lambda at: data[at : at + 8], end)


def _name(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("latin-1").strip()


_PHDR = np.dtype([("name", "S20"), ("program", "<u2"), ("bank", "<u2"), ("bag", "<u2"), ("rest", "S12")])
_INST = np.dtype([("name", "S20"), ("bag", "<u2")])
_BAG = np.dtype([("gen", "<u2"), ("mod", "<u2")])
_GEN = np.dtype([("op", "<u2"), ("amount", "<i2")])
_SHDR = np.dtype(
    [("name", "S20"), ("start", "<u4"), ("end", "<u4"), ("loop_start", "<u4"), ("loop_end", "<u4"),
     ("rate", "<u4"), ("pitch", "u1"), ("correction", "i1"), ("link", "<u2"), ("type", "<u2")]
)  # fmt: skip


def _table(pdta: dict[bytes, bytes], name: bytes, dtype: np.dtype) -> np.ndarray:
    raw = pdta.get(name)
    if raw is None or len(raw) < dtype.itemsize or len(raw) % dtype.itemsize:
        raise SoundFontError(f"its {name.decode()} table is missing or damaged")
    return np.frombuffer(raw, dtype)


def _zones(bags: np.ndarray, gens: np.ndarray, first: int, last: int) -> list[dict[int, int]]:
    """The generator lists of bags ``first..last-1`` (range amounts kept as raw words)."""
    zones = []
    for b in range(first, last):
        lo, hi = int(bags[b]["gen"]), int(bags[b + 1]["gen"])
        zone: dict[int, int] = {}
        for g in gens[lo:hi]:
            op, amount = int(g["op"]), int(g["amount"])
            zone[op] = amount & 0xFFFF if op in _RANGES else amount
        zones.append(zone)
    return zones


def _range(zone: dict[int, int], gen: int) -> tuple[int, int]:
    word = zone.get(gen, 0x7F00)
    return word & 0xFF, (word >> 8) & 0xFF


def _split(zones: list[dict[int, int]], link: int) -> tuple[dict[int, int], list[dict[int, int]]]:
    """The global zone (the first, when it has no instrument/sample link: its generators are
    the others' defaults, its key and velocity ranges are not, as in FluidSynth) and the rest."""
    if zones and link not in zones[0]:
        glob = {op: v for op, v in zones[0].items() if op not in _RANGES}
        return glob, [z for z in zones[1:] if link in z]
    return {}, [z for z in zones if link in z]


class SoundFont:
    """A loaded SoundFont: ``preset(program)`` and ``pcm(sample)``, the frames a region plays."""

    def __init__(
        self,
        path: Path,
        name: str,
        presets: dict[tuple[int, int], Preset],
        smpl: int | None,
        vorbis: tuple[bytes, list[tuple[int, int]]] | None = None,
    ) -> None:
        self.path, self.name, self.presets = path, name, presets
        self._smpl = smpl  # where an .sf2's 16-bit samples start in the file
        self._vorbis = vorbis  # an .sf3's compressed samples and each one's byte span
        self._frames: dict[int, np.ndarray] = {}

    def pcm(self, sample: Sample) -> np.ndarray:
        """The sample's 16-bit frames, read (an .sf2's) or decoded (an .sf3's) on first use and
        kept: memory follows what is played, and a file changed on disk afterwards cannot
        crash a render. SoundFontError when they cannot be had."""
        frames = self._frames.get(sample.index)
        if frames is None:
            if self._vorbis is not None:
                blob, spans = self._vorbis
                try:
                    frames = _decode(blob, *spans[sample.index], sample.name)
                except SoundFontError as exc:
                    raise SoundFontError(f"{self.path.name}: {exc}") from None
            else:
                frames = self._read(sample)
            self._frames[sample.index] = frames
        return frames

    def _read(self, sample: Sample) -> np.ndarray:
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self._smpl + 2 * sample.offset)
                raw = handle.read(2 * sample.length)
        except OSError as exc:
            raise SoundFontError(f"{self.path.name}: cannot read it: {exc.strerror or exc}") from None
        if len(raw) < 2 * sample.length:
            raise SoundFontError(f"{self.path.name}: the file was cut short since it was loaded")
        return np.frombuffer(raw, "<i2") if raw else np.zeros(1, np.int16)

    def warm(self, programs) -> None:
        """Read or decode now what the given GM programs play (else done on first use)."""
        for program in programs:
            for region in self.preset(program).regions:
                self.pcm(region.sample)

    def is_warm(self, programs) -> bool:
        return all(r.sample.index in self._frames for p in programs for r in self.preset(p).regions)

    @classmethod
    def load(cls, path: str | os.PathLike) -> SoundFont:
        """Read a ``.sf2`` or ``.sf3``; SoundFontError says what is wrong with a bad one."""
        path = Path(path)
        try:
            size = path.stat().st_size
            with open(path, "rb") as handle:
                head = handle.read(12)
                if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"sfbk":
                    raise SoundFontError("not a SoundFont (no RIFF sfbk header)")

                def peek(at: int) -> bytes:
                    handle.seek(at)
                    return handle.read(8)

                lists = {}
                pos = 12
                while pos + 12 <= size:
                    handle.seek(pos)
                    cid, csize, kind = struct.unpack("<4sI4s", handle.read(12))
                    if cid == b"LIST":
                        lists[kind] = (pos + 12, csize - 4)
                    pos = _next(pos, csize, peek, size)
                if b"pdta" not in lists or b"sdta" not in lists:
                    raise SoundFontError("damaged or cut short (its sample or preset data is missing)")
                info = {}
                if b"INFO" in lists:
                    handle.seek(lists[b"INFO"][0])
                    raw = handle.read(lists[b"INFO"][1])
                    info = {cid: raw[o : o + s] for cid, o, s in _chunks(raw, 0, len(raw))}
                handle.seek(lists[b"pdta"][0])
                raw = handle.read(lists[b"pdta"][1])
                pdta = {cid: raw[o : o + s] for cid, o, s in _chunks(raw, 0, len(raw))}
                smpl = None
                sdta_start, sdta_size = lists[b"sdta"]
                pos = sdta_start
                while pos + 8 <= sdta_start + sdta_size:
                    handle.seek(pos)
                    cid, csize = struct.unpack("<4sI", handle.read(8))
                    if cid == b"smpl":
                        smpl = (pos + 8, min(csize, size - pos - 8))
                        break
                    pos = _next(pos, csize, peek, sdta_start + sdta_size)
        except OSError as exc:
            raise SoundFontError(f"cannot read it: {exc.strerror or exc}") from None
        except struct.error:
            raise SoundFontError("the file is cut short") from None
        if smpl is None:
            raise SoundFontError("it holds no samples")
        name = _name(info.get(b"INAM", b"")) or path.stem
        shdr = _table(pdta, b"shdr", _SHDR)
        vorbis = None
        start = None
        if np.any(shdr["type"][:-1] & _VORBIS):
            with open(path, "rb") as handle:
                handle.seek(smpl[0])
                blob = handle.read(smpl[1])
            spans = [(int(h["start"]), int(h["end"])) for h in shdr[:-1]]
            vorbis = (blob, spans)
            samples = [_sample(i, h, None) for i, h in enumerate(shdr[:-1])]
        else:
            start = smpl[0]
            samples = [_sample(i, h, smpl[1] // 2) for i, h in enumerate(shdr[:-1])]
        presets = _presets(pdta, samples)
        if not presets:
            raise SoundFontError("it has no playable instruments")
        return cls(path, name, presets, start, vorbis)

    def has(self, program: int) -> bool:
        return (0, program) in self.presets

    def preset(self, program: int, bank: int = 0) -> Preset:
        """The preset for a GM program (bank 0 when the bank lacks it); a program the font
        lacks plays its piano (program 0), else its first preset."""
        for key in ((bank, program), (0, program), (0, 0)):
            if key in self.presets:
                return self.presets[key]
        return min(self.presets.values(), key=lambda p: (p.bank, p.program))

    def programs(self) -> list[int]:
        """The GM programs of bank 0 this font has."""
        return sorted(p for b, p in self.presets if b == 0)


def _sample(index: int, h, available: int | None) -> Sample:
    """A sample table row. An .sf2 row is absolute in the data (``available`` frames); an
    .sf3 row's loop is already relative and its length is known once decoded (``None``)."""
    offset = int(h["start"]) if available is not None else 0
    length = max(0, min(int(h["end"]), available) - offset) if available is not None else 1 << 31
    return Sample(
        index, _name(h["name"]), offset, length,
        int(h["loop_start"]) - offset, int(h["loop_end"]) - offset,
        max(1, int(h["rate"])), int(h["pitch"]), int(h["correction"]),
    )  # fmt: skip


def _decode(blob: bytes, lo: int, hi: int, name: str) -> np.ndarray:
    """One .sf3 sample: an Ogg Vorbis stream in ``blob[lo:hi]`` as 16-bit frames."""
    if hi <= lo:
        return np.zeros(1, np.int16)
    try:
        import soundfile
    except (ImportError, OSError):  # soundfile is a dependency; its libsndfile may be missing
        raise SoundFontError("an .sf3 needs the 'soundfile' package to decode its samples") from None
    try:
        pcm, _rate = soundfile.read(io.BytesIO(blob[lo:hi]), dtype="int16", always_2d=True)
    except Exception:  # soundfile's message names a BytesIO: say what it means
        raise SoundFontError(f"its sample {name!r} cannot be decoded (damaged Ogg Vorbis data)") from None
    return np.ascontiguousarray(pcm[:, 0]) if len(pcm) else np.zeros(1, np.int16)


def _presets(pdta: dict[bytes, bytes], samples: list[Sample]) -> dict[tuple[int, int], Preset]:
    phdr, pbag, pgen = _table(pdta, b"phdr", _PHDR), _table(pdta, b"pbag", _BAG), _table(pdta, b"pgen", _GEN)
    inst, ibag, igen = _table(pdta, b"inst", _INST), _table(pdta, b"ibag", _BAG), _table(pdta, b"igen", _GEN)
    try:
        instruments = []
        for i in range(len(inst) - 1):
            zones = _zones(ibag, igen, int(inst[i]["bag"]), int(inst[i + 1]["bag"]))
            instruments.append(_split(zones, SAMPLE_ID))
        presets: dict[tuple[int, int], Preset] = {}
        for p in range(len(phdr) - 1):
            h = phdr[p]
            preset = Preset(_name(h["name"]), int(h["bank"]), int(h["program"]))
            glob, zones = _split(_zones(pbag, pgen, int(h["bag"]), int(phdr[p + 1]["bag"])), INSTRUMENT)
            for pz in zones:
                pz = {**glob, **pz}
                if not 0 <= pz[INSTRUMENT] < len(instruments):
                    continue
                iglob, izones = instruments[pz[INSTRUMENT]]
                for iz in izones:
                    iz = {**iglob, **iz}
                    if not 0 <= iz[SAMPLE_ID] < len(samples):
                        continue
                    keys = _overlap(_range(pz, KEY_RANGE), _range(iz, KEY_RANGE))
                    vels = _overlap(_range(pz, VEL_RANGE), _range(iz, VEL_RANGE))
                    if keys is None or vels is None:
                        continue
                    gens = {op: v for op, v in iz.items() if op not in _RANGES}
                    for op, v in pz.items():
                        if op not in _NOT_ADDED:
                            gens[op] = gens.get(op, _DEFAULTS.get(op, 0)) + v
                    preset.regions.append(Region(keys, vels, samples[iz[SAMPLE_ID]], gens))
            if preset.regions:
                presets.setdefault((preset.bank, preset.program), preset)
    except (IndexError, KeyError, ValueError) as exc:
        raise SoundFontError(f"its preset tables are damaged ({type(exc).__name__})") from None
    return presets


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int] | None:
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    return (lo, hi) if lo <= hi else None


# ---------------------------------------------------------------------------
# voices


def _seconds(timecents: int) -> float:
    return 0.0 if timecents <= -12000 else 2.0 ** (timecents / 1200.0)


@dataclass(frozen=True, eq=False)
class Voice:
    """One region of one note, ready to render: times in output samples from the start,
    positions in frames of its sample's ``data``."""

    data: np.ndarray
    onset: int
    off: int  # the note's end (the release begins)
    end: int  # silent from here
    data_start: int
    data_end: int
    loop: tuple[int, int] | None
    step: float  # sample positions advanced per output sample
    gain_left: float
    gain_right: float
    delay: float  # envelope times in output samples
    attack: float
    hold: float
    decay: float  # samples for a 100 dB fall
    sustain_db: float
    release: float  # samples for a 100 dB fall


def _voice(
    font: SoundFont, region: Region, key: int, velocity: int, onset: int, off: int, rate: int
) -> Voice:
    g = region.get
    s = region.sample
    data = font.pcm(s)
    start = min(len(data) - 1, max(0, g(START) + 32768 * g(START_COARSE)))
    end = min(len(data), max(start + 1, len(data) + g(END) + 32768 * g(END_COARSE)))
    loop_start = min(end, max(start, s.loop_start + g(LOOP_START) + 32768 * g(LOOP_START_COARSE)))
    loop_end = min(end, max(start, s.loop_end + g(LOOP_END) + 32768 * g(LOOP_END_COARSE)))
    looped = g(SAMPLE_MODES) & 1 and loop_end - loop_start > 1  # a loop past the end is clamped
    root = g(ROOT_KEY) if g(ROOT_KEY) >= 0 else (s.pitch if s.pitch <= 127 else 60)  # 255: unpitched
    key_used = g(KEYNUM) if g(KEYNUM) >= 0 else key
    vel = g(VELOCITY) if g(VELOCITY) > 0 else velocity
    cents = (key_used - root) * g(SCALE_TUNING) + 100 * g(COARSE_TUNE) + g(FINE_TUNE) + s.correction
    step = max(1e-3, 2.0 ** (cents / 1200.0) * s.rate / rate)
    atten_db = 0.04 * max(0, g(ATTENUATION)) - 40.0 * math.log10(max(1, vel) / 127.0)
    gain = 10.0 ** (-atten_db / 20.0)
    pan = max(-500, min(500, g(PAN))) / 500.0
    angle = (pan + 1.0) * math.pi / 4
    hold = _seconds(g(HOLD) + g(KEY_HOLD) * (60 - key))
    decay = _seconds(g(DECAY) + g(KEY_DECAY) * (60 - key))
    sustain_db = max(0.0, min(144.0, g(SUSTAIN) / 10.0))
    release = max(MIN_RELEASE, _seconds(g(RELEASE)))
    length = off - onset + int(release * rate * SILENT_DB / 100.0) + 1
    if not looped:
        length = min(length, int((end - start) / step) + 1)
    return Voice(
        data, onset, off, onset + max(1, length), start, end,
        (loop_start, loop_end) if looped else None, step,
        gain * math.cos(angle), gain * math.sin(angle),
        _seconds(g(DELAY)) * rate, _seconds(g(ATTACK)) * rate, hold * rate,
        max(decay, 1e-4) * rate, sustain_db, release * rate,
    )  # fmt: skip


def _envelope_db(v: Voice, t: np.ndarray) -> np.ndarray:
    """Attenuation in dB (attack handled as an amplitude ramp by the caller) at sample times
    ``t`` (from the onset), before the release."""
    d = t - (v.delay + v.attack + v.hold)
    return np.minimum(v.sustain_db, np.maximum(0.0, d) * (100.0 / v.decay))


def _level_at(v: Voice, t: float) -> float:
    """Amplitude (0..1) at time ``t`` from the onset, ignoring the release."""
    if t < v.delay:
        return 0.0
    ramp = min(1.0, (t - v.delay) / v.attack) if v.attack > 0 else 1.0
    return ramp * 10.0 ** (-float(_envelope_db(v, np.array([t]))[0]) / 20.0)


def _amplitude(v: Voice, t: np.ndarray) -> np.ndarray:
    amp = 10.0 ** (-_envelope_db(v, t) / 20.0)
    if v.attack > 0:
        amp *= np.clip((t - v.delay) / v.attack, 0.0, 1.0)
    else:
        amp *= t >= v.delay
    held = v.off - v.onset
    after = t >= held
    if after.any():
        level = _level_at(v, float(held))
        db = -20.0 * math.log10(level) if level > 1e-6 else SILENT_DB
        rel_db = db + (t[after] - held) * (100.0 / v.release)
        amp[after] = np.where(rel_db < SILENT_DB, 10.0 ** (-rel_db / 20.0), 0.0)
    return amp


def _mix(v: Voice, first: int, count: int, out: np.ndarray, at: int) -> None:
    """Add ``count`` samples of voice ``v`` (from ``first`` samples after its onset) to
    ``out[at:at+count]``."""
    t = np.arange(first, first + count, dtype=np.float64)
    pos = v.data_start + t * v.step
    if v.loop is not None:
        lo, hi = v.loop
        over = pos >= hi
        pos[over] = lo + np.mod(pos[over] - lo, hi - lo)
        last = hi
    else:
        last = v.data_end - 1
        t = t[pos < last]
        pos = pos[: len(t)]
        count = len(t)
        if not count:
            return
    index = pos.astype(np.int64)
    frac = (pos - index).astype(np.float32)
    nxt = np.minimum(index + 1, last)
    if v.loop is not None:
        nxt = np.where(nxt >= v.loop[1], v.loop[0], nxt)
    a = v.data[index].astype(np.float32)
    wave = a + (v.data[nxt].astype(np.float32) - a) * frac
    wave *= _amplitude(v, t).astype(np.float32) * (1.0 / 32768.0)
    out[at : at + count, 0] += wave * v.gain_left
    out[at : at + count, 1] += wave * v.gain_right


# ---------------------------------------------------------------------------
# performances


@dataclass(frozen=True)
class NoteEvent:
    """A note to render: times in seconds, a GM program (0 = acoustic grand piano)."""

    onset: float
    duration: float
    pitch: int
    velocity: int
    program: int = 0


class Passes:
    """Playing once or in a loop: ``period`` frames a pass and ``tail`` frames of ring after
    the last one; ``last_pass`` None while looping."""

    period: int
    tail: int
    last_pass: int | None

    @property
    def loop(self) -> bool:
        return self.last_pass is None

    def set_loop(self, loop: bool, position: int = 0) -> None:
        """Loop on, or off from the pass that ``position`` (a frame) is in."""
        self.last_pass = None if loop else max(0, position // self.period)

    @property
    def frames(self) -> int | None:
        """How many frames it lasts (None while it loops)."""
        if self.last_pass is None:
            return None
        return (self.last_pass + 1) * self.period + max(0, self.tail)


class Performance(Passes):
    """Notes played on a SoundFont, rendered window by window (stereo float32).

    ``length`` (seconds) is where a loop wraps; with ``loop`` the performance repeats for
    ever and the tails of one pass sound into the next. ``gain`` scales the mix (volume)."""

    def __init__(
        self,
        font: SoundFont,
        notes: list[NoteEvent],
        length: float,
        rate: int = SAMPLE_RATE,
        gain: float = 1.0,
        loop: bool = False,
    ) -> None:
        self.font, self.rate, self.gain = font, rate, gain
        self.period = max(rate // 20, int(round(length * rate)))  # a loop of at least 50 ms
        voices = []
        for n in notes:
            preset = font.preset(n.program)
            onset = int(round(n.onset * rate))
            off = max(onset + 1, int(round((n.onset + n.duration) * rate)))
            for region in preset.regions_for(n.pitch, n.velocity):
                voices.append(_voice(font, region, n.pitch, n.velocity, onset, off, rate))
        voices.sort(key=lambda v: v.onset)
        self.voices = voices
        self._onsets = np.array([v.onset for v in voices], np.int64)
        self._ends = np.array([v.end for v in voices], np.int64)
        self.tail = int(self._ends.max()) - self.period if voices else 0
        self.last_pass = None if loop else 0

    def render(self, start: int, count: int) -> np.ndarray:
        """Frames ``start .. start+count`` as a (count, 2) float32 array."""
        out = np.zeros((count, 2), np.float32)
        if not len(self.voices) or count <= 0:
            return out
        stop = start + count
        last = stop // self.period if self.last_pass is None else min(self.last_pass, stop // self.period)
        for k in range(max(0, (start - int(self._ends.max())) // self.period), last + 1):
            shift = k * self.period
            hits = np.nonzero((self._onsets + shift < stop) & (self._ends + shift > start))[0]
            for i in hits:
                v = self.voices[i]
                lo = max(start, v.onset + shift)
                hi = min(stop, v.end + shift)
                _mix(v, lo - v.onset - shift, hi - lo, out, lo - start)
        if self.gain != 1.0:
            out *= self.gain
        return out

    def render_all(self) -> np.ndarray:
        """The whole performance, once through (a loop's first pass with its tail)."""
        frames = self.period + max(0, self.tail) if self.last_pass is None else self.frames
        if self.last_pass is None:
            saved, self.last_pass = self.last_pass, 0
            try:
                return self.render(0, frames)
            finally:
                self.last_pass = saved
        return self.render(0, frames)


@lru_cache(maxsize=4)
def _cached(path: str, mtime: float) -> SoundFont:
    return SoundFont.load(path)


def load_cached(path: str | os.PathLike) -> SoundFont:
    """``SoundFont.load`` kept for reuse while the file is unchanged (loading an .sf3 decodes
    every sample: seconds for a large one)."""
    path = Path(path)
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise SoundFontError(f"cannot read it: {exc.strerror or exc}") from None
    return _cached(str(path.resolve()), mtime)
