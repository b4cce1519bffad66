"""Printable labels: a code in large type and as a barcode, over a few lines of caption.

Rendering only, no database: give `render()` a list of `Label(code, caption)` and get the bytes of

- a PDF: one 4 x 2 inch label per page (`LABEL`, for label printers) or A4 sheets of 2 x 5 labels
  of 99.1 x 57 mm (`A4_SHEET`, the common 10-per-sheet size; plain paper works too);
- a PNG: the 4 x 2 inch labels one under another, at 203 dpi (at most `PNG_MAX_LABELS`);
- ZPL II for Zebra printers: one `^XA ... ^XZ` format per 4 x 2 inch label at 203 dpi, the printer
  drawing the barcode itself (`^BC` Code 128, `^BQ` QR).

A label is laid out once, in dots of a 203 dpi printer, and every format draws that layout: the
PDF, its PNG raster and the ZPL look alike, and bars and QR modules are whole dots wide, so they
print crisp on a 203 dpi thermal printer and scale cleanly on an office one.
"""
import io
import threading
from dataclasses import dataclass

import pypdfium2
from PIL import Image
from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qr import QrCode
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import inch, mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

DPI = 203
POINT = 72 / DPI    # one dot, in PDF points

MEDIA_TYPES = {"pdf": "application/pdf", "png": "image/png", "zpl": "text/plain"}
SYMBOLOGIES = ("code128", "qr")
PNG_MAX_LABELS = 100    # 812 x 406 pixels each: a strip of 100 is 33 megapixels

CODE_FONT, CAPTION_FONT = "Helvetica-Bold", "Helvetica"
CAP_HEIGHT = 0.72       # of Helvetica's em: what centres upper-case codes in their box
CAPTION_LINES = 2       # caption lines shown; more are dropped
CODE128_QUIET, QR_QUIET = 10, 2         # white modules the symbologies need on each side
CODE128_MAX_MODULE, QR_MAX_MODULE = 4, 10   # dots; ZPL's ^BQ magnifies at most 10 times
# The printer picks its own QR version, possibly one (4 modules) bigger than ours: room for it.
ZPL_QR_SLACK = 4
QR_LEVEL = "M"          # error correction: 15 % of the symbol may be scratched off
ELLIPSIS = "..."
CODE_MAX_LENGTH = 100


class LabelError(ValueError):
    """Labels that cannot be drawn as asked; `argument` names the argument of render() at fault
    (a code Code 128 cannot hold: symbology; too many labels for a PNG: format)."""

    def __init__(self, message, argument="labels"):
        super().__init__(message)
        self.argument = argument


@dataclass(frozen=True)
class Label:
    """What one label shows: `code` in large type and as a barcode, `caption` lines below."""

    code: str
    caption: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sheet:
    """Paper: the page in points, the label cells in dots and where they sit on the page."""

    page: tuple[float, float]
    label: tuple[int, int]
    columns: int = 1
    rows: int = 1
    origin: tuple[float, float] = (0, 0)   # points from the page's top left to the first cell's
    pitch: tuple[float, float] = (0, 0)    # points from one cell's top left to the next one's
    unit: float = POINT                    # points a dot

    @property
    def per_page(self):
        return self.columns * self.rows

    def cells(self):
        """The top-left corner of each cell in points from the page's bottom left, row by row."""
        left, top = self.origin
        for row in range(self.rows):
            for column in range(self.columns):
                yield (left + column * self.pitch[0],
                       self.page[1] - top - row * self.pitch[1])


def _dots(points):
    return int(points / POINT)


LABEL = Sheet(page=(4 * inch, 2 * inch), label=(4 * DPI, 2 * DPI))
A4_SHEET = Sheet(page=A4, label=(_dots(99.1 * mm), _dots(57 * mm)), columns=2, rows=5,
                 origin=(4.65 * mm, 6 * mm), pitch=(101.6 * mm, 57 * mm))
SHEETS = {"label": LABEL, "a4": A4_SHEET}
# The PNG is LABEL drawn a point a dot and rasterised at 72 dpi, so every edge is a whole pixel.
# Rasterised at 203/72, edges land a hair off whole pixels and PDFium rounds some a pixel out:
# bars of one or two dots come out uneven and stop reading.
RASTER = Sheet(page=LABEL.label, label=LABEL.label, unit=1)


@dataclass(frozen=True)
class Box:
    """A rectangle of a label, in dots from the label's top left."""

    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class Text:
    box: Box
    text: str
    size: int      # font size in dots
    font: str


@dataclass(frozen=True)
class Layout:
    code: Text
    barcode: Box
    captions: tuple[Text, ...]


