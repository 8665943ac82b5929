"""Photos residents attach: checked, made upright and re-encoded without EXIF.

DESIGN.md (Privacy): photos are re-encoded on upload so that no EXIF (GPS
included) is ever stored, and are served only through a view that checks
scope (``issues.views.resident.attachment``).

``check_photos`` reads only each file's header (count, size, format,
pixels the decoder will work through, for HEIC its coded size rather than
its crop: cheap, so a page with other errors answers at once);
``clean_photos`` decodes and re-encodes every file in memory *before*
anything is written, so a refused photo means nothing at all is stored;
``attach`` writes the already-clean JPEG bytes as Attachments of one event.
Decoding is the costly part (about a second of CPU for 40 megapixels), so a
process decodes one photo at a time (``DECODING``) and JPEGs are decoded
at a reduced scale when they are far larger than the stored copy.
"""

from __future__ import annotations

import io
import logging
import os
import re
import stat
import threading
import warnings

from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .models import Attachment
from .validation import FieldError

try:  # HEIC/HEIF (iPhone photos) when the pillow-heif wheel is installed.
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - depends on the platform's wheels
    HEIF_SUPPORTED = False

# MPO is how Pillow names a JPEG that carries extra frames (many cameras and phones write one):
# its first frame is the photo.
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP"} | ({"HEIF"} if HEIF_SUPPORTED else set())
# What the <input type=file accept=...> offers; the server decides by content, not by name.
ACCEPT_ATTR = "image/jpeg,image/png,image/webp" + (",image/heic,image/heif,.heic,.heif" if HEIF_SUPPORTED else "")
# Longest side of the stored copy: plenty for a leak or a meter, and small on disk.
STORED_MAX_SIDE = 2560
JPEG_QUALITY = 85
# Most scans (SOS segments) the photo in a JPEG may have (_jpeg_scans). A progressive JPEG has about 10
# (18 in CMYK); each scan is decoded over the whole image, so a file of a few hundred kB that repeats
# one scan thousands of times costs minutes of CPU (breaker: 2,000 copies, 11 s at 16 MP).
JPEG_MAX_SCANS = 50
# One photo decodes at a time in a process (memory at the 52-megapixel limit, measured at 8160 × 6120: a JPEG
# peaks near 180 MB, decoded at a reduced scale, a HEIC near 480 MB, a PNG near 650 MB, a WebP near 850 MB while it is
# worked on; CPU: other requests keep their share). The others wait their turn.
DECODING = threading.BoundedSemaphore(1)
_HEIF_BRANDS = (b"ftypheic", b"ftypheix", b"ftyphevc", b"ftypheim", b"ftypheis", b"ftypmif1", b"ftypmsf1")
# What Pillow and its plugins raise for a file that is not an image or is damaged. pillow_heif also raises
# plain RuntimeError (libheif's errors), handled in _damaged_is_refused.
_DAMAGED = (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError)

log = logging.getLogger(__name__)


def max_count() -> int:
    """Most photos per filing (settings.ZY_PHOTO_MAX_COUNT, default 6)."""
    return getattr(settings, "ZY_PHOTO_MAX_COUNT", 6)


def max_bytes() -> int:
    """Largest accepted upload in bytes (settings.ZY_PHOTO_MAX_BYTES, default 10 MB)."""
    return getattr(settings, "ZY_PHOTO_MAX_BYTES", 10 * 1024 * 1024)


def max_pixels() -> int:
    """Largest accepted width × height (settings.ZY_PHOTO_MAX_PIXELS, default 52 megapixels: the 48 and 50 MP modes of phones)."""
    return getattr(settings, "ZY_PHOTO_MAX_PIXELS", 52_000_000)


def _looks_like_heif(head: bytes) -> bool:
    return any(brand in head[:32] for brand in _HEIF_BRANDS)


