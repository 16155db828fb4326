#!/usr/bin/env python3
"""Drops custom sections from WebAssembly files; they carry no code or data.

    strip-wasm-sections.py --link IN OUT   the linker's (`linking`, `reloc.*`),
                                           which wasm-opt cannot read past
    strip-wasm-sections.py --ship FILE...  in place: `producers` and
                                           `target_features`, which browsers
                                           ignore

The second is for what the pages download. wasm-split writes both sections
into every chunk it cuts (about 200 bytes, 150 gzip, each), and a page loads
up to sixteen files: about 2-3 KB of each page's first load (docs/performance.md).
"""
import sys


def leb(b, i):
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return r, i


def strip(data, drop):
    if data[:4] != b"\0asm":
        raise SystemExit("not a WebAssembly module")
    out, i = bytearray(data[:8]), 8
    while i < len(data):
        start = i
        section = data[i]
        size, i = leb(data, i + 1)
        end = i + size
        if section == 0:
            length, j = leb(data, i)
            if drop(data[j : j + length].decode()):
                i = end
                continue
        out += data[start:end]
        i = end
    return bytes(out)


def main(args):
    if len(args) == 3 and args[0] == "--link":
        data = open(args[1], "rb").read()
        linker = lambda name: name == "linking" or name.startswith("reloc.")
        open(args[2], "wb").write(strip(data, linker))
    elif len(args) >= 1 and args[0] == "--ship":
        for path in args[1:]:
            data = open(path, "rb").read()
            shipped = strip(data, lambda name: name in ("producers", "target_features"))
            if shipped != data:
                open(path, "wb").write(shipped)
    else:
        raise SystemExit(__doc__)


main(sys.argv[1:])
