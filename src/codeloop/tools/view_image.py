"""The ``view_image`` tool: attach a local image for the model to look at."""

from __future__ import annotations

import base64
import mimetypes
from typing import TYPE_CHECKING

from codeloop.core.tooling import ToolOutput
from codeloop.tools.shell import resolve_workdir

if TYPE_CHECKING:
    from codeloop.core.tooling import ToolContext

__all__ = ["MAX_IMAGE_BYTES", "run_view_image"]

MAX_IMAGE_BYTES = 20 * 1024 * 1024


def run_view_image(path: str, ctx: ToolContext) -> ToolOutput:
    target = resolve_workdir(ctx, path)
    mime = mimetypes.guess_type(target.name)[0]
    if mime is None or not mime.startswith("image/"):
        return ToolOutput(f"{target} is not an image (png, jpeg, gif or webp expected)", False)
    try:
        size = target.stat().st_size
        if size > MAX_IMAGE_BYTES:
            return ToolOutput(f"{target} is too large ({size} bytes, at most 20 MiB)", False)
        data = target.read_bytes()
    except OSError as err:
        return ToolOutput(f"cannot read {target}: {err.strerror or err}", False)
    url = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return ToolOutput(f"attached local image {target}", True, images=(url,))
