"""The SoundFont 2 file format (``.sf2``; ``.sf3`` is the same with Ogg Vorbis samples): its
RIFF chunks, its preset, instrument and sample tables, and their zones resolved into presets
of regions (SoundFont 2.04: key and velocity splits, global zones, what a preset zone may add
to an instrument's, values clamped to the spec's ranges)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

# generator numbers (SoundFont 2.04, section 8.1.2)
START, END, LOOP_START, LOOP_END = 0, 1, 2, 3
START_COARSE, END_COARSE, LOOP_START_COARSE, LOOP_END_COARSE = 4, 12, 45, 50
PAN = 17
DELAY, ATTACK, HOLD, DECAY, SUSTAIN, RELEASE, KEY_HOLD, KEY_DECAY = 33, 34, 35, 36, 37, 38, 39, 40
INSTRUMENT, KEY_RANGE, VEL_RANGE, KEYNUM, VELOCITY = 41, 43, 44, 46, 47
ATTENUATION, COARSE_TUNE, FINE_TUNE, SAMPLE_ID, SAMPLE_MODES = 48, 51, 52, 53, 54
SCALE_TUNING, ROOT_KEY = 56, 58
RANGES = (KEY_RANGE, VEL_RANGE)
_OFFSETS = (START, END, LOOP_START, LOOP_END, START_COARSE, END_COARSE, LOOP_START_COARSE, LOOP_END_COARSE)
# generators a preset may not add to (SoundFont 2.04, 8.5: sample addresses are the instrument's)
_NOT_ADDED = {INSTRUMENT, SAMPLE_ID, SAMPLE_MODES, ROOT_KEY, KEYNUM, VELOCITY, *RANGES, 57, *_OFFSETS}
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

VORBIS = 0x10  # sampleType flag of .sf3 (MuseScore's compressed SoundFont)


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


def next_chunk(pos: int, size: int, peek, end: int) -> int:
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


def chunks(data: bytes, start: int, end: int):
    """(id, offset of the body, size) of the RIFF chunks in ``data[start:end]``."""
    pos = start
    while pos + 8 <= end:
        cid, size = struct.unpack_from("<4sI", data, pos)
        if pos + 8 + size > end:
            raise SoundFontError(f"the file is cut short (chunk {cid.decode('latin-1')!r})")
        yield cid, pos + 8, size
        pos = next_chunk(pos, size, lambda at: data[at : at + 8], end)


def name_of(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("latin-1").strip()


PHDR = np.dtype([("name", "S20"), ("program", "<u2"), ("bank", "<u2"), ("bag", "<u2"), ("rest", "S12")])
INST = np.dtype([("name", "S20"), ("bag", "<u2")])
BAG = np.dtype([("gen", "<u2"), ("mod", "<u2")])
GEN = np.dtype([("op", "<u2"), ("amount", "<i2")])
SHDR = np.dtype(
    [("name", "S20"), ("start", "<u4"), ("end", "<u4"), ("loop_start", "<u4"), ("loop_end", "<u4"),
     ("rate", "<u4"), ("pitch", "u1"), ("correction", "i1"), ("link", "<u2"), ("type", "<u2")]
)  # fmt: skip


def table(pdta: dict[bytes, bytes], name: bytes, dtype: np.dtype) -> np.ndarray:
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
            zone[op] = amount & 0xFFFF if op in RANGES else amount
        zones.append(zone)
    return zones


def _range(zone: dict[int, int], gen: int) -> tuple[int, int]:
    word = zone.get(gen, 0x7F00)
    return word & 0xFF, (word >> 8) & 0xFF


def _split(zones: list[dict[int, int]], link: int) -> tuple[dict[int, int], list[dict[int, int]]]:
    """The global zone (the first, when it has no instrument/sample link: its generators are
    the others' defaults, its key and velocity ranges are not, as in FluidSynth) and the rest."""
    if zones and link not in zones[0]:
        glob = {op: v for op, v in zones[0].items() if op not in RANGES}
        return glob, [z for z in zones[1:] if link in z]
    return {}, [z for z in zones if link in z]


def sample_row(index: int, h, available: int | None) -> Sample:
    """A sample table row. An .sf2 row is absolute in the data (``available`` frames); an
    .sf3 row's loop is already relative and its length is known once decoded (``None``)."""
    offset = int(h["start"]) if available is not None else 0
    length = max(0, min(int(h["end"]), available) - offset) if available is not None else 1 << 31
    return Sample(
        index, name_of(h["name"]), offset, length,
        int(h["loop_start"]) - offset, int(h["loop_end"]) - offset,
        max(1, int(h["rate"])), int(h["pitch"]), int(h["correction"]),
    )  # fmt: skip


def read_presets(pdta: dict[bytes, bytes], samples: list[Sample]) -> dict[tuple[int, int], Preset]:
    phdr, pbag, pgen = table(pdta, b"phdr", PHDR), table(pdta, b"pbag", BAG), table(pdta, b"pgen", GEN)
    inst, ibag, igen = table(pdta, b"inst", INST), table(pdta, b"ibag", BAG), table(pdta, b"igen", GEN)
    try:
        instruments = []
        for i in range(len(inst) - 1):
            zones = _zones(ibag, igen, int(inst[i]["bag"]), int(inst[i + 1]["bag"]))
            instruments.append(_split(zones, SAMPLE_ID))
        presets: dict[tuple[int, int], Preset] = {}
        for p in range(len(phdr) - 1):
            h = phdr[p]
            preset = Preset(name_of(h["name"]), int(h["bank"]), int(h["program"]))
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
                    gens = {op: v for op, v in iz.items() if op not in RANGES}
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
