"""HTML to PDF with WeasyPrint, for documents people print or file (the compass report, letters).

The document must carry its own styles: nothing is fetched while rendering, so a link or image in
a document cannot make the server call another address (SSRF) or read a local file. An attempt to
fetch is a mistake in a template, and stops the rendering.
"""

from __future__ import annotations

from typing import Any


class FetchRefusedError(ValueError):
    pass


def html_to_pdf(html: str) -> bytes:
    # Imported here: loading Pango takes time that requests without a PDF need not pay.
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class NoFetching(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise FetchRefusedError(f"documents are rendered without fetching anything ({url[:40]})")

    try:
        pdf: bytes = HTML(string=html, url_fetcher=NoFetching(fail_on_errors=True), base_url="about:blank").write_pdf()
    except FatalURLFetchingError as error:
        raise FetchRefusedError(str(error)) from None
    return pdf
