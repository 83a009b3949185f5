"""Drawn photos for the demo: simple street scenes, recognisable at a glance.

Each category with something to see has a scene: a pile of garbage bags on
the sidewalk, a dark street lamp at night, a flooded road with a half-sunk
motorbike... and an "after" version used as the unit's proof of the fix (the
lamp lit, the sidewalk swept). The pictures are plain coloured shapes in a
row-house street, drawn with Pillow from a seeded `random.Random`, so the
same seed always draws the same picture.
"""

import io
import math

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

W, H = 800, 600
GROUND = 372  # where the houses meet the sidewalk
CURB = 430    # where the sidewalk meets the road

HOUSE_COLOURS = [(238, 214, 160), (200, 226, 214), (236, 190, 178), (246, 238, 214), (190, 208, 232),
                 (226, 200, 226), (250, 226, 150), (214, 232, 190)]
SIGN_COLOURS = [(200, 40, 40), (30, 100, 180), (240, 170, 20), (20, 140, 90), (120, 60, 160)]


# --- the street every scene stands in ------------------------------------------------

def _sky(draw, top, bottom, mood):
    palettes = {"day": ((120, 180, 236), (206, 230, 248)), "night": ((12, 16, 40), (40, 46, 80)),
                "rain": ((112, 120, 132), (170, 176, 184))}
    a, b = palettes[mood]
    for y in range(top, bottom):
        t = (y - top) / max(1, bottom - top)
        draw.line([(0, y), (W, y)], fill=tuple(int(a[i] + (b[i] - a[i]) * t) for i in range(3)))


