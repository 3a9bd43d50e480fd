"""Photos as the demo drew them before issue 18 (coloured shapes on a plain ground,
each layout drawn from its label), and recycled copies of them.

The demo town now draws scenes (``demo.pictures``); these tests keep the earlier
generator, so that their detection figures stay comparable from one change to the next.
"""

import io
import random

from PIL import Image, ImageDraw


def demo_photo(label: str, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    img = Image.new("RGB", (480, 360), (rng.randrange(90, 200), rng.randrange(140, 220), 160))
    draw = ImageDraw.Draw(img)
    shapes = random.Random(label)
    for _ in range(6):
        x, y = shapes.randrange(0, 420), shapes.randrange(0, 300)
        w, h = shapes.randrange(40, 200), shapes.randrange(30, 160)
        fill = tuple(shapes.randrange(0, 256) for _ in range(3))
        if shapes.random() < 0.5:
            draw.rectangle((x, y, x + w, y + h), fill=fill)
        else:
            draw.ellipse((x, y, x + w, y + h), fill=fill)
    draw.text((50, 40), label, fill=(255, 255, 255))
    return _save(img, quality=80)


def _save(img: Image.Image, quality: int = 85) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def recycled(data: bytes) -> dict[str, bytes]:
    """Copies a farmer would post again: cropped, resized, recompressed, and mixed."""
    img = Image.open(io.BytesIO(data)).convert("RGB")
    w, h = img.size
    out = {}
    for c in (5, 10, 15, 20):
        dx, dy = w * c // 100, h * c // 100
        out[f"crop {c}% a side"] = _save(img.crop((dx, dy, w - dx, h - dy)))
    out["crop 10% towards a corner"] = _save(img.crop((0, 0, w * 9 // 10, h * 9 // 10)))
    out["crop 20% towards a corner"] = _save(img.crop((w // 5, h // 5, w, h)))
    out["crop uneven (5/15/10/0%)"] = _save(
        img.crop((w * 5 // 100, h * 15 // 100, w * 90 // 100, h))
    )
    for s in (50, 25, 150):
        out[f"resize to {s}%"] = _save(img.resize((w * s // 100, h * s // 100)))
    for q in (60, 30, 10):
        out[f"recompress q{q}"] = _save(img, quality=q)
    out["resize 50% + crop + q40"] = _save(
        img.resize((w // 2, h // 2)).crop((10, 10, w // 2 - 10, h // 2 - 10)), quality=40
    )
    return out
