"""The read API's documentation page in a real browser, at 1280 px and 390 px: readable
without script, nothing scrolls sideways, and its examples lead to live answers."""

import json

from tests.browser.audit import audit_widths


def test_the_api_docs_page_reads_well_and_its_examples_answer(page, published_mali):
    audit_widths(page, "/api/v1/docs/", "api-docs")

    assert page.locator("h1").inner_text() == "Read API"
    assert page.locator("section.api-operation").count() == 12
    assert page.locator("script").count() == 0
    example = page.locator("#getEdition .api-example a")
    example.click()
    snapshot = json.loads(page.locator("body").inner_text())
    assert snapshot["country"]["slug"] == "mali"
    assert snapshot["edition"]["number"] == 1


def test_another_site_may_read_the_api_from_a_script(browser, published_mali, live_server):
    """A page of another origin (127.0.0.1 rather than localhost) fetches an edition and
    revalidates it with its ETag: the preflight and the CORS headers let the browser hand
    over the answers."""
    elsewhere = live_server.url.replace("localhost", "127.0.0.1")
    assert elsewhere.startswith("http://127.0.0.1:")
    # The site's own CSP would forbid that page to fetch from any other origin.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{elsewhere}/countries/")
    result = page.evaluate(
        """async url => {
            const first = await fetch(url);
            const etag = first.headers.get('ETag');
            const again = await fetch(url, {headers: {'If-None-Match': etag}, cache: 'no-store'});
            return {status: first.status, etag, body: await first.json(), again: again.status};
        }""",
        live_server.url.replace("127.0.0.1", "localhost")
        + "/api/v1/profiles/mali/cluster-munition-ban-policy/editions/1/",
    )
    context.close()

    assert result["status"] == 200
    assert result["etag"]  # exposed to the script by Access-Control-Expose-Headers
    assert result["body"]["country"]["slug"] == "mali"
    assert result["again"] == 304
