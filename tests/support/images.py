"""Image files made on the fly for the photo tests (no binary fixtures in the repo)."""

from __future__ import annotations

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def jpeg_with_exif(width: int = 40, height: int = 20, orientation: int = 6) -> bytes:
    """A JPEG ``width``×``height`` carrying EXIF orientation and GPS tags (and XMP)."""
    img = Image.new("RGB", (width, height), (200, 30, 30))
    img.paste((30, 30, 200), (0, 0, width // 2, height))  # left half blue: shows the rotation
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (38.0, 56.0, 0.0), 3: "E", 4: (100.0, 27.0, 0.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes(), xmp=b"<x:xmpmeta>GPSLatitude 38.93</x:xmpmeta>")
    return out.getvalue()


def image_bytes(fmt: str = "PNG", size=(30, 30), mode: str = "RGB") -> bytes:
    """A plain image in ``fmt`` (PNG, WEBP, GIF, JPEG...)."""
    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 10) if mode == "RGB" else (10, 120, 10, 128)).save(out, fmt)
    return out.getvalue()


def heic_bytes(size=(32, 24), tile_size: int = 0) -> bytes:
    """A real HEIC file of ``size`` (needs pillow-heif's encoder).

    With ``tile_size``, a grid of tiles that size, as iPhones write (512 there); the last row and column of
    tiles reach past the image.
    """
    import pillow_heif

    out = io.BytesIO()
    heif = pillow_heif.from_pillow(Image.new("RGB", size, (120, 60, 10)))
    heif.save(out, quality=80, tile_size=tile_size)
    return out.getvalue()


def heic_cropped(size=(1599, 999), crop=(100, 100)) -> bytes:
    """A HEIC coded at ``size`` (rounded up to even) whose clean-aperture box shows only a centred ``crop``.

    Pillow reports ``crop`` as the size; the decoder works through the whole coded image. The encoder
    writes a clap box for an odd ``size`` (it codes one pixel more); this rewrites it.
    """
    data = bytearray(heic_bytes(size))
    at = data.find(b"clap") + 4
    assert at > 4, "no clap box: give an odd size"
    # widthN, widthD, heightN, heightD, horizOffN, horizOffD, vertOffN, vertOffD (offsets from the centre)
    data[at:at + 32] = struct.pack(">IIIIiIiI", crop[0], 1, crop[1], 1, 0, 1, 0, 1)
    return bytes(data)


def heic_claiming(size=(320, 256), claimed=(16, 16)) -> bytes:
    """A HEIC of ``size`` whose image-size box (ispe) says ``claimed``: a damaged header.

    The default claims less than the picture holds; libheif refuses it while decoding (RuntimeError).
    """
    data = bytearray(heic_bytes(size))
    at = data.find(b"ispe") + 8  # after the type and the full box's version and flags
    assert at > 8 and data.count(b"ispe") == 1
    data[at:at + 8] = struct.pack(">II", *claimed)
    return bytes(data)


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width``×``height``: a decompression bomb's calling card."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    """Wrap bytes as a file field value for the Django test client."""
    return SimpleUploadedFile(name, data, content_type=content_type)


def progressive_jpeg(size=(64, 48), extra_scans: int = 0) -> tuple[bytes, int]:
    """A progressive colour JPEG, with its last scan repeated ``extra_scans`` more times; and its scan count.

    Walks the file's segments (JPEG, ITU-T T.81 annex B): after each SOS
    (FF DA) the entropy-coded data runs to the next marker that is neither
    a stuffed FF 00 nor a restart marker FF D0–D7. A repeated refinement
    scan decodes (it refines nothing more) but makes the decoder go over
    the whole image again: the breaker's "scan bomb".
    """
    img = Image.new("RGB", size, (200, 30, 30))
    img.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))
    out = io.BytesIO()
    img.save(out, "JPEG", progressive=True, quality=80)
    data = out.getvalue()
    scans, i = [], 2
    while data[i + 1] != 0xD9:
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if data[i + 1] != 0xDA:
            i += 2 + length
            continue
        j = i + 2 + length
        while not (data[j] == 0xFF and data[j + 1] != 0 and not 0xD0 <= data[j + 1] <= 0xD7):
            j += 1
        scans.append((i, j))
        i = j
    start, end = scans[-1]
    return data[:end] + data[start:end] * extra_scans + data[end:], len(scans) + extra_scans


def motion_photo(size=(4000, 3000), trailer_bytes: int = 4 * 1024 * 1024) -> bytes:
    """A baseline JPEG followed by ``trailer_bytes`` of random data, as a phone's "motion photo" appends its video.

    Random bytes hold about one FF DA per 64 kB: a count over the whole
    file would take the video for scans.
    """
    import random

    out = io.BytesIO()
    Image.new("RGB", size, (90, 140, 200)).save(out, "JPEG", quality=80)
    return out.getvalue() + random.Random(7).randbytes(trailer_bytes)
