"""HTML to PDF with WeasyPrint, for documents people print or file (the compass report, letters).

The document must carry its own styles: nothing is fetched while rendering, so a link or image in
a document cannot make the server call another address (SSRF) or read a local file. An attempt to
fetch is a mistake in a template, and stops the rendering.

Text that people typed can hold a word longer than a line (a name of 200 letters, a pasted link):
every document breaks such a word rather than letting it run off the page, where paper cuts it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class FetchRefusedError(ValueError):
    pass


# Below the document's own styles, which may still say otherwise for an element.
EVERY_DOCUMENT = "body { overflow-wrap: anywhere; }"


def html_to_pdf(html: str) -> bytes:
    with _refusing_fetches():
        # Writing fetches too: a link marked as an attachment is embedded in the PDF.
        pdf: bytes = _render(html).write_pdf()
    return pdf


def rendered(html: str) -> Any:
    """The laid-out pages of ``html`` (a WeasyPrint ``Document``)."""
    with _refusing_fetches():
        return _render(html)


@contextmanager
def _refusing_fetches() -> Iterator[None]:
    from weasyprint.urls import FatalURLFetchingError

    try:
        yield
    except FatalURLFetchingError as error:  # a BaseException: nothing else would catch it
        raise FetchRefusedError(str(error)) from None


def _render(html: str) -> Any:
    # Imported here: loading Pango takes time that requests without a PDF need not pay.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise FetchRefusedError(f"documents are rendered without fetching anything ({url[:40]})")

    fetcher = NoFetching(fail_on_errors=True)
    return HTML(string=html, url_fetcher=fetcher, base_url="about:blank").render(
        stylesheets=[CSS(string=EVERY_DOCUMENT, url_fetcher=fetcher)]
    )
