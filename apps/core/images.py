"""Uploaded photos, from whichever door (API or pages): checked, then re-encoded, never stored as sent.

A photo is decoded with Pillow and written anew, so nothing of the uploaded file survives but its pixels:
- no metadata: EXIF (a phone's GPS position of a resident's home, the camera's serial number, the time), XMP, IPTC,
  comments and PNG text chunks are all dropped;
- nothing appended or hidden (HTML or a script after the image's end, a polyglot file) reaches the stored file;
- EXIF orientation is applied to the pixels first, so a photo taken with the phone held sideways is stored upright;
- colours: an embedded ICC profile is used to convert the pixels to sRGB and then dropped. Keeping the profile would
  keep colour but pass through an uploaded blob the browsers of every viewer parse; after the conversion an untagged
  image is read as sRGB, which is what it now is;
- JPEG stays JPEG (quality 85), PNG stays PNG; WebP becomes PNG if it has transparency, JPEG if not (every browser
  and office tool opens those); an animated image keeps its first frame;
- at most MAX_SIDE pixels on the longest side (a phone's 12-megapixel photo is 4032 px wide, and nobody views a
  wish's photo larger), at most MAX_PIXELS pixels decoded at all: a small file that unpacks into a huge image (a
  decompression bomb) is refused before it is decoded, with the same error as any other unacceptable file.
"""

from io import BytesIO
from uuid import uuid4

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageOps

from apps.core.errors import Invalid

INVALID_IMAGE = _("Upload a JPEG, PNG or WebP image.")
IMAGE_TOO_LARGE = _("The image is too large (%(max_mb)s MB at most).")

# Pillow's names, judged from the content, never from the file name. MPO is a JPEG with more pictures after the
# first (a depth map, a preview), as many phones write them: Pillow names them apart, they are JPEG photos all the same.
ACCEPTED_FORMATS = ("JPEG", "MPO", "PNG", "WEBP")
MAX_SIDE = 2560
# 50 megapixels: above a phone's largest photo mode (48-50 MP), far below what would exhaust a server's memory. A real
# photo that large is also over UPLOAD_MAX_BYTES (5 MB) as a rule; a file under it with more pixels is a bomb.
MAX_PIXELS = 50_000_000
JPEG_QUALITY = 85
_EXTENSION = {"JPEG": "jpg", "PNG": "png"}
_SRGB = ImageCms.createProfile("sRGB")


def clean_image(upload, *, max_bytes=None):
    """The upload re-encoded as a new file named <random>.jpg or .png (a ContentFile to assign to a FileField), or
    None when there is no upload. Raises Invalid `image_too_large` (over UPLOAD_MAX_BYTES, or `max_bytes`) or
    `invalid_image` (not a JPEG, PNG or WebP image, broken, truncated, or more than MAX_PIXELS pixels)."""
    if not upload:
        return None
    max_bytes = max_bytes if max_bytes is not None else settings.UPLOAD_MAX_BYTES
    if upload.size > max_bytes:
        message = IMAGE_TOO_LARGE % {"max_mb": round(max_bytes / (1024 * 1024), 1)}
        raise Invalid("image_too_large", message, extra={"max_bytes": max_bytes})
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            if image.format not in ACCEPTED_FORMATS:
                raise Invalid("invalid_image", INVALID_IMAGE)
            output_format, data = _reencode(image)
    except Invalid:
        raise
    # Pillow signals a broken or hostile file with many exception types (OSError, SyntaxError, ValueError,
    # DecompressionBombError, struct.error...): all of them mean "not an image we accept".
    except Exception as exc:
        raise Invalid("invalid_image", INVALID_IMAGE) from exc
    return ContentFile(data, name=f"{uuid4().hex}.{_EXTENSION[output_format]}")


def _reencode(image):
    """(format, bytes) of the opened `image` written anew: first frame, upright, sRGB, capped, without metadata."""
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise Invalid("invalid_image", INVALID_IMAGE)
    source_format = "JPEG" if image.format == "MPO" else image.format
    image.seek(0)  # an animated PNG or WebP, a multi-picture JPEG: its first frame
    if source_format == "JPEG":
        # Decode a large JPEG at 1/2, 1/4 or 1/8 scale straight away (never smaller than MAX_SIDE): less memory.
        image.draft("RGB", (MAX_SIDE, MAX_SIDE))
    image.load()
    icc_profile = image.info.get("icc_profile")
    image = ImageOps.exif_transpose(image)
    image = _to_srgb(image, icc_profile)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if source_format == "JPEG" or (source_format == "WEBP" and not has_alpha):
        output_format = "JPEG"
        image = image if image.mode in ("RGB", "L") else image.convert("RGB")
    else:
        output_format = "PNG"
        if image.mode not in ("1", "L", "LA", "RGB", "RGBA"):
            image = _png_mode(image, has_alpha)
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # A new image holding only the pixels: nothing of the file's info (EXIF, XMP, comments, text chunks, ICC) can be
    # carried into the saved file by a Pillow default.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    out = BytesIO()
    if output_format == "JPEG":
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        clean.save(out, format="PNG", optimize=True)
    return output_format, out.getvalue()


def _to_srgb(image, icc_profile):
    """The image's pixels in sRGB when it carries an ICC profile; as they are when it carries none or one that
    cannot be used (its pixels are then taken as sRGB, as a browser would)."""
    if not icc_profile or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(BytesIO(icc_profile))
        output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(image, source, _SRGB, outputMode=output_mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image


def _png_mode(image, has_alpha):
    """A mode PNG writes plainly: 16-bit grey scaled to 8 bits, palettes and others expanded to RGB or RGBA."""
    if image.mode.startswith("I"):
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    return image.convert("RGBA" if has_alpha else "RGB")
