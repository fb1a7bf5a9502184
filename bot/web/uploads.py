"""Files the SENDCO uploads: which field holds one, and its bytes within the size limit."""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import FormData, UploadFile

from bot.services.errors import UserError

# Says a file is refused for its size: (its size, what it is, the limit), in bytes.
TooLarge = Callable[[int, str, int], UserError]


def chosen_file(form: FormData, name: str) -> UploadFile | None:
    """The file chosen in this field, or None when none was."""
    value = form.get(name)
    return value if isinstance(value, UploadFile) and value.filename else None


def read_upload(upload: UploadFile, what: str, limit: int, too_large: TooLarge) -> bytes:
    """The upload's bytes; one over the size limit is refused without reading it all."""
    if upload.size is not None and upload.size > limit:
        raise too_large(upload.size, what, limit)
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise too_large(upload.size or len(data), what, limit)
    return data
