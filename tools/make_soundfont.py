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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source", type=Path, help="a General MIDI .sf2 (FluidR3_GM.sf2)")
    ap.add_argument("output", type=Path, help="the .sf3 to write")
    ap.add_argument("--quality", type=float, default=QUALITY, help="Vorbis compression level 0..1")
    args = ap.parse_args(argv)

    lists = _read(args.source)
    pdta, sdta = lists[b"pdta"], lists[b"sdta"]
    phdr = sf2.table(pdta, b"phdr", sf2.PHDR)
    pbag, pgen = sf2.table(pdta, b"pbag", sf2.BAG), sf2.table(pdta, b"pgen", sf2.GEN)
    inst, ibag = sf2.table(pdta, b"inst", sf2.INST), sf2.table(pdta, b"ibag", sf2.BAG)
    igen, shdr = sf2.table(pdta, b"igen", sf2.GEN), sf2.table(pdta, b"shdr", sf2.SHDR)
    data = np.frombuffer(sdta[b"smpl"], "<i2")

    pmod, imod = pdta[b"pmod"], pdta[b"imod"]

    def bag_gens(bags, gens, b):
        return [(int(g["op"]), int(g["amount"])) for g in gens[int(bags[b]["gen"]) : int(bags[b + 1]["gen"])]]

    def bag_mods(bags, mods, b):
        return mods[10 * int(bags[b]["mod"]) : 10 * int(bags[b + 1]["mod"])]

    chosen = sorted(
        (p for p in range(len(phdr) - 1) if phdr[p]["bank"] == 0 and phdr[p]["program"] in PROGRAMS),
        key=lambda p: int(phdr[p]["program"]),
    )

    def zones_of(headers, row, bags, gens, mods, link, mapping):
        """A preset's or instrument's zones (generators, modulator bytes); the instruments or
        samples they link to get new numbers in ``mapping`` in order of first use."""
        spans = range(int(headers[row]["bag"]), int(headers[row + 1]["bag"]))
        zones = [(bag_gens(bags, gens, b), bag_mods(bags, mods, b)) for b in spans]
        for zone, _mods in zones:
            for op, amount in zone:
                if op == link:
                    mapping.setdefault(amount, len(mapping))
        return zones

    inst_map: dict[int, int] = {}
    sample_map: dict[int, int] = {}
    presets = [(phdr[p], zones_of(phdr, p, pbag, pgen, pmod, sf2.INSTRUMENT, inst_map)) for p in chosen]
    instruments = [None] * len(inst_map)
    for old, new in list(inst_map.items()):
        zones = zones_of(inst, old, ibag, igen, imod, sf2.SAMPLE_ID, sample_map)
        instruments[new] = (inst[old]["name"], zones)

    def remap(zones, op_of, mapping):
        return [([(op, mapping[a] if op == op_of else a) for op, a in zone], mods) for zone, mods in zones]

    blobs, rows, pos = [], [], 0
    for old in sorted(sample_map, key=sample_map.get):
        h = shdr[old]
        frames = data[int(h["start"]) : int(h["end"])]
        buf = io.BytesIO()
        soundfile.write(
            buf, frames.astype(np.int16), int(h["rate"]), format="OGG", subtype="VORBIS",
            compression_level=args.quality,
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

    def tables(headers, zone_lists, pack_header):
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

    ph, pb, pg, pm = tables(
        [r for r, _ in presets],
        [remap(z, sf2.INSTRUMENT, inst_map) for _, z in presets],
        lambda r, bag: struct.pack("<20sHHHIII", bytes(r["name"]), int(r["program"]), 0, bag, 0, 0, 0),
    )
    ph.append(struct.pack("<20sHHHIII", b"EOP", 0, 0, len(pb), 0, 0, 0))
    pb.append(struct.pack("<HH", len(pg), len(pm)))
    pg.append(struct.pack("<Hh", 0, 0))
    ih, ib, ig, im = tables(
        [n for n, _ in instruments],
        [remap(z, sf2.SAMPLE_ID, sample_map) for _, z in instruments],
        lambda name, bag: struct.pack("<20sH", bytes(name), bag),
    )
    ih.append(struct.pack("<20sH", b"EOI", len(ib)))
    ib.append(struct.pack("<HH", len(ig), len(im)))
    ig.append(struct.pack("<Hh", 0, 0))
    mod_end = struct.pack("<HHhHH", 0, 0, 0, 0, 0)

    info = _list(b"INFO", [
        _riff(b"ifil", struct.pack("<HH", 3, 1)),
        _text(b"isng", "EMU8000"),
        _text(b"INAM", "Songsketch GM (FluidR3_GM subset)"),
        _text(b"ICOP", "FluidR3_GM: Frank Wen and contributors, MIT licence"),
        _text(b"ICMT", f"Programs {', '.join(map(str, PROGRAMS))} of FluidR3_GM, Ogg Vorbis"),
        _text(b"ISFT", "Songsketch tools/make_soundfont.py"),
    ])  # fmt: skip
    body = b"sfbk" + info + _list(b"sdta", [_riff(b"smpl", b"".join(blobs))]) + _list(b"pdta", [
        _riff(b"phdr", b"".join(ph)), _riff(b"pbag", b"".join(pb)), _riff(b"pmod", b"".join(pm) + mod_end),
        _riff(b"pgen", b"".join(pg)), _riff(b"inst", b"".join(ih)), _riff(b"ibag", b"".join(ib)),
        _riff(b"imod", b"".join(im) + mod_end), _riff(b"igen", b"".join(ig)), _riff(b"shdr", b"".join(rows)),
    ])  # fmt: skip
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(_riff(b"RIFF", body))
    print(f"{args.output}: {len(presets)} presets, {len(instruments)} instruments, {len(rows) - 1} samples, "
          f"{args.output.stat().st_size / 1e6:.1f} MB")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
