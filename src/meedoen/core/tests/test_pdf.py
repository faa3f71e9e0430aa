"""Documents as PDF: a word longer than a line is broken, not cut off by the edge of the paper."""

from __future__ import annotations

from weasyprint.formatting_structure.boxes import TextBox

from meedoen.core.pdf import html_to_pdf, rendered

PAGE = "<style>@page { size: A4; margin: 20mm; }</style>"


def _right_edges(html: str) -> tuple[float, list[float]]:
    """The right edge of the page's content area and of every piece of text on the first page.
    WeasyPrint has no public API for the laid-out boxes: this reads its page box, and fails
    loudly if an upgrade renames it."""
    page = rendered(html).pages[0]._page_box
    content_right = page.content_box_x() + page.width
    return content_right, [box.position_x + box.width for box in page.descendants() if isinstance(box, TextBox)]


def test_a_word_longer_than_a_line_stays_on_the_page():
    long_words = f"<p>Aan {'b' * 300}</p><table><tr><td>{'c' * 300}</td></tr></table>"
    content_right, text_right = _right_edges(PAGE + long_words)
    assert len(text_right) > 4  # the words were broken into lines
    assert max(text_right) <= content_right + 0.5


def test_a_document_still_says_how_it_wraps_itself():
    content_right, text_right = _right_edges(f"{PAGE}<p style='overflow-wrap: normal'>{'b' * 300}</p>")
    assert max(text_right) > content_right  # its own rule wins: the word runs on


def test_the_pdf_is_a_pdf():
    assert html_to_pdf(f"{PAGE}<p>{'b' * 300}</p>").startswith(b"%PDF-")
