"""Tiny documents made in the tests: PDFs written byte by byte, an HTML press-release page, a workbook."""

from __future__ import annotations

import io


def _pdf(objects: list[str]) -> bytes:
    """A PDF file holding ``objects`` (1 is the catalog), with a correct cross-reference table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _page_pdf(content: str) -> bytes:
    return _pdf(
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >>"
            " /Contents 5 0 R >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            f"<< /Length {len(content.encode('latin-1'))} >>\nstream\n{content}\nendstream",
        ]
    )


def text_pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose text layer holds ``lines`` (Latin-1 text), one per line."""

    def literal(line: str) -> str:
        return "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"

    shown = " ".join(f"{literal(line)} '" for line in lines)
    return _page_pdf(f"BT /F1 11 Tf 72 720 Td 14 TL {shown} ET")


def scanned_pdf() -> bytes:
    """A one-page PDF with a drawing and no text, as a scan without OCR is."""
    return _page_pdf("0.2 0.2 0.2 rg 72 400 468 300 re f")


def encrypted_pdf(lines: list[str], password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf(lines))))
    writer.encrypt(user_password=password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PRESS_RELEASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>MFA | Press release</title>
<style>body { font-family: sans-serif }</style>
<script>window.analytics = "We strongly condemn tracking";</script></head>
<body>
<div class="cookie-banner">This site uses cookies. <a href="#">Accept</a></div>
<header class="site-header"><a href="/">Ministry of Foreign Affairs</a>
<nav><ul><li><a href="/">Home</a></li><li><a href="/press">Press releases</a></li></ul></nav></header>
<div class="breadcrumb"><a href="/">Home</a> &gt; <a href="/press">Press</a></div>
<main><article>
<header><h1>Statement on the strike of 16 January</h1><p class="date">16 January 2024</p></header>
<p>The Ministry strongly condemns the unprovoked violation of its airspace, which killed two children.</p>
<p>&ldquo;This violation of our sovereignty is completely unacceptable,&rdquo; the spokesperson said.</p>
<div class="share-buttons"><a href="#">Share on X</a> <a href="#">Facebook</a></div>
</article>
<aside><h2>Related</h2><ul><li><a href="/press/2">Earlier statement</a></li></ul></aside></main>
<footer><p>Copyright 2024 Ministry of Foreign Affairs</p><a href="/contact">Contact</a></footer>
<noscript>Please enable JavaScript.</noscript>
</body></html>
"""
