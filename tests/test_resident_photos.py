"""Photos on /report/: upright, no EXIF, limits, HEIC, bombs, and who may see them."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from django.test import Client
from PIL import Image

from issues import photos
from issues.choices import EventKind
from issues.models import Attachment, Issue
from issues.validation import FieldError
from tests.support.images import (heic_bytes, heic_claiming, heic_cropped, image_bytes, jpeg_with_exif, png_header_only,
                                  motion_photo, progressive_jpeg, upload)
from tests.test_resident_report import form_data

# The formats the messages name: HEIC too where pillow-heif is installed (the file picker offers it then).
FORMATS = "JPG、PNG、WebP 或 HEIC" if photos.HEIF_SUPPORTED else "JPG、PNG 或 WebP"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("locmem_cache", "frozen")]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return [p for p in Path(media).rglob("*") if p.is_file()]


def post_with(client, world, *files):
    return client.post("/report/", {**form_data(world), "photos": list(files)})


def test_a_photo_is_stored_upright_without_any_exif(client, world, media):
    r = post_with(client, world, upload(jpeg_with_exif(40, 20, orientation=6)))
    assert r.status_code == 302
    att = Attachment.objects.get()
    issue = Issue.objects.get()
    assert att.issue == issue and att.event.kind == EventKind.SUBMITTED
    assert att.file.name.startswith(f"attachments/{issue.pk}/") and att.file.name.endswith(".jpg")
    assert "photo" not in att.file.name  # a server-chosen name, not the upload's
    with Image.open(att.file.path) as img:
        assert img.format == "JPEG"
        assert img.size == (20, 40)  # orientation 6 = rotate 90°: width and height swap
        assert dict(img.getexif()) == {}
        assert "exif" not in img.info and "xmp" not in img.info
    raw = Path(att.file.path).read_bytes()
    assert b"Exif" not in raw and b"GPSLatitude" not in raw and b"PhoneMaker" not in raw


def test_png_and_webp_are_accepted_and_stored_as_jpeg(client, world):
    r = post_with(client, world, upload(image_bytes("PNG", mode="RGBA"), "a.png", "image/png"),
                  upload(image_bytes("WEBP"), "b.webp", "image/webp"))
    assert r.status_code == 302
    assert Attachment.objects.count() == 2
    for att in Attachment.objects.all():
        with Image.open(att.file.path) as img:
            assert img.format == "JPEG" and img.mode == "RGB"


@pytest.mark.parametrize("value,expected", [(0x00FF, 1), (0x0100, 1), (0x1000, 16), (0x8000, 128), (0xFFFF, 255)])
def test_a_16_bit_greyscale_png_keeps_its_greys(client, world, value, expected):
    # Its values were clipped by convert("RGB"): every such photo was stored plain white (breaker).
    wide = Image.new("I;16", (32, 24))
    wide.putdata([value] * (32 * 24))
    data = io.BytesIO()
    wide.save(data, "PNG")
    assert post_with(client, world, upload(data.getvalue(), "scan.png", "image/png")).status_code == 302
    with Image.open(Attachment.objects.get().file.path) as img:
        r, g, b = img.convert("RGB").getpixel((16, 12))
    assert r == g == b and abs(r - expected) <= 2  # value / 256, give or take JPEG's rounding


def test_heic_is_converted_when_supported(client, world):
    assert photos.HEIF_SUPPORTED  # pillow-heif is pinned in requirements.txt
    r = post_with(client, world, upload(heic_bytes((32, 24)), "IMG_0001.HEIC", "image/heic"))
    assert r.status_code == 302
    with Image.open(Attachment.objects.get().file.path) as img:
        assert img.format == "JPEG" and img.size == (32, 24)


def test_heic_is_refused_with_a_clear_message_without_support(client, world, media, monkeypatch):
    monkeypatch.setattr(photos, "HEIF_SUPPORTED", False)
    monkeypatch.setattr(photos, "ACCEPTED_FORMATS", {"JPEG", "PNG", "WEBP"})
    r = post_with(client, world, upload(heic_bytes(), "IMG_0001.HEIC", "image/heic"))
    assert r.status_code == 400
    assert r.context["errors"]["photos"] == [
        "第 1 张照片是 HEIC 格式，暂不支持。请在相机设置中选择“兼容性最佳”（JPG）后重拍，或截图后上传"
    ]
    assert Issue.objects.count() == 0 and stored_files(media) == []


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: upload(b"hello, not an image", "photo.jpg"), f"第 1 张文件不是 {FORMATS} 格式的照片，或文件已损坏"),
        (lambda: upload(image_bytes("GIF"), "a.gif", "image/gif"),
         f"第 1 张文件不是 {FORMATS} 格式的照片"),
        (lambda: upload(jpeg_with_exif()[:200], "cut.jpg"), f"第 1 张文件不是 {FORMATS} 格式的照片，或文件已损坏"),
        # 10000 × 10000 = 100 megapixels: over our 40 MP limit, read from the header alone.
        (lambda: upload(png_header_only(10_000, 10_000), "big.png", "image/png"), "第 1 张照片像素过大（最多 5200万 像素），请换一张照片，或截图后上传截图"),
        # 30000 × 30000: Pillow itself refuses to open it (a decompression bomb).
        (lambda: upload(png_header_only(30_000, 30_000), "bomb.png", "image/png"), "第 1 张照片像素过大（最多 5200万 像素），请换一张照片，或截图后上传截图"),
        # A chosen file of 0 bytes (a cloud photo not downloaded yet) was dropped without a word (breaker).
        (lambda: upload(b"", "IMG_0002.JPG"), "第 1 张照片是空文件（0 字节），请重新选择"),
    ],
)
def test_bad_photos_are_refused_and_nothing_is_stored(client, world, media, make, message):
    r = post_with(client, world, make())
    assert r.status_code == 400
    assert r.context["errors"]["photos"] == [message]
    assert "照片需要重新选择" in r.content.decode()
    assert Issue.objects.count() == 0 and Attachment.objects.count() == 0 and stored_files(media) == []


def test_the_second_bad_photo_is_named_and_the_first_good_one_is_not_stored(client, world, media):
    r = post_with(client, world, upload(jpeg_with_exif(), "a.jpg"), upload(b"garbage", "b.jpg"))
    assert r.context["errors"]["photos"] == [f"第 2 张文件不是 {FORMATS} 格式的照片，或文件已损坏"]
    assert Issue.objects.count() == 0 and stored_files(media) == []


def test_more_than_six_photos_are_refused(client, world, media):
    r = post_with(client, world, *[upload(image_bytes("PNG"), f"{i}.png", "image/png") for i in range(7)])
    assert r.status_code == 400
    assert r.context["errors"]["photos"] == ["最多上传 6 张照片（现在 7 张）"]
    assert Issue.objects.count() == 0 and stored_files(media) == []


def test_a_photo_over_the_size_limit_is_refused(client, world, media, settings):
    settings.ZY_PHOTO_MAX_BYTES = 1024 * 1024
    big = jpeg_with_exif() + b"\0" * (1024 * 1024)  # trailing bytes: still a JPEG, but 1 MB too big
    r = post_with(client, world, upload(big))
    assert r.context["errors"]["photos"] == ["第 1 张照片超过 1 MB，请压缩后再上传"]
    assert Issue.objects.count() == 0 and stored_files(media) == []


def test_a_double_submit_with_photos_stores_them_once(client, world, media, monkeypatch):
    first = post_with(client, world, upload(jpeg_with_exif()), upload(image_bytes("PNG"), "b.png", "image/png"))
    assert first["Location"] == "/report/done/ZY20261130000001/"
    said = "这份诉求之前已经登记，当时附的照片已保存；这次选的照片没有再添加。"
    assert said not in client.get(first["Location"]).content.decode()
    # The same form again (a double submit, or Back and other photos chosen): its photos are not added, nor
    # decoded (breaker round 2), and the page says so (they were dropped without a word: breaker).
    decoded = []
    monkeypatch.setattr(photos, "clean_photos", lambda uploads: decoded.append(uploads) or [])
    again = post_with(client, world, upload(jpeg_with_exif()), upload(image_bytes("PNG"), "b.png", "image/png"))
    assert decoded == []
    assert again["Location"] == "/report/done/ZY20261130000001/?photos-kept"
    assert f'<p class="notice" role="status" id="photos-kept">{said}</p>' in client.get(again["Location"]).content.decode()
    assert Issue.objects.count() == 1
    assert Attachment.objects.count() == 2 and len(stored_files(media)) == 2


def test_photos_are_served_only_to_those_who_may_see_them(client, world):
    post_with(client, world, upload(jpeg_with_exif()))
    att = Attachment.objects.get()
    url = f"/attachments/{att.pk}/"
    r = client.get(url)  # the reporter's own browser (the session proved it)
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
    assert r["X-Content-Type-Options"] == "nosniff" and "private" in r["Cache-Control"]
    Image.open(io.BytesIO(b"".join(r.streaming_content))).verify()
    assert Client().get(url).status_code == 404  # a stranger
    staff = Client()
    staff.force_login(world.dispatcher)
    assert staff.get(url).status_code == 200
    outsider = Client()
    outsider.force_login(world.linze_staff)  # another district's heat company: outside scope
    assert outsider.get(url).status_code == 404
    assert Client().get("/attachments/999999/").status_code == 404


def test_the_sms_link_shows_its_photos_in_a_browser_that_keeps_no_cookies(client, world):
    # The page answered at the link listed /attachments/<id>/, which is 404 without the proofs cookie (breaker).
    import re

    import time_machine

    from issues.links import tracking_url

    post_with(client, world, upload(jpeg_with_exif()))
    att, issue = Attachment.objects.get(), Issue.objects.get()
    path = "/" + tracking_url(issue, issue.reporter_phone).split("://", 1)[1].split("/", 1)[1]
    html = Client().get(path).content.decode()
    src = re.search(rf'<img src="(/attachments/{att.pk}/\?t=[^"]+)"', html).group(1)
    no_cookies = Client()
    no_cookies.cookies.clear()
    r = no_cookies.get(src)
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
    assert Client().get(src.replace(f"/attachments/{att.pk}/", f"/attachments/{att.pk + 1}/")).status_code == 404
    assert Client().get(src[:-3] + "abc").status_code == 404  # altered
    with time_machine.travel("2026-12-01 09:00:01+08:00", tick=False):  # a day and a second later
        assert Client().get(src).status_code == 404


def test_the_same_filing_sent_again_from_a_fresh_form_gets_the_photos_chosen_this_time(client, world, media):
    # Filed without a photo, then the same content from a fresh form (a new key) with one: the first filing's
    # page came back and the photo was dropped without a word (breaker).
    first = client.post("/report/", form_data(world))
    again = {**form_data(world, idempotency_key="0e0e0e0e-0000-4000-8000-0000000000f1"),
             "photos": [upload(jpeg_with_exif())]}
    r = client.post("/report/", again)
    assert r.status_code == 302 and r["Location"] == first["Location"] and Issue.objects.count() == 1
    att = Attachment.objects.get()
    assert att.issue == Issue.objects.get() and att.event.kind == EventKind.SUBMITTED
    # Sent once more with other photos: the filing has its own now, nothing is added (or decoded), and its page
    # says so (breaker round 2: said nothing).
    again["photos"] = [upload(image_bytes("PNG"), "b.png", "image/png")]
    assert client.post("/report/", again)["Location"] == first["Location"] + "?photos-kept"
    assert Attachment.objects.count() == 1 and len(stored_files(media)) == 1


def test_photos_sent_with_the_same_filing_again_count_against_the_address_and_a_bad_one_says_it_was_filed(
        client, world, media, settings, monkeypatch):
    # Each such try decoded its photos, uncounted: repeated, it kept the workers decoding (breaker round 2).
    # A damaged photo got the form back without a word that the issue was filed already.
    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "file_ip": [(2, 3600)]}
    first = client.post("/report/", form_data(world))  # the first of the two
    data = image_bytes("PNG", size=(300, 300))
    broken = data[:60] + bytes(b ^ 0x55 for b in data[60:-20]) + data[-20:]  # a good header, damaged pixels
    said = "这份诉求已经登记，受理编号 ZY20261130000001。这次选的照片没有添加。"
    for bad in (upload(broken, "a.png", "image/png"), upload(b"not an image", "b.jpg")):  # pixels, then header
        again = {**form_data(world, idempotency_key="0e0e0e0e-0000-4000-8000-0000000000f2"), "photos": [bad]}
        r = client.post("/report/", again)
        assert r.status_code == 400 and r.context["errors"]["photos"] and said in r.content.decode()
    decoded = []
    monkeypatch.setattr(photos, "clean_photos", lambda uploads: decoded.append(uploads) or [])
    again["photos"] = [upload(jpeg_with_exif())]
    r = client.post("/report/", again)  # over the address's two: not decoded, the filing's page all the same
    assert r.status_code == 302 and r["Location"] == first["Location"] + "?photos-not-added" and decoded == []
    assert Issue.objects.count() == 1 and Attachment.objects.count() == 0
    # ... saying the photos were not added (they were dropped without a word: breaker).
    page = client.get(r["Location"]).content.decode()
    assert "这份诉求已经登记，照常办理。这次选的照片没有添加：同一网络近期提交次数过多。" in page
    assert "照片没有添加" not in client.get(first["Location"]).content.decode()


def test_a_repeat_over_the_ip_limit_says_its_photos_were_not_added(client, world, media, settings):
    # Filed without a photo, then the same form (its key) again with one, now over the limit: the filing's
    # page, and a word that the photo was not added. With photos of its own by then, no such word.
    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "file_ip": [(1, 3600)]}
    first = client.post("/report/", form_data(world))
    r = post_with(client, world, upload(jpeg_with_exif()))
    assert r.status_code == 302 and r["Location"] == "/report/done/ZY20261130000001/?photos-not-added"
    assert Attachment.objects.count() == 0
    said = "这次选的照片没有添加：同一网络近期提交次数过多。"
    assert said in client.get(r["Location"]).content.decode()
    # Without photos sent again, nothing to say.
    again = client.post("/report/", form_data(world))
    assert again["Location"] == first["Location"] == "/report/done/ZY20261130000001/"
    assert said not in client.get(again["Location"]).content.decode()
    # The address copied later, once the issue has photos of its own: no word either.
    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "file_ip": [(100, 3600)]}
    again = client.post("/report/", {**form_data(world, idempotency_key="0e0e0e0e-0000-4000-8000-0000000000f3"),
                                     "photos": [upload(jpeg_with_exif())]})
    assert Attachment.objects.count() == 1
    assert said not in client.get(r["Location"]).content.decode()


def test_a_follower_does_not_see_the_reporters_photos(client, world):
    post_with(client, world, upload(jpeg_with_exif()))
    att = Attachment.objects.get()
    issue = Issue.objects.get()
    from issues.workflow import issue_follow

    issue_follow(issue=issue, phone="13900000000")
    follower = Client()
    r = follower.post("/track/", {"code": issue.tracking_code, "phone": "13900000000"})
    assert r.status_code == 302
    assert f"/attachments/{att.pk}/" not in follower.get(r["Location"]).content.decode()
    assert follower.get(f"/attachments/{att.pk}/").status_code == 404


def test_a_jpeg_with_extra_frames_is_accepted_as_the_photo_it_is(client, world):
    # Many cameras and phones write a Multi-Picture JPEG; Pillow opens it as "MPO". Its first frame is the photo.
    first, second = Image.new("RGB", (60, 40), (200, 30, 30)), Image.new("RGB", (60, 40), (30, 30, 200))
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    r = post_with(client, world, upload(out.getvalue(), "camera.jpg"))
    assert r.status_code == 302
    with Image.open(Attachment.objects.get().file.path) as img:
        assert img.format == "JPEG" and img.size == (60, 40)
        red, green, blue = img.getpixel((30, 20))
        assert red > 150 and blue < 80  # the first frame


def test_a_progressive_jpeg_is_accepted(client, world):
    data, scans = progressive_jpeg()
    assert scans == 10  # libjpeg's progressive script for colour: the usual count
    assert post_with(client, world, upload(data)).status_code == 302
    with Image.open(Attachment.objects.get().file.path) as img:
        assert img.size == (64, 48) and img.getpixel((50, 24))[0] > 150


def test_a_jpeg_of_50_scans_is_accepted_and_of_51_refused_before_decoding(client, world, media, monkeypatch):
    # A scan repeated thousands of times costs minutes of CPU to decode (breaker): the header pass counts them.
    decoded = []
    real = photos.clean_photo
    monkeypatch.setattr(photos, "clean_photo", lambda data, n: decoded.append(n) or real(data, n))
    bomb, scans = progressive_jpeg(extra_scans=41)
    assert scans == 51
    r = client.post("/report/", {**form_data(world, reporter_phone="12345"), "photos": [upload(bomb)]})
    assert r.status_code == 400 and r.context["errors"] == {
        "reporter_phone": ["请填写有效的中国大陆手机或固定电话号码"],
        "photos": ["第 1 张照片的编码异常，无法处理。请换一张照片，或截图后上传"]}
    r = post_with(client, world, upload(bomb))
    assert r.status_code == 400 and r.context["errors"] == {
        "photos": ["第 1 张照片的编码异常，无法处理。请换一张照片，或截图后上传"]}
    assert decoded == [] and Issue.objects.count() == 0 and stored_files(media) == []
    fifty, scans = progressive_jpeg(extra_scans=40)
    assert scans == 50 and post_with(client, world, upload(fifty)).status_code == 302
    assert decoded == [1] and Attachment.objects.count() == 1


def test_a_motion_photo_is_accepted(client, world):
    # Pixel, Samsung and Xiaomi append a video after the photo's EOI (breaker round 2): not scans.
    data = motion_photo()
    assert data.count(b"\xff\xda") > 51
    assert post_with(client, world, upload(data)).status_code == 302
    with Image.open(Attachment.objects.get().file.path) as img:
        assert img.size == (2560, 1920)


def test_scans_are_counted_for_the_photo_only():
    from issues.photos import _jpeg_scans

    assert _jpeg_scans(progressive_jpeg()[0]) == 10
    assert _jpeg_scans(image_bytes("JPEG")) == 1
    assert _jpeg_scans(jpeg_with_exif()) == 1
    assert _jpeg_scans(motion_photo(size=(64, 48))) == 1
    bomb, _ = progressive_jpeg(extra_scans=2000)
    assert _jpeg_scans(bomb) == 51  # stops once past the limit


def test_a_large_jpeg_is_stored_upright_at_the_stored_size(client, world):
    # 7680 × 5120 (39 MP) is decoded at half scale, 3840 × 2560, then fitted to 2560 on the long side:
    # 2560 × 1707, and orientation 6 turns it to 1707 × 2560.
    r = post_with(client, world, upload(jpeg_with_exif(7680, 5120, orientation=6)))
    assert r.status_code == 302
    with Image.open(Attachment.objects.get().file.path) as img:
        assert img.size == (1707, 2560)
        assert img.getpixel((850, 100))[2] > 150 and img.getpixel((850, 2460))[0] > 150  # blue on top: turned


def test_photos_are_not_decoded_while_the_page_has_other_errors(client, world, media, monkeypatch):
    decoded = []
    real = photos.clean_photo
    monkeypatch.setattr(photos, "clean_photo", lambda data, n: decoded.append(n) or real(data, n))
    r = client.post("/report/", {**form_data(world, privacy=None), "photos": [upload(jpeg_with_exif())]})
    assert r.status_code == 400 and list(r.context["errors"]) == ["privacy"]
    # A photo the header already refuses is named beside the other errors.
    r = client.post("/report/", {**form_data(world, privacy=None),
                                 "photos": [upload(image_bytes("GIF"), "a.gif", "image/gif")]})
    assert r.context["errors"] == {"privacy": ["请阅读并同意个人信息收集和使用说明"],
                                   "photos": [f"第 1 张文件不是 {FORMATS} 格式的照片"]}
    # Nor while the filing itself would be refused (a bad phone, no description, no category).
    for overrides, field in (({"reporter_phone": "12345"}, "reporter_phone"), ({"description": "\u3000"}, "description"),
                             ({"category": ""}, "category")):
        r = client.post("/report/", {**form_data(world, **overrides), "photos": [upload(jpeg_with_exif())]})
        assert r.status_code == 400 and list(r.context["errors"]) == [field]
    assert decoded == []
    assert post_with(client, world, upload(jpeg_with_exif())).status_code == 302
    assert decoded == [1]


def test_photos_are_not_decoded_over_the_ip_limit(client, world, media, settings, monkeypatch):
    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "file_ip": [(1, 3600)]}
    decoded = []
    real = photos.clean_photo
    monkeypatch.setattr(photos, "clean_photo", lambda data, n: decoded.append(n) or real(data, n))
    assert post_with(client, world, upload(jpeg_with_exif())).status_code == 302
    r = client.post("/report/", {**form_data(world, idempotency_key="5b1e0c1e-8d0c-4a47-9d0c-1e2f3a4b5c6d",
                                             reporter_phone="13900000000"), "photos": [upload(jpeg_with_exif())]})
    assert r.status_code == 429
    assert decoded == [1] and Issue.objects.count() == 1 and Attachment.objects.count() == 1


def test_a_repeat_over_the_ip_limit_gets_its_page_without_decoding_its_photos(client, world, media, settings,
                                                                             monkeypatch):
    # Repeats over the limit are answered with their filing (breaker), but must not cost a decode each.
    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "file_ip": [(1, 3600)]}
    decoded = []
    real = photos.clean_photo
    monkeypatch.setattr(photos, "clean_photo", lambda data, n: decoded.append(n) or real(data, n))
    first = post_with(client, world, upload(jpeg_with_exif()))
    for _ in range(3):
        again = post_with(client, world, upload(jpeg_with_exif()))
        assert again.status_code == 302 and again["Location"] == first["Location"]
    assert decoded == [1] and Attachment.objects.count() == 1


def test_damaged_pixels_behind_a_good_header_give_the_filing_back(client, world, media, settings):
    # The header passes, the pixels do not: 400 with the photo's message, nothing stored, the phone's count back.
    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "file_phone": [(1, 3600)]}
    data = image_bytes("PNG", size=(300, 300))
    broken = data[:60] + bytes(b ^ 0x55 for b in data[60:-20]) + data[-20:]
    r = post_with(client, world, upload(broken, "a.png", "image/png"))
    assert r.status_code == 400
    assert r.context["errors"]["photos"] == [f"第 1 张文件不是 {FORMATS} 格式的照片，或文件已损坏"]
    assert r.context["value"]["description"] == "暖气片冰凉，室内只有12度"
    assert Issue.objects.count() == 0 and stored_files(media) == []
    assert post_with(client, world).status_code == 302  # the one filing the phone may make this hour


def test_photo_files_without_their_row_are_removed_and_nothing_else(client, world, media):
    # A process killed between writing a photo and committing its row leaves the file behind.
    import os
    import time

    post_with(client, world, upload(jpeg_with_exif()))
    kept = Path(Attachment.objects.get().file.path)
    old_orphan, young_orphan = kept.parent / "0123abcd.jpg", kept.parent / "4567cdef.jpg"
    (Path(media) / "attachments" / "999999").mkdir()
    lost = Path(media) / "attachments" / "999999" / "89ab.jpg"
    for path in (old_orphan, young_orphan, lost):
        path.write_bytes(b"\xff\xd8 half a photo")
    two_hours_ago = time.time() - 7200
    for path in (old_orphan, lost, kept):
        os.utime(path, (two_hours_ago, two_hours_ago))
    os.utime(young_orphan, (time.time() - 600, time.time() - 600))  # ten minutes: maybe a filing in flight
    assert photos.remove_orphans() == 2
    assert sorted(stored_files(media)) == sorted([kept, young_orphan])
    assert Attachment.objects.count() == 1
    assert photos.remove_orphans() == 0


def test_removing_orphans_with_no_photos_stored_yet(media):
    assert photos.remove_orphans() == 0


def test_a_heic_is_measured_by_its_coded_size_not_its_crop(client, world, media, settings):
    # The clean-aperture box crops 1600 × 1000 coded pixels to 100 × 100: Pillow reports the crop, but libheif
    # decodes all 1.6 megapixels first. The header check must count those.
    settings.ZY_PHOTO_MAX_PIXELS = 1_000_000
    data = heic_cropped((1599, 999), (100, 100))
    assert Image.open(io.BytesIO(data)).size == (100, 100)
    with pytest.raises(FieldError, match="^第 1 张照片像素过大（最多 100万 像素），请换一张照片，或截图后上传截图$"):
        photos.check_photos([upload(data, "IMG_0001.HEIC", "image/heic")])  # the header alone: nothing decoded
    r = post_with(client, world, upload(data, "IMG_0001.HEIC", "image/heic"))
    assert r.status_code == 400
    assert r.context["errors"]["photos"] == ["第 1 张照片像素过大（最多 100万 像素），请换一张照片，或截图后上传截图"]
    assert Issue.objects.count() == 0 and stored_files(media) == []


def test_a_heic_grid_is_measured_by_its_tiles(client, world, media, settings):
    # 1500 × 1300 (1.95 MP) in 1024-pixel tiles: 2 × 2 tiles, 4.19 MP decoded.
    settings.ZY_PHOTO_MAX_PIXELS = 2_000_000
    r = post_with(client, world, upload(heic_bytes((1500, 1300), tile_size=1024), "IMG_0001.HEIC", "image/heic"))
    assert r.status_code == 400
    assert r.context["errors"]["photos"] == ["第 1 张照片像素过大（最多 200万 像素），请换一张照片，或截图后上传截图"]
    assert Issue.objects.count() == 0 and stored_files(media) == []
    # 1000 × 1000 in 512-pixel tiles, as iPhones write them: 2 × 2 tiles, 1.05 MP decoded.
    r = post_with(client, world, upload(heic_bytes((1000, 1000), tile_size=512), "IMG_0001.HEIC", "image/heic"))
    assert r.status_code == 302
    with Image.open(Attachment.objects.get().file.path) as img:
        assert img.size == (1000, 1000)


def test_a_heic_claiming_a_huge_size_is_refused_by_its_header(client, world, media):
    # Cropped to 63 × 47, but its image-size box claims 64 × 486539328: libheif would refuse only when decoding.
    data = heic_claiming((63, 47), (64, 486_539_328))
    assert Image.open(io.BytesIO(data)).size == (63, 47)
    r = post_with(client, world, upload(data, "IMG_0001.HEIC", "image/heic"))
    assert r.status_code == 400
    assert r.context["errors"]["photos"] == ["第 1 张照片像素过大（最多 5200万 像素），请换一张照片，或截图后上传截图"]
    assert r.context["value"]["description"] == "暖气片冰凉，室内只有12度"
    assert Issue.objects.count() == 0 and stored_files(media) == []


def test_a_heic_the_decoder_refuses_is_a_damaged_photo(client, world, media):
    # The header says 16 × 16, the picture is 320 × 256: pillow_heif raises RuntimeError while decoding.
    r = post_with(client, world, upload(heic_claiming((320, 256), (16, 16)), "IMG_0001.HEIC", "image/heic"))
    assert r.status_code == 400
    assert r.context["errors"]["photos"] == [f"第 1 张文件不是 {FORMATS} 格式的照片，或文件已损坏"]
    assert r.context["value"]["description"] == "暖气片冰凉，室内只有12度"
    assert "照片需要重新选择" in r.content.decode()
    assert Issue.objects.count() == 0 and Attachment.objects.count() == 0 and stored_files(media) == []


def test_the_decoded_size_is_checked_again_before_any_further_work(settings, monkeypatch):
    # Should a header ever understate the pixels, the decoded image is measured before it is converted.
    settings.ZY_PHOTO_MAX_PIXELS = 1_000_000
    monkeypatch.setattr(photos, "_decoded_pixels", lambda image, data: 1)
    with pytest.raises(FieldError, match="^第 2 张照片像素过大（最多 100万 像素），请换一张照片，或截图后上传截图$"):
        photos.clean_photo(image_bytes("PNG", size=(1200, 1000)), 2)


def _age(*paths: Path, seconds: int = 7200) -> None:
    then = time.time() - seconds
    for path in paths:
        os.utime(path, (then, then), follow_symlinks=False)


def _warnings(caplog) -> list[str]:
    return sorted(r.getMessage() for r in caplog.records if r.name == "issues.photos" and r.levelname == "WARNING")


def _issue_folder(client, world, media) -> Path:
    post_with(client, world, upload(jpeg_with_exif()))
    kept = Path(Attachment.objects.get().file.path)
    _age(kept)
    return kept.parent


def test_orphan_clean_up_leaves_folders_not_named_as_issue_ids(client, world, media, caplog):
    folder = _issue_folder(client, world, media)
    root = Path(media) / "attachments"
    odd = [root / "000999", root / f"0{folder.name}", root / "1234567890123456789012345"]
    for path in odd:
        path.mkdir()
        (path / "x.jpg").write_bytes(b"\xff\xd8 half a photo")
        _age(path / "x.jpg", path)
    (folder / "orphan.jpg").write_bytes(b"\xff\xd8 half a photo")
    _age(folder / "orphan.jpg")
    assert photos.remove_orphans() == 1
    assert not (folder / "orphan.jpg").exists() and all((path / "x.jpg").exists() for path in odd)
    assert _warnings(caplog) == sorted([
        "remove_orphans: attachments/000999 is not named by an issue id; left alone",
        f"remove_orphans: attachments/0{folder.name} is not named by an issue id; left alone",
        "remove_orphans: attachments/1234567890123456789012345 is not named by an issue id; left alone",
    ])
    assert Attachment.objects.count() == 1


def test_orphan_clean_up_leaves_symlinks_in_an_issue_folder(client, world, media, tmp_path, caplog):
    folder = _issue_folder(client, world, media)
    precious = tmp_path / "precious.jpg"
    precious.write_bytes(b"\xff\xd8 someone else's photo")
    (folder / "dangling.jpg").symlink_to(tmp_path / "nowhere.jpg")
    (folder / "link.jpg").symlink_to(precious)
    _age(precious, folder / "dangling.jpg", folder / "link.jpg")
    assert photos.remove_orphans() == 0
    assert (folder / "dangling.jpg").is_symlink() and (folder / "link.jpg").is_symlink() and precious.exists()
    assert _warnings(caplog) == [
        f"remove_orphans: attachments/{folder.name}/dangling.jpg is a symlink or special file; left alone",
        f"remove_orphans: attachments/{folder.name}/link.jpg is a symlink or special file; left alone",
    ]


@pytest.mark.parametrize("link, warning", [
    ("attachments/777777", "remove_orphans: attachments/777777 is a symlink or special file; left alone"),
    ("attachments", "remove_orphans: attachments is not a folder (a file or a symlink); left alone"),
])
def test_orphan_clean_up_never_enters_a_symlinked_folder(media, tmp_path, caplog, link, warning):
    outside = tmp_path / "outside"
    (outside / "777777").mkdir(parents=True)
    for path in (outside / "precious.jpg", outside / "777777" / "precious.jpg"):
        path.write_bytes(b"\xff\xd8 someone else's photo")
        _age(path)
    (Path(media) / link).parent.mkdir(parents=True)
    (Path(media) / link).symlink_to(outside)
    assert photos.remove_orphans() == 0
    assert (outside / "precious.jpg").exists() and (outside / "777777" / "precious.jpg").exists()
    assert _warnings(caplog) == [warning]


def test_orphan_clean_up_when_attachments_is_a_file(media, caplog):
    Path(media).mkdir(parents=True)
    (Path(media) / "attachments").write_bytes(b"not a folder")
    assert photos.remove_orphans() == 0
    assert _warnings(caplog) == ["remove_orphans: attachments is not a folder (a file or a symlink); left alone"]


def test_orphan_clean_up_skips_files_another_run_removed_first(client, world, media, monkeypatch):
    # Two runs at once (a manual run while beat's runs): the other one deletes what this one has just listed.
    folder = _issue_folder(client, world, media)
    orphans = [folder / f"o{i}.jpg" for i in range(4)]
    for path in orphans:
        path.write_bytes(b"\xff\xd8 half a photo")
    _age(*orphans)
    real_scandir = os.scandir

    class Listed(list):
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def scandir_then_the_other_run(path):
        with real_scandir(path) as entries:
            listed = Listed(entries)
        if Path(path) == folder and orphans[0].exists():
            orphans[0].unlink()  # before this run looks at their age
            orphans[1].unlink()
        return listed

    monkeypatch.setattr(os, "scandir", scandir_then_the_other_run)
    assert photos.remove_orphans() == 2
    assert stored_files(media) == [Path(Attachment.objects.get().file.path)]


def test_orphan_clean_up_keeps_a_file_whose_row_belongs_to_another_issue(client, world, media):
    folder = _issue_folder(client, world, media)
    att = Attachment.objects.get()
    moved = Attachment.objects.create(issue=att.issue, file=f"attachments/999999/{folder.name}.jpg")
    (Path(media) / "attachments" / "999999").mkdir()
    Path(moved.file.path).write_bytes(b"\xff\xd8 a photo")
    _age(Path(moved.file.path))
    assert photos.remove_orphans(batch=1) == 0  # folders 1 and 999999 looked up apart
    assert Path(moved.file.path).exists()


def test_the_pixel_limit_is_counted_as_each_language_counts_pixels(settings):
    # "最多 40 百万像素" read oddly: Chinese counts pixels in 万, English in millions.
    from django.utils import translation

    with pytest.raises(FieldError, match="^第 2 张照片像素过大（最多 5200万 像素），请换一张照片，或截图后上传截图$"):
        photos.check_photos([upload(image_bytes("PNG")), upload(png_header_only(10_000, 10_000), "b.png", "image/png")])
    settings.ZY_PHOTO_MAX_PIXELS = 12_500_000
    with translation.override("en"), pytest.raises(FieldError) as exc:
        photos.check_photos([upload(png_header_only(4000, 4000), "b.png", "image/png")])
    assert str(exc.value) == ("Photo 1 has too many pixels (at most 12.5 million): choose another photo, "
                              "or upload a screenshot of it")


@pytest.mark.parametrize("size", [(8000, 6000), (8160, 6120), (6120, 8160)])
def test_a_48_or_50_megapixel_phone_photo_passes_the_pixel_limit(size):
    # Refused at 40 MP, though phones sold in China take such photos in their high-resolution modes (breaker).
    photos.check_photos([upload(png_header_only(*size), "IMG_0001.png", "image/png")])  # raises nothing
