"""Draws media/icon.png (128x128): three provider nodes routed into one, on a rounded tile. Run once; the PNG is committed."""
import math, struct, zlib

W = H = 128
BG_TOP, BG_BOTTOM = (34, 48, 84), (18, 24, 44)
LINE, NODE, HUB = (120, 200, 255), (255, 255, 255), (98, 224, 160)

def inside_rounded(x, y, r=22):
    cx = min(max(x, r), W - 1 - r); cy = min(max(y, r), H - 1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r

def seg_dist(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))

nodes = [(30, 32), (30, 64), (30, 96)]
hub = (96, 64)
rows = []
for y in range(H):
    row = bytearray([0])
    for x in range(W):
        if not inside_rounded(x, y):
            row += bytes((0, 0, 0, 0)); continue
        t = y / (H - 1)
        c = [round(BG_TOP[i] * (1 - t) + BG_BOTTOM[i] * t) for i in range(3)]
        for (nx, ny) in nodes:
            if seg_dist(x, y, nx, ny, hub[0], hub[1]) < 3.2: c = list(LINE)
        if any(math.hypot(x - nx, y - ny) < 9 for nx, ny in nodes): c = list(NODE)
        if math.hypot(x - hub[0], y - hub[1]) < 14: c = list(HUB)
        row += bytes((*c, 255))
    rows.append(bytes(row))

def chunk(tag, data):
    return struct.pack('>I', len(data)) + tag + data + struct.pack('>I', zlib.crc32(tag + data) & 0xFFFFFFFF)

png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', W, H, 8, 6, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(b''.join(rows), 9)) + chunk(b'IEND', b'')
open('media/icon.png', 'wb').write(png)
