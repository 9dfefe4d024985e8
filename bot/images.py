"""What counts as a photo: a raster image (JPEG, PNG, WebP, GIF) as Pillow reads its content, whatever type
the sender or the platform declared. An SVG, an HTML page or a PDF sent as "the photo" is refused before it
is stored: the dashboard would otherwise serve it back to a coordinator as a page (stored XSS)."""
from __future__ import annotations

import io
import warnings
from pathlib import Path

from flows.problem import N_

RASTER = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}
_FORMATS = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
NOT_A_PHOTO = N_("Maaf, berkas yang Anda kirim bukan foto, jadi tidak disimpan. Mohon kirim foto (JPG atau PNG) "
                 "lewat tombol kamera atau lampiran.")


class NotAnImage(ValueError):
    """The content is not a raster image we keep."""


def sniff(source: bytes | str | Path) -> tuple[str, str]:
    """(content type, file suffix) of a raster image, read from its content (header and structure checked by
    Pillow, pixels not decoded); ``NotAnImage`` for anything else, a decompression bomb included."""
    from PIL import Image, UnidentifiedImageError
    fh = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(fh, formats=["JPEG", "PNG", "WEBP", "GIF"]) as img:
                mime = _FORMATS.get(img.format or "")
                img.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError,
            SyntaxError, ValueError, EOFError) as exc:
        raise NotAnImage(type(exc).__name__) from None
    finally:
        fh.close()
    if mime is None:
        raise NotAnImage("not a raster format we keep")
    return mime, RASTER[mime]
