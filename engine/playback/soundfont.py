"""SoundFont 2 instruments rendered in NumPy: the built-in synth's sound; here, its fonts.

A SoundFont (``.sf2``; ``.sf3`` is the same with Ogg Vorbis samples) holds sampled instruments
under General MIDI program numbers. ``SoundFont.load`` reads the file's preset, instrument and
sample tables (``sf2``); a sample's data is read (or, in an .sf3, decoded) when it is first
played, so a 150 MB font costs only what is played. ``performance.Performance`` turns notes
into voices (``voices``) and renders any stretch of time on demand: each voice's sound at a
moment depends only on the time since its note began, so a window can be rendered without
rendering what came before. That gives a stream that starts at once (the first
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
import os
import struct
from functools import lru_cache
from pathlib import Path

import numpy as np

from .sf2 import (
    SHDR,
    VORBIS,
    Preset,
    Sample,
    SoundFontError,
    chunks,
    name_of,
    next_chunk,
    read_presets,
    sample_row,
    table,
)

SUFFIXES = (".sf2", ".sf3")


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
                    frames = _decode_vorbis(blob, *spans[sample.index], sample.name)
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
                    pos = next_chunk(pos, csize, peek, size)
                if b"pdta" not in lists or b"sdta" not in lists:
                    raise SoundFontError("damaged or cut short (its sample or preset data is missing)")
                info = {}
                if b"INFO" in lists:
                    handle.seek(lists[b"INFO"][0])
                    raw = handle.read(lists[b"INFO"][1])
                    info = {cid: raw[o : o + s] for cid, o, s in chunks(raw, 0, len(raw))}
                handle.seek(lists[b"pdta"][0])
                raw = handle.read(lists[b"pdta"][1])
                pdta = {cid: raw[o : o + s] for cid, o, s in chunks(raw, 0, len(raw))}
                smpl = None
                sdta_start, sdta_size = lists[b"sdta"]
                pos = sdta_start
                while pos + 8 <= sdta_start + sdta_size:
                    handle.seek(pos)
                    cid, csize = struct.unpack("<4sI", handle.read(8))
                    if cid == b"smpl":
                        smpl = (pos + 8, min(csize, size - pos - 8))
                        break
                    pos = next_chunk(pos, csize, peek, sdta_start + sdta_size)
        except OSError as exc:
            raise SoundFontError(f"cannot read it: {exc.strerror or exc}") from None
        except struct.error:
            raise SoundFontError("the file is cut short") from None
        if smpl is None:
            raise SoundFontError("it holds no samples")
        name = name_of(info.get(b"INAM", b"")) or path.stem
        shdr = table(pdta, b"shdr", SHDR)
        vorbis = None
        start = None
        if np.any(shdr["type"][:-1] & VORBIS):
            with open(path, "rb") as handle:
                handle.seek(smpl[0])
                blob = handle.read(smpl[1])
            spans = [(int(h["start"]), int(h["end"])) for h in shdr[:-1]]
            vorbis = (blob, spans)
            samples = [sample_row(i, h, None) for i, h in enumerate(shdr[:-1])]
        else:
            start = smpl[0]
            samples = [sample_row(i, h, smpl[1] // 2) for i, h in enumerate(shdr[:-1])]
        presets = read_presets(pdta, samples)
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


def _decode_vorbis(blob: bytes, lo: int, hi: int, name: str) -> np.ndarray:
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
