"""The pack written in the format a user asked for: its charts drawn once as print images, then the PDF or the PPTX
(the only module that knows every format; the model, the writers and the image renderer know nothing of each other
beyond what they import)."""

from __future__ import annotations

from levier.report.images import render_pngs
from levier.report.pack import Pack
from levier.report.pdf import pack_pdf
from levier.report.pptx import pack_pptx
from levier.report.slides import for_print

FORMATS = {"pdf": ("application/pdf", "pdf"),
           "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx")}
WRITERS = {"pdf": pack_pdf, "pptx": pack_pptx}


def render_images(model: Pack) -> dict[str, bytes]:
    """Every chart of a pack as a print PNG keyed by figure key, in one Chromium session (shared by PDF and PPTX)."""
    figs = model.figures
    pngs = render_pngs([for_print(f.figure) for f in figs])
    return {f.key: png for f, png in zip(figs, pngs)}


def export(model: Pack, fmt: str, images: dict[str, bytes] | None = None) -> tuple[bytes, dict[str, bytes]]:
    """The pack as PDF or PPTX bytes, and the chart images drawn for it (hand them back to draw the other format
    without starting Chromium again)."""
    if fmt not in FORMATS:
        raise ValueError(f"Format inconnu : {fmt}")
    images = images if images is not None and set(images) >= {f.key for f in model.figures} else render_images(model)
    return WRITERS[fmt](model, images), images


def file_name(model: Pack, fmt: str) -> str:
    return f"{model.stem}.{FORMATS[fmt][1]}"
