"""Photos for the demo town, drawn with Pillow: streets, a park, a gathering, a cover.

Not photographs, but scenes that read as one on a phone: a sky that fades,
buildings with lit and dark windows, trees, a road or a square, people as
figures, soft light and sensor noise, saved as a small JPEG (640×480, ~40 KB).
Each picture's layout comes from its ``label`` (its own random stream), so no
two are alike — the integrity check compares photos by perceptual hash, and
templated pictures would look like one photo posted again and again.
"""

from __future__ import annotations

import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFilter

SIZE = (640, 480)
COVER_SIZE = (640, 360)

_SKIES = [((120, 170, 230), (215, 230, 245)), ((90, 140, 200), (240, 215, 190))]
_WALLS = [(214, 206, 190), (190, 180, 170), (226, 220, 208), (170, 160, 150), (200, 120, 100)]
_CLOTHES = [(200, 40, 40), (40, 80, 160), (230, 200, 60), (60, 140, 80), (240, 240, 240)]


def _sky(img: Image.Image, rng: random.Random, horizon: int) -> None:
    top, bottom = rng.choice(_SKIES)
    draw = ImageDraw.Draw(img)
    for y in range(horizon):
        t = y / max(1, horizon - 1)
        draw.line(
            [(0, y), (img.width, y)],
            fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    for _ in range(rng.randint(1, 4)):  # clouds
        x, y = rng.randrange(img.width), rng.randrange(max(1, horizon // 2))
        for _k in range(6):
            r = rng.randint(14, 34)
            dx, dy = rng.randint(-40, 40), rng.randint(-10, 10)
            draw.ellipse((x + dx - r, y + dy - r, x + dx + r, y + dy + r), fill=(248, 248, 250))


def _buildings(img: Image.Image, rng: random.Random, base: int) -> None:
    draw = ImageDraw.Draw(img)
    x = rng.randint(-60, 0)
    while x < img.width:
        w, h = rng.randint(90, 170), rng.randint(140, base - 20)
        wall = rng.choice(_WALLS)
        draw.rectangle((x, base - h, x + w, base), fill=wall, outline=(120, 110, 100))
        for wy in range(base - h + 14, base - 30, 26):  # floors of windows
            for wx in range(x + 10, x + w - 18, 24):
                lit = rng.random() < 0.2
                glass = (250, 225, 150) if lit else (95, 120, 140)
                draw.rectangle((wx, wy, wx + 13, wy + 15), fill=glass)
                if rng.random() < 0.15:  # an air conditioner under a window
                    draw.rectangle((wx, wy + 17, wx + 12, wy + 22), fill=(235, 235, 235))
        x += w + rng.randint(4, 30)


def _trees(img: Image.Image, rng: random.Random, base: int, n: int) -> None:
    draw = ImageDraw.Draw(img)
    for _ in range(n):
        x = rng.randrange(img.width)
        h = rng.randint(60, 130)
        draw.rectangle((x - 4, base - h // 2, x + 4, base), fill=(100, 70, 45))
        green = (rng.randint(40, 80), rng.randint(110, 150), rng.randint(40, 70))
        for _k in range(5):
            r = rng.randint(22, 40)
            cx, cy = x + rng.randint(-25, 25), base - h // 2 - rng.randint(0, 50)
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=green)


def _people(img: Image.Image, rng: random.Random, base: int, n: int) -> None:
    draw = ImageDraw.Draw(img)
    for _ in range(n):
        x = rng.randrange(20, img.width - 20)
        y = base + rng.randint(0, img.height - base - 10)
        s = 0.6 + (y - base) / max(1, img.height - base)  # nearer is bigger
        body, head = round(34 * s), round(9 * s)
        draw.rectangle((x - round(9 * s), y - body, x + round(9 * s), y), fill=rng.choice(_CLOTHES))
        skin = (rng.randint(200, 235), rng.randint(160, 195), rng.randint(130, 160))
        draw.ellipse((x - head, y - body - 2 * head, x + head, y - body), fill=skin)
        draw.ellipse(
            (x - head, y - body - 2 * head - 2, x + head, y - body - head), fill=(30, 25, 25)
        )


def _finish(img: Image.Image, rng: random.Random, quality: int = 78) -> bytes:
    img = img.filter(ImageFilter.GaussianBlur(0.8))
    noise = Image.effect_noise(img.size, 10).convert("RGB")
    img = Image.blend(img, noise, 0.06)
    light = Image.new("RGB", img.size, (255, 240, 210) if rng.random() < 0.5 else (210, 225, 255))
    img = Image.blend(img, light, 0.07)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def scene(label: str, kind: str = "street") -> bytes:
    """One JPEG photo (bytes) of ``kind``: ``street`` (buildings, road, a few people),
    ``park`` (grass, trees, people), ``gathering`` (a square full of people under a
    red banner) or ``cleanup`` (a lane with bins and bags); laid out from ``label``."""
    rng = random.Random(f"scene:{kind}:{label}")
    img = Image.new("RGB", SIZE)
    horizon = rng.randint(150, 230)
    _sky(img, rng, horizon + 120)
    draw = ImageDraw.Draw(img)
    base = horizon + rng.randint(80, 130)
    if kind == "park":
        draw.rectangle((0, horizon + 60, img.width, img.height), fill=(90, 150, 70))
        _trees(img, rng, horizon + 100, rng.randint(5, 9))
        draw.polygon(
            [(img.width // 2 - 40, img.height), (img.width // 2 + 40, img.height), (330, base)],
            fill=(196, 180, 150),
        )
        _people(img, rng, base, rng.randint(2, 6))
    else:
        _buildings(img, rng, base)
        ground = (150, 150, 148) if kind != "gathering" else (185, 175, 160)
        draw.rectangle((0, base, img.width, img.height), fill=ground)
        if kind == "street":
            for x in range(-40, img.width, 90):  # lane marks
                draw.rectangle((x, base + 70, x + 45, base + 76), fill=(235, 235, 225))
            _trees(img, rng, base, rng.randint(1, 3))
            _people(img, rng, base, rng.randint(1, 4))
        elif kind == "cleanup":
            for _ in range(rng.randint(2, 4)):  # sorting bins: green, grey, red, blue
                x = rng.randrange(20, img.width - 60)
                colour = rng.choice([(40, 130, 60), (110, 110, 110), (190, 40, 40), (40, 80, 170)])
                draw.rectangle((x, base + 10, x + 44, base + 70), fill=colour)
            for _ in range(rng.randint(3, 7)):  # bags
                x, y = rng.randrange(img.width), rng.randint(base + 40, img.height - 20)
                draw.ellipse((x, y, x + 34, y + 26), fill=(40, 40, 40))
            _people(img, rng, base + 20, rng.randint(2, 5))
        else:  # gathering
            top = base - rng.randint(60, 110)
            draw.rectangle((80, top, img.width - 80, top + 34), fill=(200, 30, 30))
            for x in range(100, img.width - 100, 36):  # the banner's (unreadable) characters
                draw.rectangle((x, top + 8, x + 20, top + 26), fill=(250, 220, 120))
            _people(img, rng, base, rng.randint(14, 26))
    return _finish(img, rng)


def cover(label: str) -> bytes:
    """An article cover (16:9 JPEG bytes): a scene of the town under a coloured band."""
    rng = random.Random(f"cover:{label}")
    kind = rng.choice(["street", "park", "gathering"])
    photo = Image.open(io.BytesIO(scene(label, kind))).crop((0, 60, 640, 420))
    draw = ImageDraw.Draw(photo)
    band = rng.choice([(179, 38, 30), (19, 108, 46), (30, 80, 160)])
    draw.rectangle((0, COVER_SIZE[1] - 56, COVER_SIZE[0], COVER_SIZE[1]), fill=band)
    for x in range(32, 32 + 24 * rng.randint(6, 12), 24):  # a title line, as shapes
        draw.rectangle((x, COVER_SIZE[1] - 38, x + 18, COVER_SIZE[1] - 20), fill=(255, 255, 255))
    return _finish(photo, rng, quality=80)


def upload(data: bytes, name: str) -> SimpleUploadedFile:
    """``data`` as the file a form would hand over (named, sized, a JPEG)."""
    return SimpleUploadedFile(name, data, content_type="image/jpeg")
