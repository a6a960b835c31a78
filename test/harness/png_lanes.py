#!/usr/bin/env python3
"""Checks a screenshot of a run's timeline (realmap.run_timeline_svg) pixel by pixel.

usage: png_lanes.py SCREENSHOT.png EXPECT.json
EXPECT: {"lanes": [{"task", "y0", "y1", "green": bool, "red": bool, "x_first": number|null}], "x0", "x1"}
For each lane, within the chart's columns [x0, x1) and the lane's rows (y0, y1): green bar
pixels must be present exactly when "green" says so, red (failure) pixels exactly when
"red" does, and the lane's first bar pixel (of any bar colour or blend) must lie within 3 px of
"x_first".  Exit 0 when every lane checks, 1 otherwise (a line per mismatch).

The PNG is read with the standard library only: 8-bit RGB or RGBA, not interlaced,
all five filter types (what Chromium writes).
"""
import json
import struct
import sys
import zlib


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("%s is not a PNG" % path)
    pos, idat, width = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                raise ValueError("unsupported PNG: depth %d, colour type %d, interlace %d" % (depth, colour, interlace))
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(width)])
        prev = line
    return width, height, rows


def is_green(p):  # the bar colour #2e7d32, blended with the lane's background at 85 %
    r, g, b = p
    return g > 100 and g - r > 50 and g - b > 40


def is_red(p):  # #d32f2f
    r, g, b = p
    return r > 170 and r - g > 90 and r - b > 90


def is_bar(p):  # any bar colour, alone or blended with the bars it overlaps (a batch's
    # instances share their claim time, so their bars start together; a green one drawn
    # over a red one is neither colour above): coloured, unlike the grey background and grid
    return max(p) - min(p) > 40


def main():
    width, height, rows = read_png(sys.argv[1])
    want = json.load(open(sys.argv[2]))
    bad = []
    x0, x1 = int(want["x0"]), min(int(want["x1"]), width)
    for lane in want["lanes"]:
        y0, y1 = int(lane["y0"]), min(int(lane["y1"]), height)
        cols = {"green": [], "red": []}
        bar = []
        for y in range(y0 + 1, y1 - 1):
            for x in range(x0, x1):
                p = rows[y][x]
                if is_green(p):
                    cols["green"].append(x)
                elif is_red(p):
                    cols["red"].append(x)
                if is_bar(p):
                    bar.append(x)
        for colour in ("green", "red"):
            have = len(cols[colour]) > 0
            if have != bool(lane[colour]):
                bad.append("lane %s: %s pixels %s, expected %s" % (lane["task"], colour,
                                                                   "present" if have else "absent",
                                                                   "present" if lane[colour] else "absent"))
        first = lane.get("x_first")
        if first is not None and bar and abs(min(bar) - first) > 3:
            bad.append("lane %s: first bar at x=%d, expected %.1f" % (lane["task"], min(bar), first))
    for line in bad:
        print(line)
    print("%d lanes, %d mismatches (%dx%d screenshot)" % (len(want["lanes"]), len(bad), width, height))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