def _too_large(number: int) -> FieldError:
    return FieldError(_("第 %(n)s 张照片超过 %(mb)s MB，请压缩后再上传") % {"n": number, "mb": max_bytes() // (1024 * 1024)})


def _too_many_pixels(number: int) -> FieldError:
    # With what to do about it (breaker), and the limit as the page's language counts pixels: "4000万" in
    # Chinese ("40 百万" read oddly), "40 million" in English (a translation cannot divide 万 by 100).
    pixels = max_pixels()
    if get_language() == "en":
        limit = f"{pixels / 1_000_000:g} million"
    else:
        limit = f"{pixels // 10_000}万"
    return FieldError(_("第 %(n)s 张照片像素过大（最多 %(limit)s 像素），请换一张照片，或截图后上传截图")
                      % {"n": number, "limit": limit})


@contextmanager
def _damaged_is_refused(number: int):
    # What a decoder raises for a damaged file becomes the resident's message; bugs in our code pass through.
    try:
        yield
    except (*_DAMAGED, RuntimeError) as error:
        # libheif's errors reach Python as a plain RuntimeError (pillow_heif documents it). Its subclasses,
        # NotImplementedError and RecursionError, are bugs rather than damage.
        if isinstance(error, RuntimeError) and type(error) is not RuntimeError:
            raise
        raise FieldError(_not_a_photo(number, damaged=True)) from None


def _not_a_photo(number: int, damaged: bool = False) -> str:
    # "File n is not a photo we take": naming HEIC where it is taken (the page's file picker offers it).
    if HEIF_SUPPORTED:
        text = (_("第 %(n)s 张文件不是 JPG、PNG、WebP 或 HEIC 格式的照片，或文件已损坏") if damaged
                else _("第 %(n)s 张文件不是 JPG、PNG、WebP 或 HEIC 格式的照片"))
    else:
        text = (_("第 %(n)s 张文件不是 JPG、PNG 或 WebP 格式的照片，或文件已损坏") if damaged
                else _("第 %(n)s 张文件不是 JPG、PNG 或 WebP 格式的照片"))
    return text % {"n": number}


def _decoded_pixels(image: Image.Image, data: bytes) -> int:
    # How many pixels decoding will work through. For HEIF this is more than Pillow's size, which is after the
    # clean-aperture crop (clap): libheif decodes the whole coded image (its ispe), and every tile of a grid.
    width, height = image.size
    if image.format != "HEIF":
        return width * height
    heif = pillow_heif.open_heif(io.BytesIO(data))  # reads the boxes again; decodes nothing
    primary = heif[heif.primary_index]
    sizes = [primary.size]
    # ("clap", left, top, right, bottom, width, height): the last two are the size before the crop. pillow_heif
    # offers them only on its C image (its own plugin reads them there); if that goes, this fails loudly.
    sizes += [(t[5], t[6]) for t in primary._c_image.transformations if t[0] == "clap"]
    tiling = primary.info.get("tiling")
    if tiling:
        sizes.append((tiling["image_width"], tiling["image_height"]))
        sizes.append((tiling["num_columns"] * tiling["tile_width"], tiling["num_rows"] * tiling["tile_height"]))
    return max(w * h for w, h in sizes)


# In entropy-coded data an FF is followed by 00 (a stuffed byte) or a restart marker; anything else
# (another FF being a fill byte before it) is the next marker.
_NEXT_MARKER = re.compile(rb"\xff(?![\x00\xd0-\xd7])")


def _jpeg_scans(data: bytes) -> int:
    """The number of scans (SOS segments) of the first image in JPEG ``data``, counted up to its EOI.

    Walks the segments (ITU-T T.81, annex B): a segment's length skips its
    body (so an EXIF thumbnail's scans are not counted), and after a scan
    header the entropy-coded data runs to the next marker. Stops at the
    first image's EOI: what follows (a phone's "motion photo" video, MPO
    frames) is not decoded for the photo. Stops early past JPEG_MAX_SCANS,
    and where a marker should be but is not (the decoder judges that file).
    """
    i, scans, end = 2, 0, len(data)
    while i + 4 <= end and scans <= JPEG_MAX_SCANS:
        if data[i] != 0xFF:
            break
        marker = data[i + 1]
        if marker == 0xFF:  # a fill byte before the marker
            i += 1
            continue
        if marker == 0xD9:  # EOI
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            i += 2
            continue
        i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
        if marker == 0xDA:
            scans += 1
            found = _NEXT_MARKER.search(data, i)
            if found is None:
                break
            i = found.start()
    return scans


def _opened(data: bytes, number: int) -> Image.Image:
    # The image with only its header read; raises FieldError for what the header already shows.
    if len(data) > max_bytes():
        raise _too_large(number)
    if not HEIF_SUPPORTED and _looks_like_heif(data):
        raise FieldError(_("第 %(n)s 张照片是 HEIC 格式，暂不支持。请在相机设置中选择“兼容性最佳”（JPG）后重拍，或截图后上传")
                         % {"n": number})
    try:
        with warnings.catch_warnings(), _damaged_is_refused(number):
            # Pillow warns (not raises) between MAX_IMAGE_PIXELS and twice that; treat it as an error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(number) from None
    if image.format not in ACCEPTED_FORMATS:
        raise FieldError(_not_a_photo(number))
    if image.format in ("JPEG", "MPO") and _jpeg_scans(data) > JPEG_MAX_SCANS:
        raise FieldError(_("第 %(n)s 张照片的编码异常，无法处理。请换一张照片，或截图后上传") % {"n": number})
    with _damaged_is_refused(number):
        pixels = _decoded_pixels(image, data)
    if pixels > max_pixels():
        raise _too_many_pixels(number)
    return image


def clean_photo(data: bytes, number: int) -> bytes:
    """Check one uploaded photo and return it as upright JPEG bytes without any metadata.

    ``data`` is the whole upload, ``number`` its 1-based position (named in
    messages). Raises FieldError with a Chinese message for: a file over
    the size limit, something that is not a JPEG/PNG/WebP (or HEIC when
    supported) image, HEIC without support, more pixels than allowed
    (decompression bombs included: the size is read from the header before
    any pixel is decoded; for HEIC the coded size, not the cropped one), a
    JPEG of more than JPEG_MAX_SCANS scans (each is decoded over the whole
    image), or a damaged image (whatever its decoder raises). Waits for
    ``DECODING``.
    """
    image = _opened(data, number)
    with DECODING:
        with _damaged_is_refused(number):
            if image.format in ("JPEG", "MPO"):
                # Decode at 1/2, 1/4 or 1/8 scale when that still covers the stored size: far less work.
                image.draft(None, (STORED_MAX_SIDE, STORED_MAX_SIDE))
            image.load()
        # A plugin may learn the size only while decoding (pillow_heif does): work on no more than allowed.
        if image.size[0] * image.size[1] > max_pixels():
            raise _too_many_pixels(number)
        with _damaged_is_refused(number):
            image = ImageOps.exif_transpose(image)
        image = _eight_bit(image)
        if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
            rgba = image.convert("RGBA")
            image = Image.new("RGB", rgba.size, (255, 255, 255))
            image.paste(rgba, mask=rgba.getchannel("A"))
        else:
            image = image.convert("RGB")
        image.thumbnail((STORED_MAX_SIDE, STORED_MAX_SIDE))
        # A fresh image carries no .info at all: no EXIF, XMP, ICC or comments
        # can be copied into the output by the encoder.
        bare = Image.frombytes("RGB", image.size, image.tobytes())
        out = io.BytesIO()
        bare.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
        return out.getvalue()


def _eight_bit(image: Image.Image) -> Image.Image:
    # A 16-bit greyscale image (PNG or HEIC: mode I;16, or I) as 8-bit greyscale, each value divided by 256
    # (0-65535 → 0-255, as the file means them): convert("RGB") clips them, and every such photo was stored
    # plain white (breaker). Other modes unchanged.
    if not (image.mode == "I" or image.mode.startswith("I;16")):
        return image
    return image.convert("I").point(lambda v: v * (1 / 256)).convert("L")


def _nonempty(files) -> list:
    # The files chosen (an input left empty sends no name), checked for count, emptiness and size.
    # A chosen file of 0 bytes (a cloud photo not downloaded yet) was dropped without a word (breaker).
    files = [f for f in files if getattr(f, "size", 0) or getattr(f, "name", "")]
    if len(files) > max_count():
        raise FieldError(_("最多上传 %(max)s 张照片（现在 %(now)s 张）") % {"max": max_count(), "now": len(files)})
    for number, upload in enumerate(files, start=1):
        if not upload.size:
            raise FieldError(_("第 %(n)s 张照片是空文件（0 字节），请重新选择") % {"n": number})
        if upload.size > max_bytes():
            raise _too_large(number)
    return files


def _read(upload) -> bytes:
    upload.seek(0)
    return upload.read()


def check_photos(files) -> None:
    """What the uploaded files' headers show, without decoding a pixel: their count, sizes, formats, pixels.

    ``files``: Django UploadedFile objects (an input left empty, sending
    no file name, is ignored; a chosen file of 0 bytes is refused).
    Raises FieldError on the first problem, with the same message
    ``clean_photos`` gives. A photo that passes may still be refused by
    ``clean_photos`` when its pixels are damaged.
    """
    for number, upload in enumerate(_nonempty(files), start=1):
        _opened(_read(upload), number)


def clean_photos(files) -> list[bytes]:
    """Check every uploaded file (Django UploadedFile objects); return clean JPEG bytes.

    Inputs left empty are ignored. Raises FieldError on the first problem,
    or when there are more than ``max_count()`` photos. Nothing is written.
    """
    return [clean_photo(_read(upload), number) for number, upload in enumerate(_nonempty(files), start=1)]


def attach(issue, event, photos: list[bytes]) -> list[Attachment]:
    """Store clean JPEG ``photos`` as Attachments of ``issue`` and ``event``.

    Stored under server-chosen names (``models.attachment_path``). When the
    issue already has photos on that event (a double submit that returned the
    first issue), nothing is added. Returns the new Attachments.
    """
    if not photos:
        return []
    with transaction.atomic():
        type(issue).objects.select_for_update().filter(pk=issue.pk).first()
        if Attachment.objects.filter(issue=issue, event=event).exists():
            return []
        created = []
        for data in photos:
            att = Attachment(issue=issue, event=event, content_type="image/jpeg")
            att.file.save("photo.jpg", ContentFile(data), save=False)
            att.save()
            created.append(att)
    return created


def remove_orphans(now=None, older_than: timedelta = timedelta(hours=1), batch: int = 500) -> int:
    """Delete stored photo files that no Attachment row names; returns how many this call deleted.

    ``attach`` writes each file and then commits its row: a process killed in
    between (a restart, the OOM killer) leaves a file no view serves and no
    clean-up reaches. Only regular files in ``attachments/<issue id>/`` older
    than ``older_than`` (a timedelta; default one hour, so a filing in flight
    is never touched) go, and only when no row names them (whatever its issue);
    rows are never touched. ``now``: an aware datetime (default: the current
    time); ``batch``: issue folders per database query. Anything else there
    (a folder whose name is not an issue id as Django writes it, a symlink, a
    special file, something unreadable) is logged as a warning and left alone;
    symlinks are never followed. A file that vanishes meanwhile (another run
    took it) is skipped, so two runs at once are safe. Run nightly by beat
    (``issues.tasks.remove_orphan_photos``).
    """
    cutoff = (now or timezone.now()) - older_than
    storage = Attachment._meta.get_field("file").storage
    listing = _listing(storage, "attachments")
    if listing is None:
        return 0
    folders, files = listing
    for name in files:
        log.warning("remove_orphans: attachments/%s is not an issue folder; left alone", name)
    ids = []
    for name in folders:
        if _is_issue_id(name):
            ids.append(int(name))
        else:
            log.warning("remove_orphans: attachments/%s is not named by an issue id; left alone", name)
    ids.sort()
    removed = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        known = set(Attachment.objects.filter(issue_id__in=chunk).values_list("file", flat=True))
        old = []
        for issue_id in chunk:
            folder = f"attachments/{issue_id}"
            listing = _listing(storage, folder)
            if listing is None:
                continue
            for name in listing[0]:
                log.warning("remove_orphans: %s/%s is a folder inside an issue folder; left alone", folder, name)
            old += [path for path in (f"{folder}/{name}" for name in listing[1])
                    if path not in known and _modified_before(storage, path, cutoff)]
        for part in range(0, len(old), batch):
            paths = old[part:part + batch]
            # A row may name a file outside its own issue's folder: ask by name before anything goes.
            named = set(Attachment.objects.filter(file__in=paths).values_list("file", flat=True))
            removed += sum(_delete(storage, path) for path in paths if path not in named)
    return removed


def _is_issue_id(name: str) -> bool:
    # Only the name attachment_path writes (str of the id): "0012" or "１２" is not folder 12, and an id the
    # column cannot hold is no issue's.
    if not (name.isascii() and name.isdigit()) or str(int(name)) != name:
        return False
    pk_type = Attachment._meta.get_field("issue").target_field.get_internal_type()
    _low, high = connection.ops.integer_field_range(pk_type)
    return high is None or int(name) <= high


def _listing(storage, folder: str) -> tuple[list[str], list[str]] | None:
    # (plain folders, regular files) in ``folder``, or None when it is missing or not a readable plain folder.
    # On disk nothing is followed: a symlink (to a folder outside media, say) is reported, never entered.
    if not isinstance(storage, FileSystemStorage):
        try:
            return storage.listdir(folder)
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("remove_orphans: cannot list %s (%s); left alone", folder, exc)
            return None
    path = storage.path(folder)
    folders, files = [], []
    try:
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            log.warning("remove_orphans: %s is not a folder (a file or a symlink); left alone", folder)
            return None
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.name)
                elif entry.is_file(follow_symlinks=False):
                    files.append(entry.name)
                else:
                    log.warning("remove_orphans: %s/%s is a symlink or special file; left alone", folder, entry.name)
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("remove_orphans: cannot list %s (%s); left alone", folder, exc)
        return None
    return folders, files


def _modified_before(storage, name: str, cutoff) -> bool:
    # False for a file that is gone (another run took it) or that cannot be read.
    try:
        if isinstance(storage, FileSystemStorage):
            info = os.lstat(storage.path(name))
            return stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff.timestamp()
        return storage.get_modified_time(name) < cutoff
    except FileNotFoundError:
        return False
    except OSError as exc:
        log.warning("remove_orphans: cannot read %s (%s); left alone", name, exc)
        return False


def _delete(storage, name: str) -> bool:
    # Whether this call deleted the file: not when another run got there first.
    try:
        if isinstance(storage, FileSystemStorage):
            os.unlink(storage.path(name))  # unlink never follows a symlink; the listing let none through
        else:
            storage.delete(name)
    except FileNotFoundError:
        return False
    except OSError as exc:
        log.warning("remove_orphans: cannot delete %s (%s); left alone", name, exc)
        return False
    return True
