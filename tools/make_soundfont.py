"""Make the SoundFont the app ships: a General MIDI subset of FluidR3_GM, compressed (.sf3).

FluidR3_GM (Frank Wen and contributors, MIT licence) is 148 MB; the app needs a good piano
and a handful of other instruments for the chord and melody parts. This keeps the presets in
``PROGRAMS`` with the instruments and samples they use, and stores each sample as Ogg Vorbis
the way MuseScore's .sf3 does (byte spans in ``shdr``, loops relative to the sample), so the
result is a few MB that ``engine.playback.soundfont`` (and FluidSynth, MuseScore) can play.
Modulators are copied as they are (FluidR3 uses them to switch off the default velocity
filter).

    python tools/make_soundfont.py /usr/share/sounds/sf2/FluidR3_GM.sf2 \
        resources/soundfont/songsketch-gm.sf3

(Debian: ``apt-get install fluid-soundfont-gm`` gives the source file.)
"""

from __future__ import annotations

import argparse
import io
import struct
import sys
from pathlib import Path

import numpy as np
import soundfile

from songsketch.engine.playback import sf2

# General MIDI programs kept: pianos, keys, guitars, bass, strings, voices, winds, leads, pads
PROGRAMS = (0, 1, 4, 5, 7, 11, 16, 24, 26, 27, 32, 33, 48, 50, 53, 56, 65, 71, 73, 80, 81, 88, 89, 94)
QUALITY = 0.3  # Vorbis compression level 0..1 (libsndfile: 0 is best quality, 1 smallest)


def _riff(cid: bytes, body: bytes) -> bytes:
    return struct.pack("<4sI", cid, len(body)) + body + (b"\0" if len(body) & 1 else b"")


def _text(cid: bytes, text: str) -> bytes:
    """An INFO string: zero-terminated and padded to an even size (the spec's rule; FluidSynth
    refuses a font with an odd one)."""
    body = text.encode("latin-1") + b"\0"
    return _riff(cid, body + (b"\0" if len(body) & 1 else b""))


def _list(kind: bytes, chunks: list[bytes]) -> bytes:
    return _riff(b"LIST", kind + b"".join(chunks))


def _read(path: Path):
    raw = path.read_bytes()
    if raw[:4] != b"RIFF" or raw[8:12] != b"sfbk":
        sys.exit(f"{path}: not a SoundFont")
    lists = {}
    for cid, off, size in sf2.chunks(raw, 12, len(raw)):
        if cid == b"LIST":
            inner = sf2.chunks(raw, off + 4, off + size)
            lists[raw[off : off + 4]] = {c: raw[o : o + s] for c, o, s in inner}
    return lists


class _Source:
    """The tables of a General MIDI .sf2 this tool copies from."""

    def __init__(self, path: Path) -> None:
        lists = _read(path)
        pdta = lists[b"pdta"]
        self.phdr = sf2.table(pdta, b"phdr", sf2.PHDR)
        self.pbag, self.pgen = sf2.table(pdta, b"pbag", sf2.BAG), sf2.table(pdta, b"pgen", sf2.GEN)
        self.inst, self.ibag = sf2.table(pdta, b"inst", sf2.INST), sf2.table(pdta, b"ibag", sf2.BAG)
        self.igen, self.shdr = sf2.table(pdta, b"igen", sf2.GEN), sf2.table(pdta, b"shdr", sf2.SHDR)
        self.pmod, self.imod = pdta[b"pmod"], pdta[b"imod"]
        self.data = np.frombuffer(lists[b"sdta"][b"smpl"], "<i2")


def _zones(headers, row, bags, gens, mods, link, mapping):
    """A preset's or instrument's zones (generators, modulator bytes); the instruments or
    samples they link to get new numbers in ``mapping`` in order of first use."""
    zones = []
    for b in range(int(headers[row]["bag"]), int(headers[row + 1]["bag"])):
        zone = [(int(g["op"]), int(g["amount"])) for g in gens[int(bags[b]["gen"]) : int(bags[b + 1]["gen"])]]
        zones.append((zone, mods[10 * int(bags[b]["mod"]) : 10 * int(bags[b + 1]["mod"])]))
        for op, amount in zone:
            if op == link:
                mapping.setdefault(amount, len(mapping))
    return zones


def _remap(zones, op_of, mapping):
    return [([(op, mapping[a] if op == op_of else a) for op, a in zone], mods) for zone, mods in zones]


def _subset(src: _Source):
    """The presets of ``PROGRAMS`` (bank 0), the instruments they use and the samples those
    use, renumbered in order of first use: (presets, instruments, sample_map)."""
    chosen = sorted(
        (
            p
            for p in range(len(src.phdr) - 1)
            if src.phdr[p]["bank"] == 0 and src.phdr[p]["program"] in PROGRAMS
        ),
        key=lambda p: int(src.phdr[p]["program"]),
    )
    inst_map: dict[int, int] = {}
    sample_map: dict[int, int] = {}
    presets = [
        (src.phdr[p], _remap(_zones(src.phdr, p, src.pbag, src.pgen, src.pmod, sf2.INSTRUMENT, inst_map),
                             sf2.INSTRUMENT, inst_map))
        for p in chosen
    ]  # fmt: skip
    instruments = [None] * len(inst_map)
    for old, new in list(inst_map.items()):
        zones = _zones(src.inst, old, src.ibag, src.igen, src.imod, sf2.SAMPLE_ID, sample_map)
        instruments[new] = (src.inst[old]["name"], zones)
    instruments = [(name, _remap(zones, sf2.SAMPLE_ID, sample_map)) for name, zones in instruments]
    return presets, instruments, sample_map


