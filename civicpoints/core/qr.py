"""QR codes as inline SVG, drawn by the ``qrcode`` library (no images fetched from anywhere)."""

import io

import qrcode
import qrcode.image.svg


def qr_svg(data: str) -> str:
    """An SVG document (str) encoding ``data``, for printing or showing on screen."""
    img = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buf = io.BytesIO()
    img.save(buf)
    svg = buf.getvalue().decode("utf-8")
    # Inline in HTML: drop the XML declaration, which only belongs in a file.
    return svg.split("?>", 1)[1].lstrip() if svg.startswith("<?xml") else svg
