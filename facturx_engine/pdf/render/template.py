"""The branding of the rendered invoice: :class:`Template` (logo, colours, header and footer text,
extra mentions, language), read from JSON with :meth:`Template.from_json`, and the logo as it
is drawn (:func:`logo_image`).
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from facturx_engine.errors import InputError
from facturx_engine.i18n import LANGS

__all__ = ["Template", "logo_image"]

_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")


# ---------------------------------------------------------------------------- template


@dataclass(frozen=True, slots=True, kw_only=True)
class Template:
    """Branding of the rendered PDF. Build it directly or with :meth:`from_json`."""

    logo: bytes | None = None                # PNG or JPEG bytes
    logo_position: str = "left"              # "left" | "right"
    logo_width_mm: float = 40
    primary_color: str = "#1F3A5F"           # titles, table headers
    accent_color: str = "#B5472F"            # the amount-due box, rules
    header_text: str | None = None           # printed at the top of every page
    footer_text: str | None = None           # legal mentions (capital, RCS ...); default built from the seller
    mentions: tuple[str, ...] = ()           # custom mentions printed after the notes
    lang: str = "fr"                         # "fr" | "en" | "de"

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise InputError(f"must be one of {', '.join(LANGS)}, got {self.lang!r}", field="lang")
        if self.logo_position not in ("left", "right"):
            raise InputError(f"must be 'left' or 'right', got {self.logo_position!r}", field="logo_position")
        for name in ("primary_color", "accent_color"):
            value = getattr(self, name)
            if not isinstance(value, str) or not _COLOR.fullmatch(value):
                raise InputError(f"must be a colour written #RRGGBB, got {value!r}", field=name)
        width = self.logo_width_mm
        if isinstance(width, bool) or not isinstance(width, (int, float, Decimal)) or not 5 <= width <= 120:
            raise InputError(f"must be a number of millimetres between 5 and 120, got {width!r}",
                             field="logo_width_mm")
        for name in ("header_text", "footer_text"):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), str):
                raise InputError("must be text", field=name)
        if isinstance(self.mentions, str) or not all(isinstance(m, str) for m in self.mentions):
            raise InputError("must be a list of texts", field="mentions")
        object.__setattr__(self, "mentions", tuple(self.mentions))
        if self.logo is not None:
            if not isinstance(self.logo, bytes):
                raise InputError("must be the bytes of a PNG or JPEG image", field="logo")
            _check_image(self.logo)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str | bytes, base_dir: str | os.PathLike[str] | None = None,
                  ) -> Template:
        """Read a template from JSON text or a parsed object.

        ``logo`` is a file path (relative to ``base_dir``, default the current directory), a
        ``data:image/png;base64,...`` URI, or plain base64. Unknown fields are refused.
        """
        if isinstance(data, (str, bytes, bytearray)):
            try:
                data = json.loads(data)
            except (ValueError, UnicodeDecodeError) as exc:
                raise InputError(f"the template is not valid JSON: {exc}") from None
        if not isinstance(data, Mapping):
            raise InputError(f"the template must be a JSON object, got {type(data).__name__}")
        allowed = [n for n in cls.__dataclass_fields__]
        kw: dict[str, Any] = {}
        for key, value in data.items():
            if key.startswith("$"):
                continue
            if key not in allowed:
                raise InputError(f"unknown template field (expected one of: {', '.join(allowed)})", field=key)
            if value is None:
                continue
            if key == "logo":
                value = _read_logo(value, base_dir)
            elif key == "mentions":
                if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
                    raise InputError("must be a list of texts", field="mentions")
                value = tuple(value)
            elif key == "logo_width_mm" and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise InputError(f"must be a number of millimetres, got {value!r}", field=key)
            elif key not in ("logo_width_mm", "mentions") and not isinstance(value, str):
                raise InputError(f"must be text, got {type(value).__name__}", field=key)
            kw[key] = value
        return cls(**kw)


def _read_logo(value: Any, base_dir: str | os.PathLike[str] | None) -> bytes:
    if not isinstance(value, str) or not value.strip():
        raise InputError("must be a file path or base64 image data", field="logo")
    value = value.strip()
    if value.startswith("data:"):
        _, _, payload = value.partition(",")
        try:
            return base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise InputError("the data: URI does not hold valid base64", field="logo") from None
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    path = Path(value) if Path(value).is_absolute() else base / value
    try:
        if len(value) < 4096 and path.is_file():
            return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {value!r}: {exc.strerror}", field="logo") from None
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise InputError(f"{value!r} is neither a file (looked in {base}) nor base64 image data",
                         field="logo") from None


def _check_image(data: bytes) -> None:
    if not data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        raise InputError("must be a PNG or JPEG image", field="logo")
    from PIL import Image as PILImage

    try:
        with PILImage.open(io.BytesIO(data)) as img:
            img.verify()
    except Exception as exc:  # noqa: BLE001 -- Pillow raises many kinds for a damaged file
        raise InputError(f"the image cannot be read: {exc}", field="logo") from None


@lru_cache(maxsize=8)
def logo_image(logo: bytes) -> tuple[bytes, int, int]:
    """The logo as drawn (RGB only: no CMYK or grey JPEG, transparency flattened on white, no soft
    mask) and its size in pixels; prepared once per process for each logo."""
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(logo)) as img:
        img.load()
        if img.mode != "RGB" or logo.startswith(b"\x89PNG"):
            rgba = img.convert("RGBA")
            flat = PILImage.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            buf = io.BytesIO()
            flat.save(buf, format="PNG")
            data = buf.getvalue()
        else:
            data = logo
        w_px, h_px = img.size
    return data, w_px, h_px