def _samples(src: _Source, sample_map: dict[int, int], quality: float) -> tuple[list[bytes], list[bytes]]:
    """Each kept sample as an Ogg Vorbis blob and its ``shdr`` row (byte spans into the blobs,
    loops relative to the sample's start, the .sf3 flag), then the terminal row."""
    blobs, rows, pos = [], [], 0
    for old in sorted(sample_map, key=sample_map.get):
        h = src.shdr[old]
        frames = src.data[int(h["start"]) : int(h["end"])]
        buf = io.BytesIO()
        soundfile.write(
            buf, frames.astype(np.int16), int(h["rate"]), format="OGG", subtype="VORBIS",
            compression_level=quality,
        )  # fmt: skip
        blob = buf.getvalue()
        link = sample_map.get(int(h["link"]), 0)
        kind = int(h["type"]) if int(h["link"]) in sample_map else 1
        rows.append(
            struct.pack(
                "<20sIIIIIBbHH",
                bytes(h["name"]),
                pos,
                pos + len(blob),
                int(h["loop_start"]) - int(h["start"]),
                int(h["loop_end"]) - int(h["start"]),
                int(h["rate"]),
                int(h["pitch"]),
                int(h["correction"]),
                link,
                kind | 0x10,
            )  # fmt: skip
        )
        blobs.append(blob)
        pos += len(blob)
    rows.append(struct.pack("<20sIIIIIBbHH", b"EOS", 0, 0, 0, 0, 0, 0, 0, 0, 0))
    return blobs, rows


def _tables(headers, zone_lists, pack_header):
    """Header, bag, generator and modulator rows for presets or instruments."""
    hdr, bags, gens, mods = [], [], [], []
    for row, zones in zip(headers, zone_lists):
        hdr.append(pack_header(row, len(bags)))
        for zone, zone_mods in zones:
            bags.append(struct.pack("<HH", len(gens), len(mods)))
            mods.extend(zone_mods[i : i + 10] for i in range(0, len(zone_mods), 10))
            # keyRange first, velRange second, sampleID/instrument last (the spec's order)
            order = sorted(zone, key=lambda g: (g[0] != sf2.KEY_RANGE, g[0] != sf2.VEL_RANGE,
                                                g[0] in (sf2.INSTRUMENT, sf2.SAMPLE_ID)))  # fmt: skip
            for op, a in order:
                ranged = op in sf2.RANGES
                gens.append(struct.pack("<HH" if ranged else "<Hh", op, a & 0xFFFF if ranged else a))
    return hdr, bags, gens, mods


def _pdta(presets, instruments, shdr: list[bytes]) -> bytes:
    """The ``pdta`` list: preset and instrument tables with their terminal records."""
    ph, pb, pg, pm = _tables(
        [r for r, _ in presets],
        [z for _, z in presets],
        lambda r, bag: struct.pack("<20sHHHIII", bytes(r["name"]), int(r["program"]), 0, bag, 0, 0, 0),
    )
    ph.append(struct.pack("<20sHHHIII", b"EOP", 0, 0, len(pb), 0, 0, 0))
    pb.append(struct.pack("<HH", len(pg), len(pm)))
    pg.append(struct.pack("<Hh", 0, 0))
    ih, ib, ig, im = _tables(
        [n for n, _ in instruments],
        [z for _, z in instruments],
        lambda name, bag: struct.pack("<20sH", bytes(name), bag),
    )
    ih.append(struct.pack("<20sH", b"EOI", len(ib)))
    ib.append(struct.pack("<HH", len(ig), len(im)))
    ig.append(struct.pack("<Hh", 0, 0))
    mod_end = struct.pack("<HHhHH", 0, 0, 0, 0, 0)
    return _list(b"pdta", [
        _riff(b"phdr", b"".join(ph)), _riff(b"pbag", b"".join(pb)), _riff(b"pmod", b"".join(pm) + mod_end),
        _riff(b"pgen", b"".join(pg)), _riff(b"inst", b"".join(ih)), _riff(b"ibag", b"".join(ib)),
        _riff(b"imod", b"".join(im) + mod_end), _riff(b"igen", b"".join(ig)), _riff(b"shdr", b"".join(shdr)),
    ])  # fmt: skip


def _info() -> bytes:
    return _list(b"INFO", [
        _riff(b"ifil", struct.pack("<HH", 3, 1)),
        _text(b"isng", "EMU8000"),
        _text(b"INAM", "Songsketch GM (FluidR3_GM subset)"),
        _text(b"ICOP", "FluidR3_GM: Frank Wen and contributors, MIT licence"),
        _text(b"ICMT", f"Programs {', '.join(map(str, PROGRAMS))} of FluidR3_GM, Ogg Vorbis"),
        _text(b"ISFT", "Songsketch tools/make_soundfont.py"),
    ])  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source", type=Path, help="a General MIDI .sf2 (FluidR3_GM.sf2)")
    ap.add_argument("output", type=Path, help="the .sf3 to write")
    ap.add_argument("--quality", type=float, default=QUALITY, help="Vorbis compression level 0..1")
    args = ap.parse_args(argv)

    src = _Source(args.source)
    presets, instruments, sample_map = _subset(src)
    blobs, rows = _samples(src, sample_map, args.quality)
    body = (
        b"sfbk"
        + _info()
        + _list(b"sdta", [_riff(b"smpl", b"".join(blobs))])
        + _pdta(presets, instruments, rows)
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(_riff(b"RIFF", body))
    print(f"{args.output}: {len(presets)} presets, {len(instruments)} instruments, {len(rows) - 1} samples, "
          f"{args.output.stat().st_size / 1e6:.1f} MB")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
