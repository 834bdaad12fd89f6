"""Uploaded photos are re-encoded (apps/core/images.py): only pixels survive, upright, capped, as JPEG or PNG."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms, PngImagePlugin

from apps.core import images
from apps.core.errors import Invalid

RED, BLUE = (220, 20, 20), (20, 20, 220)
GPS_IFD = 0x8825
ORIENTATION = 0x0112
HTML = b"<html><script>alert(document.cookie)</script></html>"


def encode(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def upload(data, name="photo.jpg"):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def cleaned(data, **kwargs):
    """(file name, bytes, opened image) of `data` after clean_image."""
    result = images.clean_image(upload(data), **kwargs)
    stored = result.read()
    return result.name, stored, Image.open(io.BytesIO(stored))


def gps_exif():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (31.0, 13.0, 45.5), 3: "E", 4: (121.0, 28.0, 12.25)})
    return exif


def two_colour(size=(40, 20)):
    """Left half red, right half blue."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    return image


def close_to(pixel, colour, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def test_a_jpeg_with_gps_is_stored_without_any_exif():
    original = encode(two_colour(), "JPEG", exif=gps_exif())
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the upload really carries a position
    name, stored, image = cleaned(original)
    assert name.endswith(".jpg") and image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info
    assert b"Exif" not in stored and b"PhoneMaker" not in stored
    assert image.size == (40, 20) and close_to(image.getpixel((2, 2)), RED)


def test_xmp_and_comments_are_dropped():
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>home address</rdf:RDF></x:xmpmeta>'
    original = encode(two_colour(), "JPEG", xmp=xmp, comment=HTML)
    assert xmp in original and HTML in original
    _, stored, image = cleaned(original)
    assert b"xmpmeta" not in stored and b"home address" not in stored
    assert b"<script" not in stored
    assert "comment" not in image.info and "xmp" not in image.info


def test_html_appended_to_a_jpeg_is_not_stored():
    original = encode(two_colour(), "JPEG") + HTML
    Image.open(io.BytesIO(original)).load()  # Pillow accepts it: the trailing bytes ride along unless re-encoded
    _, stored, image = cleaned(original)
    assert b"<html" not in stored and b"script" not in stored
    assert stored.endswith(b"\xff\xd9")  # the stored file ends where its JPEG ends
    assert image.size == (40, 20)


def test_html_in_a_png_text_chunk_or_after_it_is_not_stored():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", HTML.decode())
    original = encode(two_colour(), "PNG", pnginfo=info) + HTML
    _, stored, image = cleaned(original)
    assert b"<html" not in stored and b"tEXt" not in stored
    assert image.format == "PNG" and image.convert("RGB").getpixel((2, 2)) == RED


@pytest.mark.parametrize(
    ("orientation", "size", "top_left", "bottom_right"),
    [
        (1, (40, 20), RED, BLUE),  # as stored
        (3, (40, 20), BLUE, RED),  # upside down
        (6, (20, 40), RED, BLUE),  # phone held upright, sensor sideways: turn 90° clockwise
        (8, (20, 40), BLUE, RED),  # turn 90° anticlockwise
    ],
)
def test_exif_orientation_is_applied_to_the_pixels(orientation, size, top_left, bottom_right):
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    _, _, image = cleaned(encode(two_colour(), "JPEG", exif=exif))
    assert image.size == size
    assert ORIENTATION not in image.getexif()  # upright pixels, no tag left to turn them again
    assert close_to(image.getpixel((1, 1)), top_left)
    assert close_to(image.getpixel((size[0] - 2, size[1] - 2)), bottom_right)


def test_a_huge_photo_is_scaled_down_to_the_longest_side():
    _, _, image = cleaned(encode(Image.new("RGB", (6000, 3000), RED), "JPEG"), max_bytes=50 * 1024 * 1024)
    assert image.size == (images.MAX_SIDE, images.MAX_SIDE // 2)
    assert close_to(image.getpixel((100, 100)), RED)


def test_a_small_photo_keeps_its_size():
    assert cleaned(encode(Image.new("RGB", (800, 600), RED), "PNG"))[2].size == (800, 600)


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    bomb = encode(Image.new("L", (8000, 8000)), "PNG")  # 64 megapixels of nothing: a few kilobytes
    assert len(bomb) < 100_000
    with pytest.raises(Invalid) as exc:
        images.clean_image(upload(bomb))
    assert exc.value.code == "invalid_image"


def test_a_file_past_pillows_own_bomb_limit_is_refused_with_the_same_code():
    bomb = encode(Image.new("1", (20000, 10000)), "PNG")  # 200 megapixels: Pillow refuses to open it
    with pytest.raises(Invalid) as exc:
        images.clean_image(upload(bomb))
    assert exc.value.code == "invalid_image"


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"<?php echo 1; ?>", "photo.jpg"),
        (HTML, "photo.png"),
        (b"%PDF-1.4\n1 0 obj<<>>endobj", "photo.jpg"),
        (encode(Image.new("RGB", (8, 8)), "GIF"), "photo.jpg"),
        (encode(Image.new("RGB", (8, 8)), "BMP"), "photo.png"),
        (encode(Image.new("RGB", (64, 64)), "JPEG")[:200], "photo.jpg"),  # truncated
    ],
)
def test_what_is_not_a_whole_jpeg_png_or_webp_is_refused(content, name):
    with pytest.raises(Invalid) as exc:
        images.clean_image(SimpleUploadedFile(name, content, content_type="image/jpeg"))
    assert exc.value.code == "invalid_image"
    assert exc.value.status_code == 422