def _houses(draw, rng, mood):
    """A row of narrow tube houses (nhà ống) with balconies and shop signs."""
    x = -rng.randrange(0, 60)
    while x < W:
        width = rng.randrange(100, 170)
        top = GROUND - rng.randrange(200, 320)
        colour = rng.choice(HOUSE_COLOURS)
        if mood == "night":
            colour = tuple(c // 4 for c in colour)
        elif mood == "rain":
            colour = tuple(int(c * 0.75) for c in colour)
        draw.rectangle([x, top, x + width, GROUND], fill=colour, outline=tuple(c // 2 for c in colour), width=2)
        for floor_y in range(top + 20, GROUND - 110, 62):
            for wx in (x + 14, x + width // 2 + 6):
                lit = mood == "night" and rng.random() < 0.45
                glass = (250, 214, 110) if lit else ((30, 34, 50) if mood == "night" else (96, 132, 160))
                draw.rectangle([wx, floor_y, wx + width // 2 - 22, floor_y + 34], fill=glass)
            draw.line([(x, floor_y + 44), (x + width, floor_y + 44)], fill=(90, 90, 90), width=3)  # balcony rail
        sign = rng.choice(SIGN_COLOURS)
        if mood == "night":
            sign = tuple(c // 3 for c in sign)
        draw.rectangle([x + 6, GROUND - 96, x + width - 6, GROUND - 72], fill=sign)
        # The open shop front at street level.
        draw.rectangle([x + 10, GROUND - 64, x + width - 10, GROUND], fill=(60, 54, 50) if mood != "night" else
                       (20, 18, 18))
        x += width


def _sidewalk(draw, mood):
    tile = {"day": (200, 196, 188), "night": (56, 56, 62), "rain": (150, 150, 150)}[mood]
    draw.rectangle([0, GROUND, W, CURB], fill=tile)
    line = tuple(max(0, c - 30) for c in tile)
    for x in range(0, W, 40):
        draw.line([(x, GROUND), (x - 14, CURB)], fill=line)
    draw.line([(0, GROUND + 28), (W, GROUND + 28)], fill=line)
    draw.rectangle([0, CURB - 6, W, CURB], fill=(170, 170, 168) if mood != "night" else (70, 70, 74))


def _road(draw, mood):
    asphalt = {"day": (84, 86, 90), "night": (28, 28, 34), "rain": (70, 72, 78)}[mood]
    draw.rectangle([0, CURB, W, H], fill=asphalt)
    paint = (236, 236, 228) if mood != "night" else (96, 96, 90)
    for x in range(-20, W, 120):
        draw.polygon([(x, 512), (x + 70, 512), (x + 74, 522), (x + 4, 522)], fill=paint)


def street(rng, mood="day"):
    img = Image.new("RGB", (W, H))
    draw = ImageDraw.Draw(img)
    _sky(draw, 0, GROUND, mood)
    if mood == "night":
        for _ in range(40):
            sx, sy = rng.randrange(W), rng.randrange(0, 120)
            draw.point((sx, sy), fill=(230, 230, 255))
    _houses(draw, rng, mood)
    _sidewalk(draw, mood)
    _road(draw, mood)
    return img, draw


def _overlay(img, paint):
    """Draw translucent shapes (water, light, smoke) with `paint(draw)`."""
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    paint(ImageDraw.Draw(layer))
    img.paste(Image.alpha_composite(img.convert("RGBA"), layer).convert("RGB"))


def _motorbike(draw, x, y, colour, rider=True, wheels=True):
    if wheels:
        for wx in (x, x + 78):
            draw.ellipse([wx - 20, y - 20, wx + 20, y + 20], fill=(20, 20, 20))
            draw.ellipse([wx - 8, y - 8, wx + 8, y + 8], fill=(150, 150, 150))
    draw.polygon([(x - 6, y - 26), (x + 30, y - 40), (x + 70, y - 36), (x + 90, y - 18), (x + 50, y - 10),
                  (x + 6, y - 10)], fill=colour)
    draw.line([(x + 72, y - 36), (x + 66, y - 66)], fill=(40, 40, 40), width=5)
    if rider:
        draw.rectangle([x + 22, y - 92, x + 48, y - 40], fill=(60, 90, 150))
        draw.ellipse([x + 22, y - 124, x + 50, y - 94], fill=(230, 60, 60))  # helmet


def _car(draw, x, y, colour):
    draw.rounded_rectangle([x, y - 56, x + 190, y - 12], radius=12, fill=colour)
    draw.polygon([(x + 40, y - 56), (x + 64, y - 92), (x + 140, y - 92), (x + 166, y - 56)], fill=colour)
    draw.polygon([(x + 52, y - 58), (x + 70, y - 86), (x + 100, y - 86), (x + 100, y - 58)], fill=(170, 210, 230))
    draw.polygon([(x + 106, y - 58), (x + 106, y - 86), (x + 136, y - 86), (x + 156, y - 58)], fill=(170, 210, 230))
    for wx in (x + 42, x + 150):
        draw.ellipse([wx - 20, y - 32, wx + 20, y + 8], fill=(20, 20, 20))
        draw.ellipse([wx - 8, y - 20, wx + 8, y - 4], fill=(160, 160, 160))


def _pole(draw, x, top, bottom=CURB - 4, lean=0):
    draw.polygon([(x - 9, bottom), (x + 9, bottom), (x + 5 + lean, top), (x - 5 + lean, top)], fill=(150, 150, 146))
    return x + lean, top


# --- scenes: (rng, after) -> image --------------------------------------------------

def garbage(rng, after):
    img, draw = street(rng)
    if after:
        draw.rounded_rectangle([560, 300, 630, 420], radius=8, fill=(30, 130, 60))   # a wheelie bin
        draw.rectangle([552, 292, 638, 306], fill=(20, 100, 46))
        return img
    bags = [(30, 30, 34), (36, 60, 130), (230, 230, 226), (40, 110, 60), (120, 70, 40)]
    for _ in range(22):
        cx, cy = rng.randrange(420, 700), rng.randrange(360, 430)
        r = rng.randrange(18, 36)
        draw.ellipse([cx - r, cy - r, cx + r, cy + int(r * 0.8)], fill=rng.choice(bags), outline=(10, 10, 10))
    for _ in range(5):
        bx, by = rng.randrange(420, 680), rng.randrange(340, 400)
        draw.rectangle([bx, by, bx + 46, by + 34], fill=(170, 130, 80), outline=(110, 80, 40))
    for _ in range(14):  # litter blown onto the road
        lx, ly = rng.randrange(380, 760), rng.randrange(436, 520)
        draw.rectangle([lx, ly, lx + rng.randrange(6, 16), ly + rng.randrange(4, 10)],
                       fill=rng.choice([(240, 240, 240), (220, 60, 60), (60, 120, 220)]))
    for _ in range(30):  # flies
        fx, fy = rng.randrange(430, 700), rng.randrange(280, 350)
        draw.ellipse([fx, fy, fx + 3, fy + 3], fill=(10, 10, 10))
    return img


def street_lamp(rng, after):
    img, draw = street(rng, "night")
    x, top = _pole(draw, 520, 120)
    draw.line([(x, top + 6), (x - 110, top - 10)], fill=(150, 150, 146), width=8)
    head = [x - 150, top - 24, x - 90, top + 2]
    if after:
        def light(d):
            d.polygon([(x - 140, top), (x - 100, top), (x + 40, H), (x - 300, H)], fill=(255, 230, 140, 70))
            d.ellipse([x - 290, 470, x + 30, 590], fill=(255, 230, 140, 60))
        _overlay(img, light)
        draw = ImageDraw.Draw(img)
        draw.ellipse(head, fill=(255, 246, 200))
    else:
        draw.ellipse(head, fill=(60, 60, 64), outline=(90, 90, 96), width=2)
    return img


def flood(rng, after):
    if after:
        img, draw = street(rng)
        for _ in range(4):  # drying puddles
            px, py = rng.randrange(40, 700), rng.randrange(450, 580)
            draw.ellipse([px, py, px + rng.randrange(40, 90), py + 12], fill=(100, 104, 112))
        return img
    img, draw = street(rng, "rain")

    def water(d):
        d.rectangle([0, 400, W, H], fill=(126, 108, 72, 200))
        for _ in range(60):
            rx, ry = rng.randrange(W), rng.randrange(410, H)
            d.arc([rx, ry, rx + rng.randrange(30, 80), ry + 8], 180, 360, fill=(190, 180, 150, 230), width=2)
    _overlay(img, water)
    draw = ImageDraw.Draw(img)
    # Motorbikes pushed through water up to the seat: wheels out of sight.
    _motorbike(draw, 300, 520, (200, 40, 40), wheels=False)
    _motorbike(draw, 560, 490, (40, 90, 200), wheels=False)
    for bx in (300, 560):
        draw.arc([bx - 20, 506 - (30 if bx == 560 else 0), bx + 110, 530 - (30 if bx == 560 else 0)], 0, 180,
                 fill=(200, 190, 160), width=3)
    for _ in range(140):  # rain
        rx, ry = rng.randrange(W), rng.randrange(H)
        draw.line([(rx, ry), (rx - 6, ry + 22)], fill=(214, 220, 230), width=1)
    return img


def pothole(rng, after):
    img, draw = street(rng)
    cx, cy = rng.randrange(260, 520), 545
    if after:
        draw.rectangle([cx - 170, cy - 46, cx + 180, cy + 50], fill=(52, 54, 58))  # fresh asphalt patch
        return img
    points = [(cx + math.cos(a) * rng.randrange(130, 170), cy + math.sin(a) * rng.randrange(34, 50))
              for a in [i * math.pi / 8 for i in range(16)]]
    draw.polygon([(x, y - 4) for x, y in points], fill=(140, 126, 104))
    draw.polygon(points, fill=(36, 30, 26))
    draw.ellipse([cx - 80, cy - 12, cx + 60, cy + 18], fill=(90, 110, 130))  # rain water inside
    for _ in range(8):
        a = rng.uniform(0, 2 * math.pi)
        x0, y0 = cx + math.cos(a) * 160, cy + math.sin(a) * 46
        draw.line([(x0, y0), (x0 + math.cos(a) * 60, y0 + math.sin(a) * 16)], fill=(30, 30, 30), width=2)
    return img


def _crown(draw, rng, cx, cy, spread):
    for _ in range(26):
        r = rng.randrange(26, 48)
        x, y = cx + rng.randrange(-spread, spread), cy + rng.randrange(-spread // 2, spread // 2)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=rng.choice([(40, 120, 50), (60, 150, 60), (30, 96, 40)]))


def fallen_tree(rng, after):
    img, draw = street(rng)
    draw.rectangle([92, 360, 128, 420], fill=(110, 76, 40))  # the stump
    if after:
        for i in range(3):
            draw.ellipse([160 + i * 46, 392, 204 + i * 46, 424], fill=(150, 106, 60), outline=(100, 70, 36))
        return img
    draw.polygon([(100, 372), (128, 360), (640, 520), (610, 546)], fill=(104, 70, 36))
    _crown(draw, rng, 620, 500, 140)
    for _ in range(6):  # broken branches
        bx, by = rng.randrange(200, 560), rng.randrange(440, 560)
        draw.line([(bx, by), (bx + rng.randrange(-60, 60), by - rng.randrange(10, 40))], fill=(90, 60, 30), width=6)
    return img


def cables(rng, after):
    img, draw = street(rng)
    poles = [_pole(draw, 150, 90), _pole(draw, 650, 90)]
    (x0, y0), (x1, y1) = poles

    def sagging(sag, colour=(20, 20, 20), width=3):
        pts = []
        for i in range(41):
            t = i / 40
            pts.append((x0 + (x1 - x0) * t, y0 + 30 + (y1 - y0) * t + sag * 4 * t * (1 - t)))
        draw.line(pts, fill=colour, width=width)

    if after:
        for k in range(4):
            sagging(20 + k * 6)
        draw.rectangle([x0 - 16, y0 + 40, x0 + 16, y0 + 70], fill=(40, 40, 40))  # a tidy junction box
        return img
    for _ in range(34):
        sagging(rng.randrange(20, 260), width=rng.choice([2, 3, 4]))
    cx, cy = rng.randrange(300, 500), 300
    for r in range(12, 48, 6):  # a coil of spare cable hanging low
        draw.ellipse([cx - r, cy - r // 2, cx + r, cy + r // 2], outline=(15, 15, 15), width=3)
    draw.line([(cx, cy + 20), (cx + 20, 400)], fill=(15, 15, 15), width=3)
    return img


def manhole(rng, after):
    img, draw = street(rng)
    cx, cy = rng.randrange(300, 500), 540
    if after:
        draw.ellipse([cx - 80, cy - 28, cx + 80, cy + 28], fill=(70, 70, 74), outline=(40, 40, 40), width=4)
        for k in range(-60, 70, 20):
            draw.line([(cx + k, cy - 22), (cx + k, cy + 22)], fill=(50, 50, 54), width=3)
        return img
    draw.ellipse([cx - 86, cy - 32, cx + 86, cy + 32], fill=(110, 110, 110))
    draw.ellipse([cx - 72, cy - 24, cx + 72, cy + 24], fill=(8, 8, 8))
    draw.polygon([(cx + 90, cy + 10), (cx + 160, cy - 6), (cx + 172, cy + 18)], fill=(120, 118, 110))  # broken lid
    draw.line([(cx - 10, cy), (cx + 6, cy - 150)], fill=(100, 70, 40), width=7)  # branch stuck as a warning
    draw.polygon([(cx + 6, cy - 150), (cx + 56, cy - 138), (cx + 4, cy - 120)], fill=(220, 30, 30))
    return img


def sidewalk_stalls(rng, after):
    img, draw = street(rng)
    if after:
        for px in (220, 520):  # people walking on a clear sidewalk
            draw.rectangle([px, 330, px + 20, 400], fill=(70, 90, 140))
            draw.ellipse([px - 2, 306, px + 22, 330], fill=(220, 180, 140))
        return img
    for _ in range(2):  # parasols
        ux = rng.randrange(100, 600)
        draw.line([(ux, 300), (ux, 420)], fill=(80, 80, 80), width=4)
        draw.pieslice([ux - 90, 250, ux + 90, 350], 180, 360, fill=rng.choice([(220, 60, 60), (40, 120, 200)]))
    for _ in range(18):  # plastic stools and low tables
        sx, sy = rng.randrange(20, 760), rng.randrange(392, 440)
        colour = rng.choice([(220, 40, 40), (40, 90, 200), (240, 200, 40)])
        draw.polygon([(sx, sy), (sx + 26, sy), (sx + 22, sy + 24), (sx + 4, sy + 24)], fill=colour)
    for i in range(3):
        _motorbike(draw, 60 + i * 230 + rng.randrange(40), 424, rng.choice(SIGN_COLOURS), rider=False)
    draw.rectangle([700, 440, 720, 520], fill=(70, 90, 140))  # a pedestrian forced onto the road
    draw.ellipse([698, 414, 722, 440], fill=(220, 180, 140))
    return img


def water_leak(rng, after):
    img, draw = street(rng)
    cx = rng.randrange(300, 500)
    if after:
        draw.rectangle([cx - 90, 432, cx + 90, 470], fill=(110, 110, 112))  # patched trench
        return img
    draw.rectangle([cx - 40, 410, cx + 40, 440], fill=(60, 60, 60))  # water meter box, crushed
    draw.line([(cx - 40, 410), (cx + 40, 440)], fill=(30, 30, 30), width=3)

    def spray(d):
        d.ellipse([cx - 260, 470, cx + 260, 590], fill=(120, 170, 220, 150))
        for _ in range(260):
            a = rng.uniform(math.pi * 1.15, math.pi * 1.85)
            r = rng.uniform(20, 200)
            x, y = cx + math.cos(a) * r * 0.8, 420 + math.sin(a) * r
            d.ellipse([x - 3, y - 3, x + 3, y + 3], fill=(180, 220, 255, 220))
    _overlay(img, spray)
    return img


def leaning_pole(rng, after):
    img, draw = street(rng)
    if after:
        _pole(draw, 420, 80)
        draw.line([(0, 110), (800, 110)], fill=(20, 20, 20), width=3)
        return img
    draw.polygon([(400, 560), (424, 560), (560, 120), (544, 116)], fill=(150, 150, 146))  # standing in the road
    draw.line([(0, 110), (552, 124), (800, 300)], fill=(20, 20, 20), width=3)
    draw.line([(0, 130), (552, 130), (800, 340)], fill=(20, 20, 20), width=3)
    return img


def wastewater(rng, after):
    """A narrow alley between two walls, seen from its mouth."""
    img = Image.new("RGB", (W, H), (236, 222, 190))
    draw = ImageDraw.Draw(img)
    _sky(draw, 0, 160, "day")
    draw.polygon([(0, 0), (330, 160), (330, 330), (0, H)], fill=(214, 196, 160))
    draw.polygon([(W, 0), (470, 160), (470, 330), (W, H)], fill=(200, 206, 190))
    draw.polygon([(0, H), (330, 330), (470, 330), (W, H)], fill=(150, 146, 140))
    for i in range(6):  # doors along the alley
        t = 0.15 + i * 0.13
        draw.rectangle([int(330 * t), int(160 + 100 * t), int(330 * t) + 24, int(160 + 100 * t) + 80],
                       fill=(110, 70, 40))
    if not after:
        draw.polygon([(350, 330), (450, 330), (640, H), (160, H)], fill=(40, 50, 34))
        for _ in range(40):  # scum and foam
            fx, fy = rng.randrange(260, 540), rng.randrange(380, H)
            draw.ellipse([fx, fy, fx + 10, fy + 5], fill=(170, 170, 140))
    return img


def flyers(rng, after):
    img, draw = street(rng)
    _pole(draw, 400, 60)
    if after:
        return img
    for _ in range(36):
        fx, fy = rng.randrange(370, 412), rng.randrange(140, 400)
        colour = rng.choice([(250, 250, 240), (250, 230, 90), (250, 170, 190), (170, 220, 250)])
        draw.rectangle([fx, fy, fx + 30, fy + 40], fill=colour, outline=(120, 120, 120))
        for k in range(4):
            draw.line([(fx + 4, fy + 8 + k * 8), (fx + 26, fy + 8 + k * 8)], fill=(60, 60, 60))
    for _ in range(40):  # flyers pasted on the shop walls too
        fx, fy = rng.randrange(0, W), rng.randrange(220, 300)
        draw.rectangle([fx, fy, fx + 24, fy + 32], fill=(250, 250, 240), outline=(120, 120, 120))
    return img


def construction(rng, after):
    img, draw = street(rng)
    x0, x1 = 300, 480
    draw.rectangle([x0, 20, x1, GROUND], fill=(190, 176, 160))  # the house, one floor higher than its neighbours
    if after:
        for y in range(40, GROUND - 80, 62):
            draw.rectangle([x0 + 20, y, x1 - 20, y + 34], fill=(96, 132, 160))
        return img
    for x in range(x0 - 20, x1 + 30, 30):  # scaffolding
        draw.line([(x, 10), (x, GROUND)], fill=(90, 90, 90), width=3)
    for y in range(10, GROUND, 40):
        draw.line([(x0 - 20, y), (x1 + 20, y)], fill=(90, 90, 90), width=3)

    def net(d):
        d.rectangle([x0 - 24, 10, x1 + 24, 200], fill=(40, 150, 80, 150))
    _overlay(img, net)
    draw = ImageDraw.Draw(img)
    for _ in range(40):  # bricks and sand on the sidewalk
        bx, by = rng.randrange(250, 560), rng.randrange(390, 436)
        draw.rectangle([bx, by, bx + 22, by + 10], fill=(180, 80, 50), outline=(120, 50, 30))
    draw.pieslice([560, 370, 720, 480], 180, 360, fill=(210, 180, 120))
    return img


def parking(rng, after):
    img, draw = street(rng)
    if after:
        return img
    for i in range(3):
        _car(draw, 20 + i * 260 + rng.randrange(20), 420, rng.choice([(230, 230, 230), (40, 40, 44), (170, 30, 30),
                                                                       (60, 90, 160)]))
    return img


def traffic_light(rng, after):
    img, draw = street(rng, "rain" if not after else "day")
    x, top = _pole(draw, 600, 150)
    draw.line([(x, top + 10), (x - 200, top + 10)], fill=(150, 150, 146), width=8)
    box = [x - 230, top - 10, x - 170, top + 160]
    draw.rounded_rectangle(box, radius=10, fill=(30, 30, 30))
    lamps = [(220, 40, 40), (240, 190, 30), (40, 200, 90)]
    for i, colour in enumerate(lamps):
        lit = after and i == 2
        y = top + 4 + i * 52
        draw.ellipse([x - 222, y, x - 178, y + 44], fill=colour if lit else tuple(c // 5 for c in colour))
    for i in range(2):  # traffic tangled at the crossing
        _motorbike(draw, 120 + i * 170, 520 - i * 20, rng.choice(SIGN_COLOURS))
    return img


def smoke(rng, after):
    img, draw = street(rng)
    if after:
        return img
    draw.pieslice([140, 380, 300, 460], 180, 360, fill=(70, 60, 50))

    def puffs(d):
        for i in range(30):
            r = 20 + i * 3
            x, y = 220 + rng.randrange(-30, 30) + i * 6, 400 - i * 14
            d.ellipse([x - r, y - r, x + r, y + r], fill=(60, 60, 60, 150 - i * 4))
    _overlay(img, puffs)
    draw = ImageDraw.Draw(img)
    for _ in range(12):  # flames
        fx = rng.randrange(170, 270)
        draw.polygon([(fx, 420), (fx + 10, 380 - rng.randrange(30)), (fx + 20, 420)], fill=(250, 140, 30))
    return img


def bus_stop(rng, after):
    img, draw = street(rng)
    draw.rectangle([250, 280, 262, 430], fill=(90, 90, 96))
    draw.rectangle([530, 280, 542, 430], fill=(90, 90, 96))
    if after:
        draw.rectangle([236, 264, 556, 284], fill=(40, 110, 180))
        draw.rectangle([300, 380, 490, 394], fill=(120, 84, 50))
    else:
        draw.polygon([(236, 264), (400, 264), (380, 330), (236, 290)], fill=(40, 110, 180))  # roof half fallen
        draw.polygon([(300, 400), (380, 380), (390, 392), (306, 414)], fill=(120, 84, 50))  # broken bench
    draw.rounded_rectangle([560, 440, 790, 560], radius=14, fill=(30, 150, 90))  # the bus driving past
    for k in range(4):
        draw.rectangle([578 + k * 52, 456, 620 + k * 52, 496], fill=(180, 220, 240))
    return img


def clean_street(rng, after):
    img, _draw = street(rng)
    return img


# Category -> (scene, the point the photographer frames: the problem's usual place).
SCENES = {
    "lan-chiem-via-he": (sidewalk_stalls, (400, 380)),
    "xay-dung-trai-phep": (construction, (420, 240)),
    "quang-cao-trai-phep": (flyers, (400, 280)),
    "dau-xe-trai-phep": (parking, (400, 380)),
    "rac-thai": (garbage, (560, 370)),
    "nuoc-thai": (wastewater, (400, 360)),
    "o-nhiem-khong-khi": (smoke, (280, 300)),
    "cay-xanh": (fallen_tree, (380, 420)),
    "hu-hong-mat-duong": (pothole, (400, 420)),
    "den-chieu-sang": (street_lamp, (420, 300)),
    "den-tin-hieu": (traffic_light, (420, 300)),
    "ngap-nuoc": (flood, (420, 420)),
    "ho-ga-nap-cong": (manhole, (400, 420)),
    "cap-nuoc": (water_leak, (400, 420)),
    "dien": (leaning_pole, (460, 300)),
    "cap-vien-thong": (cables, (400, 250)),
    "giao-thong-cong-cong": (bus_stop, (460, 380)),
}
PHOTO_SIZE = (600, 450)  # a crop of the drawn street, framed on the problem


def has_scene(category_code):
    return category_code in SCENES


def draw(category_code, rng, after=False):
    """The photo for a report of `category_code`: the problem, or the fix."""
    scene, (fx, fy) = SCENES.get(category_code, (clean_street, (W // 2, H // 2)))
    image = scene(rng, after)
    width, height = PHOTO_SIZE
    left = min(max(fx - width // 2, 0), W - width)
    top = min(max(fy - height // 2, 0), H - height)
    return image.crop((left, top, left + width, top + height))


def jpeg_upload(image, name):
    """The picture as a phone would upload it."""
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")
