"""JSON shapes of users (never the password or its hash) and roles, and what the user routes
take: spec/02-03's, and the 2019 web UI's and scanner app's (spec/06 6.14)."""
import re

from marshmallow import (EXCLUDE, Schema, ValidationError, fields, post_load, validate,
                         validates_schema)

from wms.schemas.fields import CONTROL_CHARS, LegacyDateTime, Text, no_control_chars
from wms.schemas import shape

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


# --- The 2019 clients' shapes (spec/06 6.14) ---------------------------------------------------

class RoleSchema(Schema):
    """A row of roles/getall."""

    id = fields.Integer()
    name = fields.String()
    guard_name = fields.String()
    created_at = LegacyDateTime()
    updated_at = LegacyDateTime()


class PivotSchema(Schema):
    model_id = fields.Integer()
    role_id = fields.Integer()
    model_type = fields.String()


class HeldRoleSchema(Schema):
    """A user's role as spatie serialises it, from the link row (UserRole): the role's columns
    and the link as `pivot`."""

    id = fields.Integer(attribute="role.id")
    name = fields.String(attribute="role.name")
    guard_name = fields.String(attribute="role.guard_name")
    created_at = LegacyDateTime(attribute="role.created_at")
    updated_at = LegacyDateTime(attribute="role.updated_at")
    pivot = fields.Function(shape(PivotSchema).dump)


class WebUserSchema(UserSchema):
    """A user as the 2019 web UI lists it (user/getusers, user/authenticate)."""

    class Meta:
        fields = ("id", "name", "email", "address", "created_at", "updated_at", "roles")

    address = fields.String(allow_none=True)
    roles = fields.List(fields.Nested(HeldRoleSchema), attribute="role_links")


class ProfileSchema(WebUserSchema):
    """user/getprofile, which the scanner app reads after signing in."""

    class Meta:
        fields = ("id", "name", "email", "roles")


class WebLoginSchema(Schema):
    """user/authenticate: a valid email and a password (of any length: only the check can say
    it is wrong)."""

    class Meta:
        unknown = EXCLUDE

    email = Email(required=True)
    password = fields.String(required=True, validate=validate.Length(
        min=1, error="The password field is required."))


class WebNewUserSchema(NewUserSchema):
    """user/create: NewUserSchema's rules (the project's password policy), an `address`, and
    `rol`, the name of a role (default `user`), which also decides is_admin."""

    class Meta:
        unknown = EXCLUDE
        exclude = ("is_admin",)

    address = Text(required=True)
    role = Text(data_key="rol", load_default=None)


class Address(fields.String):
    """An address that may be cleared: trimmed, at most 255 characters, blank means none."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs).strip()
        no_control_chars(value)
        if len(value) > 255:
            raise ValidationError("Longer than maximum length 255.")
        return value or None


class RoleNameSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = Text(required=True)


class WebUserUpdateSchema(Schema):
    """user/update/{id}: the web UI's edited row. `name`, `email`, `address` change when given;
    `roles[0].name`, when given, becomes the user's role. The rest (id, created_at, tableData,
    the roles' other keys) is read-only and ignored."""

    class Meta:
        unknown = EXCLUDE

    name = Text()
    email = Email()
    address = Address(allow_none=True)
    roles = fields.List(fields.Nested(RoleNameSchema), allow_none=True)

    @post_load
    def the_role(self, data, **kwargs):
        roles = data.pop("roles", None)
        data["role"] = roles[0]["name"] if roles else None
        return data


class LoginResultSchema(Schema):
    """POST /api/login: a personal access token and its user."""

    token_type = fields.String(required=True)
    access_token = fields.String(required=True)
    expires_at = fields.String(required=True, allow_none=True)
    user = fields.Nested(UserSchema, required=True)


class AuthenticateResultSchema(Schema):
    """user/authenticate (the 2019 web UI): the user, in a one-element array."""

    status = fields.String(required=True)
    code = fields.Integer(required=True)
    user = fields.List(fields.Nested(WebUserSchema), required=True)
