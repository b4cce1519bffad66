"""Field types shared by the schemas: the API's datetime format and tolerant request values."""
import re
from datetime import datetime, timezone

from marshmallow import ValidationError, fields, validate

from wms.models.warehouse import canonical_code
from wms.values import CONTROL_CHARS, MAX_ID

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DATETIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$"
SKU_MAX = 64
CODE_MAX = 32

_DIGITS = re.compile(r"[ \t]*[0-9]{1,10}[ \t]*")


def no_control_chars(value):
    """marshmallow validator: no control characters."""
    if CONTROL_CHARS.search(value):
        raise ValidationError("Must not contain control characters.")


class LegacyDateTime(fields.DateTime):
    """`YYYY-MM-DD HH:MM:SS`, UTC, as the legacy API printed its timestamps."""

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, metadata={"pattern": DATETIME_PATTERN},
                         **kwargs)


class UtcDateTime(fields.Field):
    """`YYYY-MM-DD HH:MM:SS` (UTC) or ISO 8601 (UTC when it has no offset); naive UTC, to the
    second, as the database keeps times."""

    MESSAGE = "Must be a date and time (YYYY-MM-DD HH:MM:SS or ISO 8601)."

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) > 40:
            raise ValidationError(self.MESSAGE)
        try:
            moment = datetime.fromisoformat(value.strip())
            if moment.tzinfo is not None:
                # Out of range in UTC (9999-12-31T23:59:59-05:00): OverflowError.
                moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        except (ValueError, OverflowError):
            raise ValidationError(self.MESSAGE)
        return moment.replace(microsecond=0)


class PositiveInt(fields.Integer):
    """An integer from a query string ("12"), a form or JSON (12); never a bool or a float."""

    default_error_messages = {"invalid": "Must be a positive integer."}

    def __init__(self, minimum=1, maximum=MAX_ID, **kwargs):
        super().__init__(validate=validate.Range(min=minimum, max=maximum), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and _DIGITS.fullmatch(value):
            return int(value)
        raise self.make_error("invalid")


class Text(fields.String):
    """A name: trimmed, not blank, no control characters."""

    def __init__(self, max_length=255, **kwargs):
        super().__init__(validate=validate.Length(min=1, max=max_length), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs).strip()
        no_control_chars(value)
        return value


class Code(Text):
    """A scanned or typed code (SKU, location): a string, or a number the scanner sent bare."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return super()._deserialize(value, attr, data, **kwargs)


class LocationCode(Code):
    """A location's printed code as it is stored: spaces around it, letter case and zero padding
    of a scan do not matter (` r01-a01-n01 ` reads `R1-A1-N1`)."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        for validator in self.validators:  # the length limit holds for what was sent
            validator(value)
        return canonical_code(value)


class Flag(fields.Field):
    """Yes or no: `true`/`false` (any case) or `1`/`0`, from a query string or a form, or a JSON
    boolean or 0/1. Anything else is invalid (`yes`, `2`, `1.0`)."""

    default_error_messages = {"invalid": "Must be true, false, 1 or 0."}
    _WORDS = {"true": True, "1": True, "false": False, "0": False}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in self._WORDS:
            return self._WORDS[value.strip().lower()]
        raise self.make_error("invalid")


class FlagOrAll(Flag):
    """A yes/no filter where `-1` (the web UI's "all") means no filter: None."""

    default_error_messages = {"invalid": "Must be true, false, 1, 0 or -1."}

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) in (int, str) and value in (-1, "-1"):
            return None
        return super()._deserialize(value, attr, data, **kwargs)
