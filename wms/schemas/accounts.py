"""JSON shape of a user (never the password or its hash), and what the user routes take."""
import re

from marshmallow import (EXCLUDE, Schema, ValidationError, fields, post_load, validate,
                         validates_schema)

from wms.schemas.fields import CONTROL_CHARS, LegacyDateTime, Text, no_control_chars

PASSWORD_MIN = 8
PASSWORD_MAX = 255
EMAIL_MAX = 255
SEARCH_MAX = 255
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class UserSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    is_admin = fields.Boolean()
    created_at = LegacyDateTime()
    updated_at = LegacyDateTime()


class Email(fields.String):
    """An email address: trimmed and lower-cased (emails are stored so, and unique so)."""

    default_error_messages = {"email": "Not a valid email address."}

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs).strip().lower()
        if len(value) > EMAIL_MAX or CONTROL_CHARS.search(value) or not _EMAIL.fullmatch(value):
            raise self.make_error("email")
        return value


class Password(fields.String):
    """A new password: 8 to 255 characters, not all blank; kept as typed (never trimmed)."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if len(value) < PASSWORD_MIN:
            raise ValidationError(f"Must be at least {PASSWORD_MIN} characters.")
        if len(value) > PASSWORD_MAX:
            raise ValidationError(f"Must be at most {PASSWORD_MAX} characters.")
        if not value.strip():
            raise ValidationError("Must not be blank.")
        return value


class NewUserSchema(Schema):
    """POST /api/users, POST /api/v1/user/store and `flask users create`."""

    class Meta:
        unknown = EXCLUDE

    name = Text(required=True)
    email = Email(required=True)
    password = Password(required=True)
    is_admin = fields.Boolean(load_default=False)


class LoginSchema(Schema):
    """POST /api/login: `email` (or `username`, as the password grant names it) and
    `password`. A password of any length is taken: only the check can say it is wrong."""

    class Meta:
        unknown = EXCLUDE

    email = fields.String(load_default=None)
    username = fields.String(load_default=None)
    password = fields.String(required=True, validate=validate.Length(
        min=1, error="The password field is required."))

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def one_login(self, data, original, **kwargs):
        """One of the two, not blank (a value of the wrong type has its own error)."""
        given = [original.get(key) for key in ("email", "username")]
        if all(value is None or (isinstance(value, str) and not value.strip())
               for value in given):
            raise ValidationError("The email field is required.", "email")

    @post_load
    def the_login(self, data, **kwargs):
        """{"login": the email, else the username; "password": ...}."""
        email = data.get("email")
        return {"login": email if (email or "").strip() else data["username"],
                "password": data["password"]}


class UserSearchSchema(Schema):
    """GET /users/search: `q`, matched anywhere in a name or an email (none: every user)."""

    class Meta:
        unknown = EXCLUDE

    q = fields.String(load_default="", validate=[validate.Length(max=SEARCH_MAX),
                                                 no_control_chars])
