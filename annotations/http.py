"""
Content negotiation for responses kept ready in several encodings (pure: a header in, a name out).

    >>> encoding_choose("gzip, deflate, br", ("br", "gzip", "identity"))
    'br'
"""


def _weights(accept_encoding):
    """{coding: q} from an Accept-Encoding header (RFC 9110 § 12.5.3); unparsable weights count as 0."""
    weights = {}
    for item in accept_encoding.split(","):
        coding, *parameters = (part.strip() for part in item.split(";"))
        if not coding:
            continue
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[coding.lower()] = max(0.0, min(weight, 1.0))
    return weights


def encoding_choose(accept_encoding, available):
    """The first of ``available`` (in the server's order of preference) that the header accepts best.

    No header, or one that accepts none of them, gives "identity" (acceptable
    unless refused outright, and then still the only thing left to send).
    """
    weights = _weights(accept_encoding or "")
    wildcard = weights.get("*")

    def weight(coding):
        if coding in weights:
            return weights[coding]
        if wildcard is not None:
            return wildcard
        # Unnamed, "identity" is still acceptable, but any coding the reader names comes first.
        return 0.001 if coding == "identity" else 0.0

    best = max(available, key=lambda coding: (weight(coding), -available.index(coding)))
    return best if weight(best) > 0 else "identity"