def _fit(text, font, box, size, shrink_to=None):
    """The text at the largest size up to `size` that fits the box's width; below `shrink_to`
    (a size) it is cut short with an ellipsis instead of shrinking further."""
    width = stringWidth(text, font, 1) or 1
    fitted = min(size, int(box.w / width))
    if shrink_to is None or fitted >= shrink_to:
        return Text(box, text, max(fitted, 1), font)
    while text and stringWidth(text + ELLIPSIS, font, shrink_to) > box.w:
        text = text[:-1]
    return Text(box, text.rstrip() + ELLIPSIS, shrink_to, font)


def layout(label, width, height, symbology):
    """Where the code, its barcode and the caption go on a label of width x height dots.

    Code 128 stacks code, bars and caption. A QR code is square: on a wide label it sits on the
    left with the text beside it, otherwise above the text.
    """
    margin = max(12, height // 16)
    inner_w, inner_h = width - 2 * margin, height - 2 * margin
    # Type sizes follow the height, but no more than a narrow label's width can take.
    scale = min(inner_h, inner_w * 2 // 3)
    gap = scale // 25
    lines = [line for line in label.caption if line][:CAPTION_LINES]
    code_h, line_h = scale * 3 // 10, scale // 9
    captions_h = len(lines) * (gap + line_h)
    if symbology == "qr" and width >= 3 * height // 2:
        side = min(inner_h, inner_w * 2 // 5)
        barcode = Box(margin, margin, side, inner_h)
        column = Box(2 * margin + side, margin, width - 3 * margin - side, inner_h)
        code_y = column.y + (column.h - code_h - captions_h) // 2
        captions_y = code_y + code_h
    elif symbology == "qr":
        column = Box(margin, margin, inner_w, inner_h)
        barcode = Box(margin, margin, inner_w, inner_h - gap - code_h - captions_h)
        code_y = barcode.y + barcode.h + gap
        captions_y = code_y + code_h
    else:
        column = Box(margin, margin, inner_w, inner_h)
        code_y = margin
        barcode = Box(margin, margin + code_h + gap, inner_w, inner_h - code_h - gap - captions_h)
        captions_y = barcode.y + barcode.h
    code = _fit(label.code, CODE_FONT, Box(column.x, code_y, column.w, code_h), code_h * 9 // 10)
    captions = tuple(
        _fit(line, CAPTION_FONT, Box(column.x, captions_y + gap + i * (line_h + gap), column.w,
                                     line_h), line_h * 9 // 10, line_h // 2)
        for i, line in enumerate(lines))
    return Layout(code, barcode, captions)


def _module(space, modules, largest):
    """The widest whole-dot module (at most `largest`) with which `modules` fit in `space`."""
    module = min(largest, space // modules)
    if module < 1:
        raise LabelError("The code is too long to fit its barcode on the label.")
    return module


def _check_code128(code):
    if any(not " " <= c <= "~" for c in code):
        raise LabelError("Code 128 holds only printable ASCII characters: use qr.", "symbology")


def _qr(code):
    return QrCode(code, qrLevel=QR_LEVEL, qrBorder=0)


def _qr_modules(symbol):
    """The symbol's width in modules: its version's, found without encoding it."""
    return symbol.qr.calculate_version() * 4 + 17


class _Pdf:
    """Draws layouts on a reportlab canvas."""

    def __init__(self, canvas, left, top, unit):
        self.canvas, self.left, self.top, self.unit = canvas, left, top, unit

    def point(self, x, y):
        """The canvas point of (x, y) dots from the label's top left."""
        return self.left + x * self.unit, self.top - y * self.unit

    def text(self, text):
        box = text.box
        baseline = box.y + (box.h + CAP_HEIGHT * text.size) / 2
        self.canvas.setFont(text.font, text.size * self.unit)
        self.canvas.drawCentredString(*self.point(box.x + box.w / 2, baseline), text.text)

    def code128(self, code, box):
        modules = round(Code128(code, barWidth=1, quiet=0).width)
        module = _module(box.w, modules + 2 * CODE128_QUIET, CODE128_MAX_MODULE)
        x = box.x + (box.w - modules * module) // 2
        symbol = Code128(code, barWidth=module * self.unit, barHeight=box.h * self.unit, quiet=0,
                         humanReadable=0)
        symbol.drawOn(self.canvas, *self.point(x, box.y + box.h))

    def qr(self, code, box):
        symbol = _qr(code)
        count = _qr_modules(symbol)
        module = _module(min(box.w, box.h), count + 2 * QR_QUIET, QR_MAX_MODULE)
        size = count * module
        symbol.width = symbol.height = size * self.unit
        x, y = box.x + (box.w - size) // 2, box.y + (box.h - size) // 2
        symbol.drawOn(self.canvas, *self.point(x, y + size))


def render_pdf(labels, symbology="code128", sheet=LABEL):
    """A PDF of the labels, `sheet.per_page` to a page."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=sheet.page, pageCompression=1)
    canvas.setTitle("Labels")
    cells = list(sheet.cells())
    for start in range(0, len(labels), sheet.per_page):
        for label, (left, top) in zip(labels[start:start + sheet.per_page], cells):
            parts = layout(label, *sheet.label, symbology)
            pdf = _Pdf(canvas, left, top, sheet.unit)
            getattr(pdf, symbology)(label.code, parts.barcode)
            for text in (parts.code, *parts.captions):
                pdf.text(text)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


# PDFium may not be called from two threads at once, not even on different documents.
_pdfium = threading.Lock()


def render_png(labels, symbology="code128"):
    """A grey-scale PNG of the 4 x 2 inch labels one under another, at 203 dpi."""
    if len(labels) > PNG_MAX_LABELS:
        raise LabelError(f"A PNG holds at most {PNG_MAX_LABELS} labels: use pdf or zpl.",
                         "format")
    width, height = LABEL.label
    strip = Image.new("L", (width, height * len(labels)), 255)
    pdf = render_pdf(labels, symbology, RASTER)
    with _pdfium:
        document = pypdfium2.PdfDocument(pdf)
        try:
            for index, page in enumerate(document):
                bitmap = page.render(scale=1, grayscale=True)
                strip.paste(bitmap.to_pil(), (0, index * height))
                bitmap.close()
                page.close()
        finally:
            document.close()
    out = io.BytesIO()
    strip.save(out, format="PNG", dpi=(DPI, DPI))
    return out.getvalue()


_ZPL_PLAIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -.,:/")
# Code 128 subset B needs its invocation codes for the three characters ZPL reads as commands.
_ZPL_CODE128 = str.maketrans({"^": "><", ">": ">0", "~": ">="})


def _zpl_hex(text):
    """Field data for ^FH_: anything but plain characters as _XX, byte by byte in UTF-8 (^CI28),
    so no value can start a command (^, ~) or mean anything to ^FB (\\&)."""
    return "".join(c if c in _ZPL_PLAIN else "".join(f"_{b:02X}" for b in c.encode())
                   for c in text)


def _zpl_text(text):
    box = text.box
    y = box.y + (box.h - text.size) // 2
    return (f"^FO{box.x},{y}^A0N,{text.size},{text.size}^FB{box.w},1,0,C,0"
            f"^FH_^FD{_zpl_hex(text.text)}^FS")


def _zpl_barcode(code, box, symbology):
    if symbology == "qr":
        modules = _qr_modules(_qr(code)) + ZPL_QR_SLACK
        module = _module(min(box.w, box.h), modules + 2 * QR_QUIET, QR_MAX_MODULE)
        size = modules * module
        x, y = box.x + (box.w - size) // 2, box.y + (box.h - size) // 2
        return f"^FO{x},{y}^BQN,2,{module}^FH_^FD{QR_LEVEL}A,{_zpl_hex(code)}^FS"
    # Subset B throughout: start, one symbol a character, check digit and the 13-module stop.
    modules = 11 * (len(code) + 2) + 13
    module = _module(box.w, modules + 2 * CODE128_QUIET, CODE128_MAX_MODULE)
    x = box.x + (box.w - modules * module) // 2
    return (f"^FO{x},{box.y}^BY{module}^BCN,{box.h},N,N,N,N"
            f"^FD>:{code.translate(_ZPL_CODE128)}^FS")


def render_zpl(labels, symbology="code128"):
    """ZPL II text: one format per 4 x 2 inch label, for a 203 dpi Zebra printer."""
    width, height = LABEL.label
    formats = []
    for label in labels:
        parts = layout(label, width, height, symbology)
        fields = [_zpl_barcode(label.code, parts.barcode, symbology),
                  *(_zpl_text(text) for text in (parts.code, *parts.captions))]
        formats.append("\n".join(["^XA", "^CI28", f"^PW{width}", f"^LL{height}", "^LH0,0",
                                  *fields, "^XZ"]))
    return ("\n".join(formats) + "\n").encode()


def render(labels, format="pdf", symbology="code128", sheet="label"):
    """The labels in `format` (pdf, png, zpl) with `symbology` (code128, qr); `sheet` (label,
    a4) is the PDF's paper. Raises LabelError for a label that cannot be drawn."""
    for argument, value, choices in (("format", format, MEDIA_TYPES),
                                     ("symbology", symbology, SYMBOLOGIES),
                                     ("sheet", sheet, SHEETS)):
        if value not in choices:
            raise LabelError(f"{argument} is one of {', '.join(choices)}.", argument)
    labels = list(labels)
    for label in labels:
        if not label.code or len(label.code) > CODE_MAX_LENGTH:
            raise LabelError(f"A code has 1 to {CODE_MAX_LENGTH} characters.")
        if symbology == "code128":
            _check_code128(label.code)
    if format == "pdf":
        return render_pdf(labels, symbology, SHEETS[sheet])
    if format == "png":
        return render_png(labels, symbology)
    return render_zpl(labels, symbology)
