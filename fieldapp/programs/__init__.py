"""The mini-programs list (e.g. 金钟罩, 反诈卫士): the district's admins keep it; the door form counts each one."""

from flask import Blueprint

bp = Blueprint("programs", __name__)

from fieldapp.programs import routes  # noqa: E402,F401
