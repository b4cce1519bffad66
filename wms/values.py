"""Plain value rules shared by every layer: what an id is, what a control character is."""
import re

MAX_ID = 2**31 - 1
_ID = re.compile(r"[0-9]{1,10}")
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc


def parse_id(value):
    """A value from a URL or a client (`"12"`, or 12) as a positive id, or None: ASCII digits
    only ("²" is a digit to isdigit() but not to int()), and few of them (int() refuses strings
    of over 4300 digits), at most MAX_ID."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _ID.fullmatch(text):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
