"""Checking a claim's photos before they are kept: an image Pillow reads as JPEG, PNG or WebP, of at most
`ClaimPhoto.MAX_BYTES` and a bounded number of pixels; at most `PHOTOS_MAX` per claim. The stored name is random
(the uploader's name is kept apart, for display only)."""

import uuid
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from .errors import ClaimInvalid
from .models import ClaimPhoto

PHOTOS_MAX = 5
PIXELS_MAX = 50_000_000
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


@dataclass(frozen=True)
class CheckedPhoto:
    upload: UploadedFile
    content_type: str
    stored_name: str
    original_name: str


def photos_check(uploads: list[UploadedFile]) -> list[CheckedPhoto]:
    """The photos as they will be kept; `ClaimInvalid` (field `photos`) naming the first that is not one."""
    if len(uploads) > PHOTOS_MAX:
        raise ClaimInvalid(_("At most %(count)s photos per claim.") % {"count": PHOTOS_MAX}, field="photos")
    checked = []
    for upload in uploads:
        name = (upload.name or "photo")[:200]
        if upload.size is None or upload.size > ClaimPhoto.MAX_BYTES:
            raise ClaimInvalid(
                _("%(name)s is larger than %(size)s MB.") % {"name": name, "size": ClaimPhoto.MAX_BYTES // 2**20},
                field="photos",
            )
        try:
            upload.seek(0)
            with Image.open(upload) as image:
                image_format = image.format or ""
                width, height = image.size
                if width * height > PIXELS_MAX:
                    raise ClaimInvalid(_("%(name)s has too many pixels.") % {"name": name}, field="photos")
                image.verify()
        except ClaimInvalid:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            raise ClaimInvalid(
                _("%(name)s is not a photo: send a JPEG, PNG or WebP image.") % {"name": name}, field="photos"
            ) from None
        if image_format not in FORMATS:
            raise ClaimInvalid(
                _("%(name)s is not a photo: send a JPEG, PNG or WebP image.") % {"name": name}, field="photos"
            )
        content_type, extension = FORMATS[image_format]
        upload.seek(0)
        checked.append(
            CheckedPhoto(
                upload=upload,
                content_type=content_type,
                stored_name=f"{uuid.uuid4().hex}.{extension}",
                original_name=name,
            )
        )
    return checked