def test_too_many_bytes_is_refused_before_reading(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    with pytest.raises(Invalid) as exc:
        images.clean_image(upload(encode(Image.effect_noise((200, 200), 50), "PNG")))
    assert exc.value.code == "image_too_large" and exc.value.extra == {"max_bytes": 1000}


def test_no_upload_is_none():
    assert images.clean_image(None) is None


@pytest.mark.parametrize(
    ("mode", "fmt", "stored_as", "stored_mode"),
    [
        ("RGB", "JPEG", "JPEG", "RGB"),
        ("L", "JPEG", "JPEG", "L"),
        ("CMYK", "JPEG", "JPEG", "RGB"),
        ("RGB", "PNG", "PNG", "RGB"),
        ("RGBA", "PNG", "PNG", "RGBA"),
        ("P", "PNG", "PNG", "RGB"),
        ("RGB", "WEBP", "JPEG", "RGB"),
        ("RGBA", "WEBP", "PNG", "RGBA"),
    ],
)
def test_jpeg_stays_jpeg_png_stays_png_webp_becomes_one_of_them(mode, fmt, stored_as, stored_mode):
    name, _, image = cleaned(encode(Image.new(mode, (30, 20)), fmt))
    assert image.format == stored_as and name.endswith({"JPEG": ".jpg", "PNG": ".png"}[stored_as])
    assert image.mode == stored_mode


def test_an_animated_image_keeps_its_first_frame():
    frames = [Image.new("RGB", (30, 30), colour) for colour in (RED, BLUE)]
    animated = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    assert Image.open(io.BytesIO(animated)).n_frames == 2
    _, _, image = cleaned(animated)
    assert getattr(image, "n_frames", 1) == 1 and close_to(image.getpixel((5, 5)), RED, tolerance=10)


def test_a_multi_picture_jpeg_from_a_phone_is_accepted_as_its_first_picture():
    pictures = [two_colour(), Image.new("RGB", (40, 20), BLUE)]
    mpo = encode(pictures[0], "MPO", save_all=True, append_images=pictures[1:], exif=gps_exif())
    assert Image.open(io.BytesIO(mpo)).format == "MPO"
    name, stored, image = cleaned(mpo)
    assert name.endswith(".jpg") and image.format == "JPEG" and getattr(image, "n_frames", 1) == 1
    assert close_to(image.getpixel((2, 2)), RED) and b"Exif" not in stored


def test_a_large_jpeg_is_decoded_at_a_reduced_scale_and_still_capped():
    _, _, image = cleaned(encode(Image.new("RGB", (8000, 6000), BLUE), "JPEG"), max_bytes=50 * 1024 * 1024)
    assert image.size == (images.MAX_SIDE, images.MAX_SIDE * 3 // 4)


def test_the_icc_profile_is_applied_then_dropped():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = encode(two_colour(), "JPEG", icc_profile=profile)
    assert Image.open(io.BytesIO(original)).info.get("icc_profile")
    _, _, image = cleaned(original)
    assert "icc_profile" not in image.info
    assert close_to(image.getpixel((2, 2)), RED)


def test_a_broken_icc_profile_does_not_refuse_the_photo():
    _, _, image = cleaned(encode(two_colour(), "PNG", icc_profile=b"not a profile at all"))
    assert "icc_profile" not in image.info and image.convert("RGB").getpixel((2, 2)) == RED


def test_the_stored_name_is_random_whatever_the_upload_was_called():
    first = images.clean_image(upload(encode(two_colour(), "PNG"), name="../../home.html"))
    second = images.clean_image(upload(encode(two_colour(), "PNG"), name="../../home.html"))
    assert first.name != second.name
    assert "home" not in first.name and first.name.endswith(".png") and "/" not in first.name
