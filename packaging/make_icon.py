"""Draw ShopDesk's application icon with QPainter and write resources/icons/shopdesk.{png,ico,icns}.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icon.py

The drawing is vector (QPainterPath), rendered once per size, so the small sizes are drawn
rather than scaled down. Outputs:
- shopdesk.png  512x512 (window icon, Linux desktop file);
- shopdesk.ico  16, 24, 32, 48, 64, 128 and 256 px, each entry a PNG encoded by Qt, packed
  into the ICO container here (Qt's own ICO writer stores one size per file);
- shopdesk.icns 32 to 1024 px, PNG entries (ic07-ic14 types) packed the same way (Qt's qicns
  writer stores one size and writes a table of contents its own reader warns about).
No third-party imaging library is needed.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QGuiApplication,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_TYPES = ((b"ic11", 32), (b"ic12", 64), (b"ic07", 128), (b"ic13", 256), (b"ic08", 256),
              (b"ic09", 512), (b"ic14", 512), (b"ic10", 1024))


def render(size: int) -> QImage:
    """The icon on a 100x100 design grid: a teal rounded square, a white shop front with a
    striped awning and a door, and an orange tag."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / 100, size / 100)

    # background tile
    grad = QLinearGradient(QPointF(0, 0), QPointF(0, 100))
    grad.setColorAt(0, QColor("#2A8FA8"))
    grad.setColorAt(1, QColor("#175E75"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(grad))
    p.drawRoundedRect(QRectF(4, 4, 92, 92), 20, 20)

    white = QColor("#FFFFFF")
    pale = QColor("#D7EEF4")
    # shop body
    p.setBrush(white)
    p.drawRoundedRect(QRectF(22, 44, 56, 38), 3, 3)
    # awning: five stripes with scalloped lower edge
    left, top, width, height = 18.0, 22.0, 64.0, 18.0
    stripe = width / 5
    for i in range(5):
        x = left + i * stripe
        path = QPainterPath()
        path.moveTo(x + (2 if i == 0 else 0), top)
        path.lineTo(x + stripe - (2 if i == 4 else 0), top)
        path.lineTo(x + stripe, top + height - stripe / 2)
        path.arcTo(QRectF(x, top + height - stripe, stripe, stripe), 0, -180)
        path.closeSubpath()
        p.setBrush(white if i % 2 == 0 else pale)
        p.drawPath(path)
    # door and window
    p.setBrush(QColor("#175E75"))
    p.drawRoundedRect(QRectF(30, 56, 15, 26), 2, 2)
    p.drawRoundedRect(QRectF(52, 56, 18, 13), 2, 2)
    # price tag
    tag = QPainterPath()
    tag.moveTo(62, 74)
    tag.lineTo(80, 74)
    tag.lineTo(88, 82)
    tag.lineTo(80, 90)
    tag.lineTo(62, 90)
    tag.closeSubpath()
    p.setBrush(QColor("#F29B38"))
    p.setPen(QPen(white, 2))
    p.drawPath(tag)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(white)
    p.drawEllipse(QPointF(80.5, 82), 2.2, 2.2)
    p.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data)


def write_ico(path: Path, sizes: tuple[int, ...] = ICO_SIZES) -> None:
    """ICONDIR + ICONDIRENTRY per size + PNG payloads (PNG entries: Windows Vista and later)."""
    blobs = [png_bytes(render(s)) for s in sizes]
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    entries = b""
    for size, blob in zip(sizes, blobs, strict=True):
        dim = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
    path.write_bytes(header + entries + b"".join(blobs))


def write_icns(path: Path) -> None:
    """'icns' + total length, then (type, length incl. 8-byte header, PNG) per entry."""
    body = b""
    for kind, size in ICNS_TYPES:
        blob = png_bytes(render(size))
        body += kind + struct.pack(">I", len(blob) + 8) + blob
    path.write_bytes(b"icns" + struct.pack(">I", len(body) + 8) + body)


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841
    OUT.mkdir(parents=True, exist_ok=True)
    if not render(512).save(str(OUT / "shopdesk.png"), "PNG"):
        raise SystemExit("could not write shopdesk.png")
    write_ico(OUT / "shopdesk.ico")
    write_icns(OUT / "shopdesk.icns")
    for name in ("shopdesk.png", "shopdesk.ico", "shopdesk.icns"):
        print(OUT / name, (OUT / name).stat().st_size, "bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
