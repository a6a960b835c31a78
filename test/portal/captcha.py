"""Server-side CAPTCHA for --captcha server: codes and a PNG image, standard library only."""
import struct
import zlib

# Unambiguous characters only (no 0/O, 1/I/L), so a human can read the image.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

FONT = {
    "2": ["01110", "10001", "00001", "00010", "00100", "01000", "11111"],
    "3": ["11110", "00001", "00001", "01110", "00001", "00001", "11110"],
    "4": ["00010", "00110", "01010", "10010", "11111", "00010", "00010"],
    "5": ["11111", "10000", "11110", "00001", "00001", "10001", "01110"],
    "6": ["00110", "01000", "10000", "11110", "10001", "10001", "01110"],
    "7": ["11111", "00001", "00010", "00100", "01000", "01000", "01000"],
    "8": ["01110", "10001", "10001", "01110", "10001", "10001", "01110"],
    "9": ["01110", "10001", "10001", "01111", "00001", "00010", "01100"],
    "A": ["01110", "10001", "10001", "11111", "10001", "10001", "10001"],
    "B": ["11110", "10001", "10001", "11110", "10001", "10001", "11110"],
    "C": ["01110", "10001", "10000", "10000", "10000", "10001", "01110"],
    "D": ["11100", "10010", "10001", "10001", "10001", "10010", "11100"],
    "E": ["11111", "10000", "10000", "11110", "10000", "10000", "11111"],
    "F": ["11111", "10000", "10000", "11110", "10000", "10000", "10000"],
    "G": ["01110", "10001", "10000", "10111", "10001", "10001", "01111"],
    "H": ["10001", "10001", "10001", "11111", "10001", "10001", "10001"],
    "J": ["00111", "00010", "00010", "00010", "00010", "10010", "01100"],
    "K": ["10001", "10010", "10100", "11000", "10100", "10010", "10001"],
    "M": ["10001", "11011", "10101", "10101", "10001", "10001", "10001"],
    "N": ["10001", "10001", "11001", "10101", "10011", "10001", "10001"],
    "P": ["11110", "10001", "10001", "11110", "10000", "10000", "10000"],
    "Q": ["01110", "10001", "10001", "10001", "10101", "10010", "01101"],
    "R": ["11110", "10001", "10001", "11110", "10100", "10010", "10001"],
    "S": ["01111", "10000", "10000", "01110", "00001", "00001", "11110"],
    "T": ["11111", "00100", "00100", "00100", "00100", "00100", "00100"],
    "U": ["10001", "10001", "10001", "10001", "10001", "10001", "01110"],
    "V": ["10001", "10001", "10001", "10001", "10001", "01010", "00100"],
    "W": ["10001", "10001", "10001", "10101", "10101", "10101", "01010"],
    "X": ["10001", "10001", "01010", "00100", "01010", "10001", "10001"],
    "Y": ["10001", "10001", "01010", "00100", "00100", "00100", "00100"],
    "Z": ["11111", "00001", "00010", "00100", "01000", "10000", "11111"],
}


def new_code(rng, length=6):
    chars = []
    while len(chars) < length:  # like the portal's script: no repeated characters
        c = rng.choice(ALPHABET)
        if c not in chars:
            chars.append(c)
    return "".join(chars)


def png(code, rng, scale=4):
    """A PNG (grey background, dark glyphs, a little noise) showing code."""
    cw, ch = 6 * scale, 7 * scale
    width, height = len(code) * cw + 2 * scale * 2, ch + 4 * scale
    px = [[235] * width for _ in range(height)]
    for _ in range(width * height // 12):  # speckle noise
        px[rng.randrange(height)][rng.randrange(width)] = rng.randint(150, 220)
    for k, c in enumerate(code):
        glyph = FONT[c]
        ox = 2 * scale + k * cw + rng.randint(-1, 1)
        oy = 2 * scale + rng.randint(-scale, scale)
        for gy, line in enumerate(glyph):
            for gx, bit in enumerate(line):
                if bit == "1":
                    for dy in range(scale):
                        for dx in range(scale):
                            y, x = oy + gy * scale + dy, ox + gx * scale + dx
                            if 0 <= y < height and 0 <= x < width:
                                px[y][x] = 40
    for _ in range(2):  # strike-through lines
        y0, y1 = rng.randrange(height), rng.randrange(height)
        for x in range(width):
            y = y0 + (y1 - y0) * x // max(1, width - 1)
            px[y][x] = 90
    raw = b"".join(b"\x00" + bytes(row) for row in px)

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))
