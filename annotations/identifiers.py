"""
Bibliographic identifiers: checking what contributors type, and the keys that
spot the same source entered twice.

Pure functions, strings in and strings out. Each ``clean_*`` returns the
canonical form of a valid value and raises ``IdentifierError`` (with a message
a contributor can act on) otherwise; each ``*_key`` returns what two records
must share to be the same source.

    >>> clean_doi("https://doi.org/10.1017/CBO9780511523724")
    '10.1017/CBO9780511523724'
    >>> clean_isbn("0-333-30050-5")
    '0333300505'
    >>> isbn_key("0-333-30050-5")
    '9780333300503'
    >>> title_key("The Soviet Union & the Struggle for Collective Security!")
    'the soviet union and the struggle for collective security'
"""

import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit


class IdentifierError(ValueError):
    """A malformed identifier; the message says what is wrong."""


# A DOI is "10." + a registrant code of digits (dot-separated parts allowed)
# + "/" + a suffix of any printable characters (Crossref's recommended check).
_DOI = re.compile(r"^10\.\d{4,9}(\.\d+)*/\S+$")
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:")
_ISBN_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]")
_ISBN_LABEL = re.compile(r"^ISBN(1[03])?:?")  # "ISBN", "ISBN-13:" once separators are gone
ALLOWED_URL_SCHEMES = ("http", "https")


def clean_doi(value):
    """A DOI without resolver prefix ("10.1000/xyz"), or IdentifierError."""
    doi = value.strip()
    for prefix in _DOI_PREFIXES:
        if doi.lower().startswith(prefix):
            doi = doi[len(prefix):].strip()
            break
    if not _DOI.match(doi):
        raise IdentifierError(
            "This is not a DOI. A DOI starts with “10.”, then a number, a slash and the rest, "
            "e.g. 10.1017/CBO9780511523724."
        )
    return doi


def doi_key(value):
    """DOIs are case-insensitive."""
    return clean_doi(value).upper()


def isbn10_check_digit(first_nine):
    total = sum((10 - index) * int(digit) for index, digit in enumerate(first_nine))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def isbn13_check_digit(first_twelve):
    total = sum(int(digit) * (1 if index % 2 == 0 else 3) for index, digit in enumerate(first_twelve))
    return str((10 - total % 10) % 10)


def clean_isbn(value):
    """An ISBN-10 or ISBN-13 without separators, or IdentifierError."""
    isbn = _ISBN_LABEL.sub("", _ISBN_SEPARATORS.sub("", value).upper())
    if re.fullmatch(r"\d{9}[\dX]", isbn):
        if isbn[9] != isbn10_check_digit(isbn[:9]):
            raise IdentifierError("This ISBN-10 has a wrong check digit (the last one). Check it for a typing slip.")
        return isbn
    if re.fullmatch(r"\d{13}", isbn):
        if not isbn.startswith(("978", "979")):
            raise IdentifierError("An ISBN-13 starts with 978 or 979.")
        if isbn[12] != isbn13_check_digit(isbn[:12]):
            raise IdentifierError("This ISBN-13 has a wrong check digit (the last one). Check it for a typing slip.")
        return isbn
    raise IdentifierError("An ISBN has 10 or 13 digits (the last of an ISBN-10 may be X); hyphens and spaces are fine.")


def isbn_key(value):
    """The ISBN-13 form, so a book's ISBN-10 and ISBN-13 match."""
    isbn = clean_isbn(value)
    if len(isbn) == 10:
        stem = "978" + isbn[:9]
        return stem + isbn13_check_digit(stem)
    return isbn


def clean_url(value):
    """An http(s) URL with a host, or IdentifierError."""
    url = value.strip()
    if any(char.isspace() for char in url):
        raise IdentifierError("A web address cannot contain spaces.")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        if parts.port == 0:  # .port: ValueError unless a number from 0 to 65535
            raise ValueError("port 0")
    except ValueError as error:  # "http://[abc/", "http://example.com:99999/", ":abc"
        raise IdentifierError(
            "This web address is malformed (check the site name and any :port after it), "
            "e.g. https://www.example.org/page."
        ) from error
    if parts.scheme.lower() not in ALLOWED_URL_SCHEMES:
        raise IdentifierError("Only web addresses starting with http:// or https:// are accepted.")
    if not hostname or "." not in hostname.strip("."):
        raise IdentifierError("This web address has no valid site name, e.g. https://www.example.org/page.")
    return url


def url_key(value):
    """Scheme, case of the host, “www.”, a trailing slash and the fragment do not make another page."""
    parts = urlsplit(clean_url(value))
    host = parts.hostname.lower().removeprefix("www.")
    if parts.port:
        host = f"{host}:{parts.port}"
    path = parts.path.rstrip("/")
    return urlunsplit(("", host, path, parts.query, "")).lstrip("/")


def title_key(title):
    """Case, accents, punctuation, spacing and “&” for “and” folded, for comparing titles."""
    # Twice: casefolding can produce letters that decompose, and the reverse.
    letters = _fold(_fold(title)).replace("&", " and ")
    return re.sub(r"[\W_]+", " ", letters).strip()


def _fold(text):
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))
