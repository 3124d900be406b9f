"""Rich text from the back office, cleaned with nh3 before it is stored or shown."""
from html import unescape

import nh3

# The editor (static/js/richtext.js, Trix) writes div blocks, h1, del and lists; pasted text may bring more.
ALLOWED_TAGS = {
    "p", "div", "br", "hr", "strong", "b", "em", "i", "u", "s", "del", "sub", "sup", "blockquote", "pre", "code",
    "h1", "h2", "h3", "h4", "ul", "ol", "li", "a", "img", "figure", "figcaption",
    "table", "thead", "tbody", "tr", "th", "td", "caption",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}
# No javascript:, data: or vbscript: URLs; relative links stay allowed.
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def sanitize_html(html: str | None) -> str:
    """Return ``html`` with only safe tags and attributes: no script, style, iframe, on* or javascript:."""
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def html_to_text(html: str | None) -> str:
    """The text of sanitized HTML, for the search key."""
    if not html:
        return ""
    return unescape(nh3.clean(html, tags=set(), attributes={}))
